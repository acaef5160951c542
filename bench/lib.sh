# Helpers shared by bench/run.sh, bench/cluster.sh and bench/registry.sh. Sourced, not run:
#
#   BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
#   source "$BENCH/lib.sh"
#   ... knobs ...
#   start_run NAME RUNS_DIR      # log prefix, bench/work/RUNS_DIR/<UTC stamp>/, traps
#
# The functions read the sourcing script's knobs when called: RECORDS, RECORD_SIZE, BROKERS, REPEATS,
# TOOL_JVM_OPTS, STEP_TIMEOUT, BUILD_TIMEOUT, BROKER_LIFETIME, KEEP_DATA.
# The variables set here are used by the sourcing scripts (SC2034); those read here are set by them (SC2153).
# shellcheck shell=bash disable=SC2034,SC2153

ROOT="$(dirname "$BENCH")"
WORK="$BENCH/work"
KAFKA_VERSION=4.4.0    # keep in line with bench/kafka/pom.xml

declare -A R=()        # results: R[broker.metric]=value | failed | skipped
declare -A V=()        # values of each repeat: V[broker.metric]="v1 v2 ..." (the table's min–max columns)
declare -A STAR=()     # STAR[broker.metric]=1: measured, but the tool then exited with an error
declare -a NOTES=()    # failures, listed under the table
declare -a LOADS=()    # load averages seen around each broker's run, for the report
declare -a PGIDS=()    # process groups of the running broker(s) and Sluice's ZooKeeper, each started by spawn
ZK_PGID=""             # Sluice's ZooKeeper: stopped after the brokers
TOOL_PID=""            # the running tool (`timeout ... java`), killed on exit
BOOT=""                # bootstrap servers of the running broker(s)
DATA_ROOT=""           # data dir(s) of the running broker(s), deleted after their run unless KEEP_DATA=1
RS=""                  # suffix of topic, group and log names for the current repeat ("" when there is one)

# ---- run directory and log -----------------------------------------------------------------
start_run() { # start_run NAME RUNS_DIR: log lines "[NAME hh:mm:ss] ...", files of this run in $RUN
  LOG_NAME="$1"
  STAMP="$(date -u +%Y%m%d-%H%M%S)"
  RUN="$WORK/$2/$STAMP"
  RUN_REL="${RUN#"$ROOT"/}"   # as the report names it: bench/work/RUNS_DIR/STAMP
  mkdir -p "$RUN" "$BENCH/results"
  exec 9>&2   # the script's stderr, for log lines written while a tool's output is redirected
  trap cleanup EXIT
  trap 'log "interrupted"; exit 130' INT TERM
}
log() { printf '[%s %s] %s\n' "$LOG_NAME" "$(date -u +%H:%M:%S)" "$*" >&9; }

# ---- process handling ----------------------------------------------------------------------
# setsid makes the started command the leader of its own process group (pgid = its pid), so that
# stopping the group reaches the JVM under `timeout`/bin/sluice; wait until that has happened.
await_group() { # await_group PID
  for _ in $(seq 1 50); do
    [[ "$(ps -o pgid= -p "$1" 2>/dev/null | tr -d ' ')" == "$1" ]] && return 0
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
}
# BROKER_LIFETIME is a hard cap on the process, should the trap miss it.
spawn() { # spawn LOGFILE CMD...: start CMD in its own process group, remember the group in PGIDS
  local logf="$1" pid; shift
  setsid timeout -k 30 "$BROKER_LIFETIME" "$@" >"$logf" 2>&1 &
  pid=$!
  await_group "$pid"
  PGIDS+=("$pid")
}
dead_group() { # prints the first of PGIDS whose leader has exited; false when all run
  local g
  for g in "${PGIDS[@]}"; do kill -0 "$g" 2>/dev/null || { echo "$g"; return 0; }; done
  return 1
}
stop_groups() { # SIGTERM to the given groups at once (a KRaft node alone, without quorum, shuts down slowly), then wait
  local g left
  for g in "$@"; do kill -TERM -- "-$g" 2>/dev/null; done
  for _ in $(seq 1 60); do
    left=0; for g in "$@"; do kill -0 -- "-$g" 2>/dev/null && left=1; done
    (( left )) || return 0; sleep 1
  done
  for g in "$@"; do
    if kill -0 -- "-$g" 2>/dev/null; then log "process group $g still running 60 s after SIGTERM; sending SIGKILL"; kill -KILL -- "-$g" 2>/dev/null; fi
  done
}
stop_brokers() { # brokers first, all at once; then ZooKeeper
  local g; local -a brokers=()
  (( ${#PGIDS[@]} == 0 )) && return 0
  log "stopping process groups ${PGIDS[*]}"
  for g in "${PGIDS[@]}"; do [[ "$g" == "$ZK_PGID" ]] || brokers+=("$g"); done
  (( ${#brokers[@]} )) && stop_groups "${brokers[@]}"
  [[ -n "$ZK_PGID" ]] && stop_groups "$ZK_PGID"
  PGIDS=(); ZK_PGID=""
  wait 2>/dev/null || true
}
cleanup() {
  [[ -n "$TOOL_PID" ]] && kill -TERM "$TOOL_PID" 2>/dev/null
  stop_brokers
}
end_brokers() { # end_brokers BROKER LOAD_BEFORE: note the load average, stop the broker(s), delete their data
  LOADS+=("$1: $2 before, $(loadavg) after")
  stop_brokers
  [[ "$KEEP_DATA" == 1 || -z "$DATA_ROOT" ]] || rm -rf "$DATA_ROOT"
  DATA_ROOT=""
  sync
}

# CPU seconds (user + system) used so far by the JVMs of PGIDS (the broker; for a cluster all brokers
# and Sluice's ZooKeeper), or "" when none runs.
CLK_TCK="$(getconf CLK_TCK)"
jvm_cpu() {
  local g pid t ticks=""
  for g in "${PGIDS[@]}"; do
    for pid in $(pgrep -g "$g" -x java 2>/dev/null); do
      # fields after the ")" of the command name: state is 1st, utime 12th, stime 13th
      t="$(sed -E 's/^.*\) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 }')"
      [[ -n "$t" ]] && ticks=$(( ${ticks:-0} + t ))
    done
  done
  if [[ -n "$ticks" ]]; then awk -v t="$ticks" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }'; fi
}
cpu_delta() { # cpu_delta BEFORE -> seconds since BEFORE, or "failed"
  local now; now="$(jvm_cpu)"
  if [[ -n "$1" && -n "$now" ]]; then awk -v a="$1" -v b="$now" 'BEGIN { printf "%.2f", b - a }'; else echo failed; fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
declare -A TAKEN=()    # ports handed out by free_port in this run
free_port() { # free_port VAR: sets VAR to a free port not handed out before in this run
  # Sets a variable rather than printing: called as $(free_port), TAKEN would be updated in a subshell only.
  local _p
  for _ in $(seq 1 200); do
    _p=$(( 20000 + RANDOM % 40000 ))
    [[ -n "${TAKEN[$_p]:-}" ]] && continue
    port_open "$_p" || { TAKEN[$_p]=1; printf -v "$1" '%s' "$_p"; return 0; }
  done
  return 1
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# ---- Apache Kafka jars and tools, Sluice build ---------------------------------------------
KAFKA_LIBS="$WORK/kafka-libs"
LOG4J="-Dlog4j2.configurationFile=$BENCH/log4j2.properties"
fetch_kafka() { # fetches Kafka's jars into $KAFKA_LIBS once (a marker records a complete fetch); sets KCP
  if [[ ! -f "$KAFKA_LIBS/.complete-$KAFKA_VERSION" ]]; then
    log "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_LIBS"
    rm -rf "$KAFKA_LIBS"
    timeout -k 10 "$BUILD_TIMEOUT" mvn -B -q -ntp -f "$BENCH/kafka/pom.xml" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS" >"$RUN/maven-fetch.log" 2>&1 \
      || { log "Maven fetch failed, see $RUN/maven-fetch.log"; tail -20 "$RUN/maven-fetch.log" >&2; exit 1; }
    touch "$KAFKA_LIBS/.complete-$KAFKA_VERSION"
  fi
  # shellcheck disable=SC2012  # Maven's jar names: no blanks or newlines
  KCP="$(ls -d "$KAFKA_LIBS"/*.jar | tr '\n' ':')"
}
# KRaft storage of a Kafka node: a cluster id, then formatting the node's log dir with it.
kafka_uuid() {
  # shellcheck disable=SC2086
  timeout 60 java $TOOL_JVM_OPTS "$LOG4J" -cp "$KCP" kafka.tools.StorageTool random-uuid 2>>"$RUN/kafka-format.log" | tail -1
}
kafka_format() { # kafka_format UUID PROPERTIES_FILE
  # shellcheck disable=SC2086
  timeout -k 10 120 java $TOOL_JVM_OPTS "$LOG4J" -cp "$KCP" kafka.tools.StorageTool format -t "$1" -c "$2" \
      >>"$RUN/kafka-format.log" 2>&1
}

# Runs a Kafka tool main class, bounded in time. Usage: tool TIMEOUT MAIN ARGS...
# Runs in the background and is waited for, so that a signal to this script acts at once.
tool() {
  local t="$1" rc; shift
  # shellcheck disable=SC2086
  timeout -k 10 "$t" java $TOOL_JVM_OPTS "$LOG4J" -Dbench.log.level=WARN -cp "$KCP" "$@" &
  TOOL_PID=$!
  wait "$TOOL_PID"; rc=$?
  TOOL_PID=""
  return $rc
}

# bin/sluice builds the checkout when its sources changed since the last build, so the brokers
# started through it afterwards start at once and run the current code.
build_sluice() {
  log "building Sluice if needed (bin/sluice)"
  timeout -k 10 "$BUILD_TIMEOUT" "$ROOT/bin/sluice" --version >"$RUN/sluice-build.log" 2>&1 \
    || { log "Sluice build failed, see $RUN/sluice-build.log"; tail -30 "$RUN/sluice-build.log" >&2; return 1; }
}

# ---- workloads against $BOOT ---------------------------------------------------------------
# Each sets R[broker.NAME.metric] or marks its metrics failed. Logs go to $RUN/<broker>-<NAME>$RS.log.
fail() { local b="$1"; shift; for m in "$@"; do R[$b.$m]=failed; done; }
note_failure() { # note_failure BROKER WORKLOAD LOGFILE EXIT
  local first
  # WARN lines count: the tools log at WARN, and a client that cannot reach a broker says so only there.
  first="$(grep -m1 -E 'Exception|ERROR|Error|WARN|failed' "$3" 2>/dev/null | cut -c1-300)"
  NOTES+=("$1 / $2: exit $4${first:+; first error: \`$first\`} (log: \`$RUN_REL/$(basename "$3")\`)")
}

produce() { # produce BROKER NAME TOPIC [more ProducerPerformance arguments] -> NAME.{mbs,rps,avg,p99,cpu}; false if it failed
  local b="$1" n="$2" topic="$3" f="$RUN/$1-$2$RS.log" line cpu0 rc; shift 3
  log "$b: $n — ProducerPerformance $RECORDS x $RECORD_SIZE B, acks=all, topic $topic${*:+, $*}"
  cpu0="$(jvm_cpu)"
  tool "$STEP_TIMEOUT" org.apache.kafka.tools.ProducerPerformance --bootstrap-server "$BOOT" \
      --topic "$topic" --num-records "$RECORDS" --record-size "$RECORD_SIZE" --throughput -1 \
      --command-property acks=all "$@" >"$f" 2>&1
  rc=$?
  R[$b.$n.cpu]="$(cpu_delta "$cpu0")"
  # final line: "N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency, p50 ms 50th, p95 ms 95th, p99 ms 99th, p999 ms 99.9th."
  line="$(grep -E '^[0-9]+ records sent, .* 99\.9th' "$f" | tail -1)"
  if [[ $rc -ne 0 || -z "$line" || "$(awk '{print $1}' <<<"$line")" != "$RECORDS" ]]; then
    log "$b: $n failed (exit $rc), see $f"; tail -5 "$f" >&2
    note_failure "$b" "$n" "$f" "$rc"
    fail "$b" "$n.mbs" "$n.rps" "$n.avg" "$n.p99" "$n.cpu"; return 1
  fi
  R[$b.$n.rps]="$(sed -E 's/^[0-9]+ records sent, ([0-9.]+) records\/sec.*/\1/' <<<"$line")"
  R[$b.$n.mbs]="$(sed -E 's/.*\(([0-9.]+) MB\/sec\).*/\1/' <<<"$line")"
  R[$b.$n.avg]="$(sed -E 's/.* ([0-9.]+) ms avg latency.*/\1/' <<<"$line")"
  R[$b.$n.p99]="$(sed -E 's/.* ([0-9.]+) ms 99th.*/\1/' <<<"$line")"
  log "$b: $n: $line"
}

consume() { # consume BROKER NAME TOPIC [more ConsumerPerformance arguments] -> NAME.{mbs,rps,reb,cpu}, with a fresh group
  local b="$1" n="$2" topic="$3" f="$RUN/$1-$2$RS.log" group="bench-$1-$2$RS-$STAMP" line nmsg cpu0 rc; shift 3
  log "$b: $n — ConsumerPerformance $RECORDS records, topic $topic, group $group${*:+, $*}"
  cpu0="$(jvm_cpu)"
  tool "$STEP_TIMEOUT" org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "$BOOT" \
      --topic "$topic" --num-records "$RECORDS" --group "$group" --timeout 60000 "$@" >"$f" 2>&1
  rc=$?
  R[$b.$n.cpu]="$(cpu_delta "$cpu0")"
  # header: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
  #         rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  line="$(grep -A1 '^start.time, end.time' "$f" | tail -1)"
  nmsg="$(awk -F', ' '{print $5}' <<<"$line")"
  if [[ $rc -ne 0 || -z "$line" || "$nmsg" != "$RECORDS" ]]; then
    log "$b: $n failed (exit $rc, consumed '${nmsg:-0}' of $RECORDS), see $f"; tail -5 "$f" >&2
    note_failure "$b" "$n (consumed ${nmsg:-0} of $RECORDS)" "$f" "$rc"
    fail "$b" "$n.mbs" "$n.rps" "$n.reb" "$n.cpu"; return 1
  fi
  R[$b.$n.mbs]="$(awk -F', ' '{print $4}' <<<"$line")"
  R[$b.$n.rps]="$(awk -F', ' '{print $6}' <<<"$line")"
  R[$b.$n.reb]="$(awk -F', ' '{print $7}' <<<"$line")"
  log "$b: $n: $line"
}

# ---- report --------------------------------------------------------------------------------
machine_line() { # the report's first sentence: when, on what, which Java, which Sluice
  echo "Run $STAMP UTC on $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, loopback;" \
       "$(java -version 2>&1 | head -1); Sluice at $(git -C "$ROOT" rev-parse --short HEAD) ($(git -C "$ROOT" rev-parse --abbrev-ref HEAD))."
}
size_label() { awk -v n="$1" 'BEGIN { if (n % 1024 == 0) printf "%d KiB", n / 1024; else printf "%d B", n }'; }
count_label() { printf "%'d" "$1" 2>/dev/null || echo "$1"; }

num() { [[ "$1" =~ ^[0-9]+([.][0-9]+)?$ ]]; }
fmt() { # fmt VALUE -> a readable number, or the word
  if [[ "$1" =~ ^[0-9]+$ ]]; then printf '%s' "$1"
  elif num "$1"; then awk -v v="$1" 'BEGIN { if (v >= 1000) printf "%.0f", v; else if (v >= 100) printf "%.1f", v; else printf "%.2f", v }'
  else printf '%s' "$1"; fi
}
ratio() { # ratio KAFKA SLUICE -> Sluice/Kafka
  if num "$1" && num "$2" && awk -v k="$1" 'BEGIN { exit !(k > 0) }'; then
    awk -v k="$1" -v s="$2" 'BEGIN { printf "%.2f", s / k }'
  else printf 'n/a'; fi
}
range() { # range BROKER METRIC -> "min–max" over the repeats, or ""
  local v="${V[$1.$2]:-}"
  [[ -z "${v// /}" ]] && return 0
  tr ' ' '\n' <<<"$v" | grep . | sort -g | sed -n '1p;$p' | while read -r x; do fmt "$x"; echo; done | paste -sd'-' | sed 's/-/–/'
}
# The table: Kafka, Sluice, ratio, direction; with REPEATS > 1 also each broker's min–max.
table_head() {
  if (( REPEATS > 1 )); then
    echo "| workload | unit | Kafka | Sluice | Sluice/Kafka | better | Kafka min–max | Sluice min–max |"
    echo "| --- | --- | ---: | ---: | ---: | --- | ---: | ---: |"
  else
    echo "| workload | unit | Kafka | Sluice | Sluice/Kafka | better |"
    echo "| --- | --- | ---: | ---: | ---: | --- |"
  fi
}
row() { # row LABEL UNIT METRIC BETTER
  local k="${R[kafka.$3]:-failed}" s="${R[sluice.$3]:-failed}"
  printf '| %s | %s | %s%s | %s%s | %s | %s |' "$1" "$2" "$(fmt "$k")" "${STAR[kafka.$3]:+*}" \
      "$(fmt "$s")" "${STAR[sluice.$3]:+*}" "$(ratio "$k" "$s")" "$4"
  (( REPEATS > 1 )) && printf ' %s | %s |' "$(range kafka "$3")" "$(range sluice "$3")"
  echo
}
table_end() { # table_end TITLE: the NOTES under TITLE, if any; where the logs are
  local n
  if (( ${#NOTES[@]} > 0 )); then
    echo
    echo "$1:"
    for n in "${NOTES[@]}"; do echo "- $n"; done
  fi
  echo
  echo "Logs of this run: \`$RUN_REL/\` (not committed)."
}
publish() { # publish FILE: print $RUN/results.md; copy it to bench/results/FILE only when both brokers ran
  echo
  cat "$RUN/results.md"
  if [[ " $BROKERS " == *" kafka "* && " $BROKERS " == *" sluice "* ]]; then
    cp "$RUN/results.md" "$BENCH/results/$1"
    log "table written to bench/results/$1"
  else
    log "only '$BROKERS' ran: table written to $RUN_REL/results.md (bench/results/$1 left as it was)"
  fi
}
