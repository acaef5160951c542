#!/usr/bin/env bash
# Sluice vs Apache Kafka on this machine, with Kafka's own perf tools.
#
#   bench/run.sh                       # 1,000,000 x 1 KiB records per producer workload
#   RECORDS=100000 bench/run.sh        # quick run
#   BROKERS=sluice bench/run.sh        # only one broker (the table shows the other as "skipped")
#
# Steps: fetch Apache Kafka 4.4.0 jars with Maven into bench/work/ -> start a single-node KRaft
# Kafka on loopback -> run the workloads -> stop it -> start Sluice (bin/sluice broker) with a fresh
# data dir -> run the same workloads -> stop it -> print a markdown table (also written to
# bench/results/latest.md). The two brokers never run at the same time. Every step is bounded by
# `timeout`; the broker processes are stopped on exit (trap). A workload that fails is reported as
# "failed" and the run goes on.
set -uo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH")"
WORK="$BENCH/work"

# ---- knobs (environment) -------------------------------------------------------------------
RECORDS="${RECORDS:-1000000}"            # records per producer / consumer workload
RECORD_SIZE="${RECORD_SIZE:-1024}"       # bytes per record value
E2E_RECORDS="${E2E_RECORDS:-10000}"      # records for EndToEndLatency
REPEATS="${REPEATS:-1}"                  # run every workload this many times per broker; the table shows medians
PARTITIONS_MANY="${PARTITIONS_MANY:-6}"
TXN_PARTITIONS="${TXN_PARTITIONS:-1}"    # partitions of the transactional produce / read_committed topics
BROKERS="${BROKERS:-kafka sluice}"       # which brokers to run, in this order
KAFKA_VERSION=4.4.0                      # keep in line with bench/kafka/pom.xml
HEAP="${HEAP:-2g}"
# The same JVM flags for both brokers: Kafka's kafka-server-start.sh defaults, with an equal heap.
BROKER_JVM_OPTS="${BROKER_JVM_OPTS:--Xms$HEAP -Xmx$HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true}"
TOOL_JVM_OPTS="${TOOL_JVM_OPTS:--Xms1g -Xmx1g}"
# Broker settings applied to both brokers (Kafka names). A 0 ms initial rebalance delay keeps the
# consumer numbers about reading, not about waiting for a group to settle.
COMMON_BROKER_PROPS=(group.initial.rebalance.delay.ms=0 num.partitions=1 auto.create.topics.enable=true)
STEP_TIMEOUT="${STEP_TIMEOUT:-900}"      # seconds, per workload
START_TIMEOUT="${START_TIMEOUT:-180}"    # seconds, broker start-up
BUILD_TIMEOUT="${BUILD_TIMEOUT:-1200}"   # seconds, Maven fetch / Sluice build
BROKER_LIFETIME="${BROKER_LIFETIME:-7200}" # hard cap on a broker process, should the trap miss it
KEEP_DATA="${KEEP_DATA:-0}"              # 1: keep the brokers' data dirs after the run
QUIET_LOAD="${QUIET_LOAD:-}"             # e.g. 0.5: before each broker, wait until the 1-min load average is below it
QUIET_TIMEOUT="${QUIET_TIMEOUT:-600}"    # seconds, at most, for that wait

STAMP="$(date -u +%Y%m%d-%H%M%S)"
RUN="$WORK/runs/$STAMP"
mkdir -p "$RUN" "$BENCH/results"

exec 9>&2   # the script's stderr, for log lines written while a tool's output is redirected
log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&9; }

declare -A R=()        # results: R[broker.metric]=value | failed | skipped
declare -A V=()        # values of each repeat: V[broker.metric]="v1 v2 ..."
declare -A STAR=()     # STAR[broker.metric]=1: measured, but the tool then exited with an error
REP=1; RS=""           # current repeat and its suffix for topic/log names ("" when REPEATS=1)
BROKER_PGID=""         # process group of the running broker (started with setsid)
TOOL_PID=""            # the running tool (`timeout ... java`), killed on exit
declare -a LOADS=()    # load averages seen around each broker's run, for the report

# ---- process handling ----------------------------------------------------------------------
stop_broker() {
  [[ -z "$BROKER_PGID" ]] && return 0
  local pgid="$BROKER_PGID"; BROKER_PGID=""
  if kill -0 -- "-$pgid" 2>/dev/null; then
    log "stopping broker (process group $pgid)"
    kill -TERM -- "-$pgid" 2>/dev/null
    for _ in $(seq 1 60); do kill -0 -- "-$pgid" 2>/dev/null || break; sleep 1; done
    if kill -0 -- "-$pgid" 2>/dev/null; then
      log "broker did not stop within 60 s after SIGTERM; sending SIGKILL"
      kill -KILL -- "-$pgid" 2>/dev/null
    fi
  fi
  wait 2>/dev/null || true
}
cleanup() {
  [[ -n "$TOOL_PID" ]] && kill -TERM "$TOOL_PID" 2>/dev/null
  stop_broker
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# setsid makes the broker the leader of its own process group (pgid = its pid), so that stopping
# it reaches the JVM under `timeout`/bin/sluice; wait until that has happened.
await_group() {
  for _ in $(seq 1 50); do
    [[ "$(ps -o pgid= -p "$BROKER_PGID" 2>/dev/null | tr -d ' ')" == "$BROKER_PGID" ]] && return 0
    kill -0 "$BROKER_PGID" 2>/dev/null || return 0
    sleep 0.1
  done
}

# CPU seconds (user + system) used so far by the broker JVM, the java process in our broker's group.
CLK_TCK="$(getconf CLK_TCK)"
broker_cpu() {
  local pid
  pid="$(pgrep -g "$BROKER_PGID" -x java 2>/dev/null | head -1)"
  [[ -n "$pid" && -r "/proc/$pid/stat" ]] || { echo ""; return; }
  # fields after the ")" of the command name: state is 1st, utime 12th, stime 13th
  sed -E 's/^.*\) //' "/proc/$pid/stat" | awk -v hz="$CLK_TCK" '{ printf "%.2f", ($12 + $13) / hz }'
}
cpu_delta() { # cpu_delta BEFORE -> seconds since BEFORE, or "failed"
  local now; now="$(broker_cpu)"
  if [[ -n "$1" && -n "$now" ]]; then awk -v a="$1" -v b="$now" 'BEGIN { printf "%.2f", b - a }'; else echo failed; fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 40000 ))
    port_open "$p" || { echo "$p"; return 0; }
  done
  return 1
}

# ---- step 1: Apache Kafka jars -------------------------------------------------------------
KAFKA_LIBS="$WORK/kafka-libs"
fetch_kafka() {
  if [[ -f "$KAFKA_LIBS/.complete-$KAFKA_VERSION" ]]; then return 0; fi
  log "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_LIBS"
  rm -rf "$KAFKA_LIBS"
  timeout -k 10 "$BUILD_TIMEOUT" mvn -B -q -ntp -f "$BENCH/kafka/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS" >"$RUN/maven-fetch.log" 2>&1 \
    || { log "Maven fetch failed, see $RUN/maven-fetch.log"; tail -20 "$RUN/maven-fetch.log" >&2; exit 1; }
  touch "$KAFKA_LIBS/.complete-$KAFKA_VERSION"
}
fetch_kafka
KCP="$(ls -d "$KAFKA_LIBS"/*.jar | tr '\n' ':')"
LOG4J="-Dlog4j2.configurationFile=$BENCH/log4j2.properties"

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

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
await_quiet() { # optional: wait for other work on the machine to calm down
  [[ -z "$QUIET_LOAD" ]] && return 0
  local deadline=$(( SECONDS + QUIET_TIMEOUT ))
  while awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v q="$QUIET_LOAD" 'BEGIN { exit !(l >= q) }'; do
    if (( SECONDS >= deadline )); then log "load average still $(loadavg) after ${QUIET_TIMEOUT}s; going on"; return 0; fi
    sleep 5
  done
}

# ---- broker start-up -----------------------------------------------------------------------
wait_ready() { # wait_ready NAME PORT LOGFILE
  local name="$1" port="$2" logf="$3" deadline=$(( SECONDS + START_TIMEOUT ))
  while (( SECONDS < deadline )); do
    if ! kill -0 "$BROKER_PGID" 2>/dev/null; then
      log "$name exited during start-up; last lines of $logf:"; tail -30 "$logf" >&2; return 1
    fi
    if port_open "$port" && tool 60 org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$port" --list \
          >>"$RUN/$name-ready.log" 2>&1; then
      return 0
    fi
    sleep 1
  done
  log "$name not ready within ${START_TIMEOUT}s; last lines of $logf:"; tail -30 "$logf" >&2
  return 1
}

start_kafka() { # sets PORT
  local dir="$WORK/data/kafka-$STAMP" cport props uuid
  PORT="$(free_port)"; cport="$(free_port)"
  while [[ "$cport" == "$PORT" ]]; do cport="$(free_port)"; done
  mkdir -p "$dir"; props="$RUN/kafka-server.properties"
  cat >"$props" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
EOF
  printf '%s\n' "${COMMON_BROKER_PROPS[@]}" >>"$props"
  uuid="$(timeout 60 java $TOOL_JVM_OPTS "$LOG4J" -cp "$KCP" kafka.tools.StorageTool random-uuid 2>>"$RUN/kafka-format.log" | tail -1)"
  timeout -k 10 120 java $TOOL_JVM_OPTS "$LOG4J" -cp "$KCP" kafka.tools.StorageTool format -t "$uuid" -c "$props" \
      >>"$RUN/kafka-format.log" 2>&1 || { log "Kafka storage format failed:"; cat "$RUN/kafka-format.log" >&2; return 1; }
  log "starting Apache Kafka $KAFKA_VERSION (KRaft) on 127.0.0.1:$PORT, controller :$cport, data $dir"
  # shellcheck disable=SC2086
  setsid timeout -k 30 "$BROKER_LIFETIME" java $BROKER_JVM_OPTS "$LOG4J" -Dbench.log.level=INFO \
      -cp "$KCP" kafka.Kafka "$props" >"$RUN/kafka-broker.log" 2>&1 &
  BROKER_PGID=$!; await_group
  DATA_DIR="$dir"
  wait_ready kafka "$PORT" "$RUN/kafka-broker.log"
}

start_sluice() { # sets PORT
  local dir="$WORK/data/sluice-$STAMP" args=()
  log "building Sluice if needed (bin/sluice)"
  timeout -k 10 "$BUILD_TIMEOUT" "$ROOT/bin/sluice" --version >"$RUN/sluice-build.log" 2>&1 \
    || { log "Sluice build failed, see $RUN/sluice-build.log"; tail -30 "$RUN/sluice-build.log" >&2; return 1; }
  PORT="$(free_port)"; mkdir -p "$dir"
  args=(--override "log.dirs=$dir" --override "listeners=PLAINTEXT://127.0.0.1:$PORT")
  for p in "${COMMON_BROKER_PROPS[@]}"; do args+=(--override "$p"); done
  log "starting Sluice ($(git -C "$ROOT" rev-parse --short HEAD)) on 127.0.0.1:$PORT, data $dir"
  SLUICE_JAVA_OPTS="$BROKER_JVM_OPTS" setsid timeout -k 30 "$BROKER_LIFETIME" "$ROOT/bin/sluice" broker "${args[@]}" \
      >"$RUN/sluice-broker.log" 2>&1 &
  BROKER_PGID=$!; await_group
  DATA_DIR="$dir"
  wait_ready sluice "$PORT" "$RUN/sluice-broker.log"
}

# ---- workloads -----------------------------------------------------------------------------
# Each sets R[broker.metric] or marks its metrics failed. Logs go to $RUN/<broker>-<workload>.log.
declare -a NOTES=()
fail() { local b="$1"; shift; for m in "$@"; do R[$b.$m]=failed; done; }
note_failure() { # note_failure BROKER WORKLOAD LOGFILE EXIT
  local first
  first="$(grep -m1 -E 'Exception|ERROR|Error|WARN|failed' "$3" 2>/dev/null | cut -c1-300)"
  NOTES+=("$1 / $2: exit $4${first:+; first error: \`$first\`} (log: \`bench/work/runs/$STAMP/$(basename "$3")\`)")
}

create_topic() { # create_topic BROKER TOPIC PARTITIONS
  tool 120 org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$PORT" --create \
      --topic "$2" --partitions "$3" --replication-factor 1 >>"$RUN/$1-topics.log" 2>&1 \
    || { log "$1: creating topic $2 failed (see $RUN/$1-topics.log)"; return 1; }
}

produce() { # produce BROKER NAME TOPIC [more ProducerPerformance arguments]
  local b="$1" n="$2" topic="$3" f="$RUN/$1-$2$RS.log" line; shift 3
  log "$b: $n — ProducerPerformance $RECORDS x $RECORD_SIZE B, acks=all, topic $topic${*:+, $*}"
  local cpu0; cpu0="$(broker_cpu)"
  tool "$STEP_TIMEOUT" org.apache.kafka.tools.ProducerPerformance --bootstrap-server "127.0.0.1:$PORT" \
      --topic "$topic" --num-records "$RECORDS" --record-size "$RECORD_SIZE" --throughput -1 \
      --command-property acks=all "$@" >"$f" 2>&1
  local rc=$?
  R[$b.$n.cpu]="$(cpu_delta "$cpu0")"
  # final line: "N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency, p50 ms 50th, p95 ms 95th, p99 ms 99th, p999 ms 99.9th."
  line="$(grep -E '^[0-9]+ records sent, .* 99\.9th' "$f" | tail -1)"
  if [[ $rc -ne 0 || -z "$line" || "$(awk '{print $1}' <<<"$line")" != "$RECORDS" ]]; then
    log "$b: $n failed (exit $rc), see $f"; tail -5 "$f" >&2
    note_failure "$b" "$n" "$f" "$rc"
    fail "$b" "$n.mbs" "$n.rps" "$n.p99" "$n.cpu"; return 0
  fi
  R[$b.$n.rps]="$(sed -E 's/^[0-9]+ records sent, ([0-9.]+) records\/sec.*/\1/' <<<"$line")"
  R[$b.$n.mbs]="$(sed -E 's/.*\(([0-9.]+) MB\/sec\).*/\1/' <<<"$line")"
  R[$b.$n.p99]="$(sed -E 's/.* ([0-9.]+) ms 99th.*/\1/' <<<"$line")"
  log "$b: $n: $line"
}

# Transactional produce: ProducerPerformance commits every DURATION ms (--transaction-duration-ms)
# under its own transactional id; idempotence, hence acks=all, comes with it. The tool prints no
# per-transaction statistics, so the commit latency is derived from the producer metric
# txn-commit-time-ns-total (time spent in commitTransaction, which includes flushing the batches
# still in flight, as an application sees it), printed with --print-metrics, divided by the number
# of transactions: ceil((elapsed - commit time) / DURATION), since each transaction stays open DURATION ms.
produce_txn() { # produce_txn BROKER NAME TOPIC DURATION_MS
  local b="$1" n="$2" topic="$3" d="$4" f="$RUN/$1-$2$RS.log" c_ns
  produce "$b" "$n" "$topic" --transactional-id "bench-$b-$n$RS-$STAMP" --transaction-duration-ms "$d" --print-metrics
  if [[ "${R[$b.$n.rps]:-failed}" == failed ]]; then fail "$b" "$n.commit"; return 0; fi
  c_ns="$(grep -E '^producer-metrics:txn-commit-time-ns-total:' "$f" | tail -1 | awk -F' : ' '{ print $2 + 0 }')"
  if [[ -z "$c_ns" ]]; then
    log "$b: $n: no txn-commit-time-ns-total in $f"; note_failure "$b" "$n (commit time metric missing)" "$f" 0
    fail "$b" "$n.commit"; return 0
  fi
  R[$b.$n.commit]="$(awk -v c="$c_ns" -v rec="$RECORDS" -v rps="${R[$b.$n.rps]}" -v d="$d" 'BEGIN {
      cms = c / 1e6; tms = rec / rps * 1000; k = (tms - cms) / d; txns = int(k); if (txns < k) txns++; if (txns < 1) txns = 1
      printf "%.2f", cms / txns }')"
  log "$b: $n: commitTransaction total $(awk -v c="$c_ns" 'BEGIN { printf "%.0f", c / 1e6 }') ms, ≈ ${R[$b.$n.commit]} ms per commit"
}

consume() { # consume BROKER NAME TOPIC [more ConsumerPerformance arguments]
  local b="$1" n="$2" topic="$3" f="$RUN/$1-$2$RS.log" line; shift 3
  log "$b: $n — ConsumerPerformance $RECORDS records, topic $topic, group bench-$b-$n$RS-$STAMP${*:+, $*}"
  local cpu0; cpu0="$(broker_cpu)"
  tool "$STEP_TIMEOUT" org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "127.0.0.1:$PORT" \
      --topic "$topic" --num-records "$RECORDS" --group "bench-$b-$n$RS-$STAMP" --timeout 60000 "$@" >"$f" 2>&1
  local rc=$?
  R[$b.$n.cpu]="$(cpu_delta "$cpu0")"
  # header: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
  #         rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  line="$(grep -A1 '^start.time, end.time' "$f" | tail -1)"
  local nmsg; nmsg="$(awk -F', ' '{print $5}' <<<"$line")"
  if [[ $rc -ne 0 || -z "$line" || "$nmsg" != "$RECORDS" ]]; then
    log "$b: $n failed (exit $rc, consumed '${nmsg:-0}' of $RECORDS), see $f"; tail -5 "$f" >&2
    note_failure "$b" "$n (consumed ${nmsg:-0} of $RECORDS)" "$f" "$rc"
    fail "$b" "$n.mbs" "$n.rps" "$n.reb" "$n.cpu"; return 0
  fi
  R[$b.$n.mbs]="$(awk -F', ' '{print $4}' <<<"$line")"
  R[$b.$n.rps]="$(awk -F', ' '{print $6}' <<<"$line")"
  R[$b.$n.reb]="$(awk -F', ' '{print $7}' <<<"$line")"
  log "$b: $n: $line"
}

# read_committed consume of what produce_txn wrote with 100 ms transactions: the most commit markers
# to skip, and every fetch bounded by the last stable offset.
consume_rc() { # consume_rc BROKER NAME TOPIC
  consume "$1" "$2" "$3" --command-property isolation.level=read_committed
}

e2e() { # e2e BROKER TOPIC
  local b="$1" topic="$2" f="$RUN/$1-e2e$RS.log"
  log "$b: e2e — EndToEndLatency $E2E_RECORDS x $RECORD_SIZE B, acks=all, topic $topic"
  local cpu0; cpu0="$(broker_cpu)"
  tool "$STEP_TIMEOUT" org.apache.kafka.tools.EndToEndLatency --bootstrap-server "127.0.0.1:$PORT" \
      --topic "$topic" --num-records "$E2E_RECORDS" --producer-acks all --record-size "$RECORD_SIZE" >"$f" 2>&1
  local rc=$? avg pct
  R[$b.e2e.cpu]="$(cpu_delta "$cpu0")"
  # "Avg latency: 1.2345 ms" and "Percentiles: 50th = 1, 99th = 2, 99.9th = 3"
  avg="$(grep -E '^Avg latency:' "$f" | sed -E 's/^Avg latency: ([0-9.]+) ms.*/\1/')"
  pct="$(grep -E '^Percentiles:' "$f" | tail -1)"
  if [[ -z "$avg" || -z "$pct" ]]; then
    log "$b: e2e failed (exit $rc), see $f"; tail -5 "$f" >&2
    note_failure "$b" "e2e$RS" "$f" "$rc"
    fail "$b" e2e.avg e2e.p50 e2e.p99 e2e.p999 e2e.cpu; return 0
  fi
  if [[ $rc -ne 0 ]]; then
    # EndToEndLatency prints its numbers, then commits offsets and closes: an error there leaves the
    # measurement valid. Keep the numbers, mark them with * and list the error under the table.
    log "$b: e2e measured, then the tool failed (exit $rc), see $f"; tail -3 "$f" >&2
    note_failure "$b" "e2e$RS: latencies measured (marked *), then the tool failed" "$f" "$rc"
    for m in e2e.avg e2e.p50 e2e.p99 e2e.p999; do STAR[$b.$m]=1; done
  fi
  R[$b.e2e.avg]="$avg"
  R[$b.e2e.p50]="$(sed -E 's/.*50th = ([0-9.]+).*/\1/' <<<"$pct")"
  R[$b.e2e.p99]="$(sed -E 's/.* 99th = ([0-9.]+).*/\1/' <<<"$pct")"
  R[$b.e2e.p999]="$(sed -E 's/.*99\.9th = ([0-9.]+).*/\1/' <<<"$pct")"
  log "$b: e2e: avg $avg ms; $pct"
}

ALL_METRICS=(produce_p1.mbs produce_p1.rps produce_p1.p99 produce_p1.cpu
             produce_pN.mbs produce_pN.rps produce_pN.p99 produce_pN.cpu
             consume_p1.mbs consume_p1.rps consume_p1.reb consume_p1.cpu
             consume_pN.mbs consume_pN.rps consume_pN.reb consume_pN.cpu
             e2e.avg e2e.p50 e2e.p99 e2e.p999 e2e.cpu
             txn100.mbs txn100.rps txn100.p99 txn100.commit txn100.cpu
             txn1000.mbs txn1000.rps txn1000.p99 txn1000.commit txn1000.cpu
             consume_rc.mbs consume_rc.rps consume_rc.reb consume_rc.cpu)

run_workloads() { # run_workloads BROKER
  local b="$1" t1="bench-p1$RS" tN="bench-p$PARTITIONS_MANY$RS" te="bench-e2e$RS"
  local tt100="bench-txn100-p$TXN_PARTITIONS$RS" tt1000="bench-txn1000-p$TXN_PARTITIONS$RS"
  if create_topic "$b" "$t1" 1; then produce "$b" produce_p1 "$t1"; else fail "$b" produce_p1.mbs produce_p1.rps produce_p1.p99; fi
  if create_topic "$b" "$tN" "$PARTITIONS_MANY"; then produce "$b" produce_pN "$tN"; else fail "$b" produce_pN.mbs produce_pN.rps produce_pN.p99; fi
  consume "$b" consume_p1 "$t1"
  consume "$b" consume_pN "$tN"
  if create_topic "$b" "$te" 1; then e2e "$b" "$te"; else fail "$b" e2e.avg e2e.p50 e2e.p99 e2e.p999; fi
  if create_topic "$b" "$tt100" "$TXN_PARTITIONS"; then produce_txn "$b" txn100 "$tt100" 100; else fail "$b" txn100.mbs txn100.rps txn100.p99 txn100.commit; fi
  if create_topic "$b" "$tt1000" "$TXN_PARTITIONS"; then produce_txn "$b" txn1000 "$tt1000" 1000; else fail "$b" txn1000.mbs txn1000.rps txn1000.p99 txn1000.commit; fi
  consume_rc "$b" consume_rc "$tt100"
}

for b in kafka sluice; do
  for m in "${ALL_METRICS[@]}"; do R[$b.$m]=skipped; done
done

for b in $BROKERS; do
  case "$b" in
    kafka)  starter=start_kafka ;;
    sluice) starter=start_sluice ;;
    *) log "unknown broker '$b' in BROKERS"; exit 2 ;;
  esac
  for m in "${ALL_METRICS[@]}"; do R[$b.$m]=failed; done
  DATA_DIR=""
  await_quiet
  load_before="$(loadavg)"
  if $starter; then
    for REP in $(seq 1 "$REPEATS"); do
      RS=""; (( REPEATS > 1 )) && RS="-r$REP" && log "$b: repeat $REP of $REPEATS"
      for m in "${ALL_METRICS[@]}"; do R[$b.$m]=failed; done
      run_workloads "$b"
      for m in "${ALL_METRICS[@]}"; do
        [[ "${R[$b.$m]}" =~ ^[0-9]+([.][0-9]+)?$ ]] && V[$b.$m]="${V[$b.$m]:-} ${R[$b.$m]}"
      done
    done
    for m in "${ALL_METRICS[@]}"; do # median of the repeats that produced a number
      if [[ -n "${V[$b.$m]:-}" ]]; then
        R[$b.$m]="$(tr ' ' '\n' <<<"${V[$b.$m]}" | grep . | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }')"
      else
        R[$b.$m]=failed
      fi
    done
    if ! kill -0 "$BROKER_PGID" 2>/dev/null; then log "$b: broker process died during the run, see $RUN/$b-broker.log"; fi
  else
    log "$b: broker did not start; all its workloads are marked failed"
  fi
  stop_broker
  LOADS+=("$b: $load_before before, $(loadavg) after")
  [[ "$KEEP_DATA" == 1 || -z "$DATA_DIR" ]] || rm -rf "$DATA_DIR"
  sync
done

# ---- report --------------------------------------------------------------------------------
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
row() { # row LABEL UNIT METRIC BETTER
  local k="${R[kafka.$3]}" s="${R[sluice.$3]}"
  printf '| %s | %s | %s%s | %s%s | %s | %s |' "$1" "$2" "$(fmt "$k")" "${STAR[kafka.$3]:+*}" \
      "$(fmt "$s")" "${STAR[sluice.$3]:+*}" "$(ratio "$k" "$s")" "$4"
  (( REPEATS > 1 )) && printf ' %s | %s |' "$(range kafka "$3")" "$(range sluice "$3")"
  echo
}

SIZE_LABEL="$(awk -v n="$RECORD_SIZE" 'BEGIN { if (n % 1024 == 0) printf "%d KiB", n / 1024; else printf "%d B", n }')"
REC_LABEL="$(printf "%'d" "$RECORDS" 2>/dev/null || echo "$RECORDS")"
P="$PARTITIONS_MANY"
{
  echo "# Sluice vs Apache Kafka $KAFKA_VERSION"
  echo
  echo "Run $STAMP UTC on $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, loopback;" \
       "$(java -version 2>&1 | head -1); Sluice at $(git -C "$ROOT" rev-parse --short HEAD) ($(git -C "$ROOT" rev-parse --abbrev-ref HEAD))."
  echo "Both brokers: \`$BROKER_JVM_OPTS\`, single node, replication factor 1, $(IFS=' '; echo "${COMMON_BROKER_PROPS[*]}"); run one after the other."
  echo "Producer workloads: $REC_LABEL records x $SIZE_LABEL, acks=all, unthrottled, default producer settings otherwise."
  echo "Consumer workloads read those records back with a fresh group. EndToEndLatency: $E2E_RECORDS records x $SIZE_LABEL, acks=all, 1 partition."
  echo "Transactional produce: the same, with \`--transactional-id\` and \`--transaction-duration-ms\` 100 / 1000, $TXN_PARTITIONS partition(s); read_committed consume reads the 100 ms topic back with \`isolation.level=read_committed\`."
  echo "Commit ms ≈ the producer's txn-commit-time-ns-total / estimated number of transactions (ProducerPerformance prints no per-commit statistics); it includes flushing the transaction's last batches."
  (( REPEATS > 1 )) && echo "Every workload ran $REPEATS times per broker (fresh topics each time); the table shows medians."
  echo "Load average (1/5/15 min) around each broker's run — other work on the machine skews the numbers: $(printf '%s; ' "${LOADS[@]}" | sed 's/; $//')."
  echo "Broker CPU s = user + system CPU seconds the broker JVM used during the workload (2 cores shared with the tool JVM)."
  echo "MB = 2^20 bytes (the tools' unit). Ratio = Sluice / Kafka: above 1 is better for throughput, below 1 is better for latency."
  echo
  if (( REPEATS > 1 )); then
    echo "| workload | unit | Kafka | Sluice | Sluice/Kafka | better | Kafka min–max | Sluice min–max |"
    echo "| --- | --- | ---: | ---: | ---: | --- | ---: | ---: |"
  else
    echo "| workload | unit | Kafka | Sluice | Sluice/Kafka | better |"
    echo "| --- | --- | ---: | ---: | ---: | --- |"
  fi
  row "produce, 1 partition" "MB/s" produce_p1.mbs higher
  row "produce, 1 partition" "records/s" produce_p1.rps higher
  row "produce, 1 partition" "p99 send latency ms" produce_p1.p99 lower
  row "produce, 1 partition" "broker CPU s" produce_p1.cpu lower
  row "produce, $P partitions" "MB/s" produce_pN.mbs higher
  row "produce, $P partitions" "records/s" produce_pN.rps higher
  row "produce, $P partitions" "p99 send latency ms" produce_pN.p99 lower
  row "produce, $P partitions" "broker CPU s" produce_pN.cpu lower
  row "consume, 1 partition" "MB/s" consume_p1.mbs higher
  row "consume, 1 partition" "records/s" consume_p1.rps higher
  row "consume, 1 partition" "group join ms" consume_p1.reb lower
  row "consume, 1 partition" "broker CPU s" consume_p1.cpu lower
  row "consume, $P partitions" "MB/s" consume_pN.mbs higher
  row "consume, $P partitions" "records/s" consume_pN.rps higher
  row "consume, $P partitions" "group join ms" consume_pN.reb lower
  row "consume, $P partitions" "broker CPU s" consume_pN.cpu lower
  row "end-to-end latency" "avg ms" e2e.avg lower
  row "end-to-end latency" "p50 ms" e2e.p50 lower
  row "end-to-end latency" "p99 ms" e2e.p99 lower
  row "end-to-end latency" "p99.9 ms" e2e.p999 lower
  row "end-to-end latency" "broker CPU s" e2e.cpu lower
  TP="$TXN_PARTITIONS partition$( (( TXN_PARTITIONS > 1 )) && echo s)"
  for d in 100 1000; do
    row "transactional produce, $d ms txns, $TP" "MB/s" "txn$d.mbs" higher
    row "transactional produce, $d ms txns, $TP" "records/s" "txn$d.rps" higher
    row "transactional produce, $d ms txns, $TP" "p99 send latency ms" "txn$d.p99" lower
    row "transactional produce, $d ms txns, $TP" "≈ avg commit ms" "txn$d.commit" lower
    row "transactional produce, $d ms txns, $TP" "broker CPU s" "txn$d.cpu" lower
  done
  row "read_committed consume, $TP" "MB/s" consume_rc.mbs higher
  row "read_committed consume, $TP" "records/s" consume_rc.rps higher
  row "read_committed consume, $TP" "group join ms" consume_rc.reb lower
  row "read_committed consume, $TP" "broker CPU s" consume_rc.cpu lower
  if (( ${#NOTES[@]} > 0 )); then
    echo
    echo "Failed workloads:"
    for n in "${NOTES[@]}"; do echo "- $n"; done
  fi
  echo
  echo "Logs of this run: \`bench/work/runs/$STAMP/\` (not committed)."
} >"$RUN/results.md"

echo
cat "$RUN/results.md"
if [[ " $BROKERS " == *" kafka "* && " $BROKERS " == *" sluice "* ]]; then
  cp "$RUN/results.md" "$BENCH/results/latest.md"
  log "table written to bench/results/latest.md"
else
  log "only '$BROKERS' ran: table written to bench/work/runs/$STAMP/results.md (bench/results/latest.md left as it was)"
fi
