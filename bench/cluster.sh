#!/usr/bin/env bash
# 3-broker cluster benchmark: Sluice vs Apache Kafka, replication factor 3, acks=all, on loopback.
#
#   bench/cluster.sh                    # 500,000 x 1 KiB records
#   RECORDS=100000 bench/cluster.sh     # quick run
#   BROKERS=sluice bench/cluster.sh     # one side only (the other column says "skipped")
#
# Kafka: 3 combined broker+controller KRaft nodes (node.id 1..3, static controller.quorum.voters,
# one cluster id, each node its own log dir). Sluice: `bin/sluice zookeeper` plus 3 x `bin/sluice
# broker` (broker.id 1..3). Both: offsets.topic.replication.factor=3, min.insync.replicas=2,
# group.initial.rebalance.delay.ms=0. Workloads: ProducerPerformance, 1 topic, PARTITIONS (6)
# partitions, RF=3, acks=all, RECORD_SIZE (1 KiB) records; then ConsumerPerformance reads them back
# with a fresh group. Sluice brokers start one after the other (see start_sluice). Kafka runs first, then Sluice; never both at once. Every step is bounded by
# `timeout`; all broker process groups are stopped on exit (trap). Reuses bench/run.sh's approach
# and the Kafka 4.4.0 jars it fetches into bench/work/kafka-libs/.
set -uo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH")"
WORK="$BENCH/work"

# ---- knobs (environment) -------------------------------------------------------------------
RECORDS="${RECORDS:-500000}"
RECORD_SIZE="${RECORD_SIZE:-1024}"
PARTITIONS="${PARTITIONS:-6}"
BROKERS="${BROKERS:-kafka sluice}"
KAFKA_VERSION=4.4.0
HEAP="${HEAP:-1g}"
BROKER_JVM_OPTS="${BROKER_JVM_OPTS:--Xmx$HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true}"
ZK_JVM_OPTS="${ZK_JVM_OPTS:--Xmx512m}"
TOOL_JVM_OPTS="${TOOL_JVM_OPTS:--Xms1g -Xmx1g}"
COMMON_BROKER_PROPS=(offsets.topic.replication.factor=3 min.insync.replicas=2 group.initial.rebalance.delay.ms=0)
STEP_TIMEOUT="${STEP_TIMEOUT:-900}"
START_TIMEOUT="${START_TIMEOUT:-180}"
BUILD_TIMEOUT="${BUILD_TIMEOUT:-1200}"
BROKER_LIFETIME="${BROKER_LIFETIME:-7200}"
KEEP_DATA="${KEEP_DATA:-0}"

STAMP="$(date -u +%Y%m%d-%H%M%S)"
RUN="$WORK/cluster-runs/$STAMP"
mkdir -p "$RUN" "$BENCH/results"

exec 9>&2
log() { printf '[cluster %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&9; }

declare -A R=()
declare -a PGIDS=()     # process groups of the running cluster (ZooKeeper + brokers), each via setsid
declare -a NOTES=() LOADS=()
declare -A DISK=()      # DISK[broker]="node-1 N MiB, ..." after the produce workload
TOOL_PID=""
BOOT=""                 # bootstrap servers of the running cluster
DATA_ROOT=""

# ---- process handling (as bench/run.sh, for several process groups) ------------------------
ZK_PGID=""              # Sluice's ZooKeeper: stopped after the brokers
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
stop_cluster() { # brokers first, all at once; then ZooKeeper
  local g; local -a brokers=()
  (( ${#PGIDS[@]} == 0 )) && return 0
  log "stopping cluster (process groups ${PGIDS[*]})"
  for g in "${PGIDS[@]}"; do [[ "$g" == "$ZK_PGID" ]] || brokers+=("$g"); done
  (( ${#brokers[@]} )) && stop_groups "${brokers[@]}"
  [[ -n "$ZK_PGID" ]] && stop_groups "$ZK_PGID"
  PGIDS=(); ZK_PGID=""
  wait 2>/dev/null || true
}
cleanup() {
  [[ -n "$TOOL_PID" ]] && kill -TERM "$TOOL_PID" 2>/dev/null
  stop_cluster
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

await_group() { # await_group PID: wait until setsid has made PID a group leader
  for _ in $(seq 1 50); do
    [[ "$(ps -o pgid= -p "$1" 2>/dev/null | tr -d ' ')" == "$1" ]] && return 0
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
}
spawn() { # spawn LOGFILE CMD... : start CMD in its own process group, remember the group
  local logf="$1"; shift
  setsid timeout -k 30 "$BROKER_LIFETIME" "$@" >"$logf" 2>&1 &
  local pid=$!
  await_group "$pid"
  PGIDS+=("$pid")
}

# CPU seconds (user + system) of all JVMs of the cluster (brokers, and Sluice's ZooKeeper).
CLK_TCK="$(getconf CLK_TCK)"
cluster_cpu() {
  local g pid total=0 t
  for g in "${PGIDS[@]}"; do
    for pid in $(pgrep -g "$g" -x java 2>/dev/null); do
      [[ -r "/proc/$pid/stat" ]] || continue
      t="$(sed -E 's/^.*\) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }')"
      total=$(( total + t ))
    done
  done
  awk -v t="$total" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }'
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
declare -A TAKEN=()
free_port() { # a free port not handed out before in this run
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 40000 ))
    [[ -n "${TAKEN[$p]:-}" ]] && continue
    port_open "$p" || { TAKEN[$p]=1; echo "$p"; return 0; }
  done
  return 1
}

# ---- Kafka jars and tools (as bench/run.sh) ------------------------------------------------
KAFKA_LIBS="$WORK/kafka-libs"
if [[ ! -f "$KAFKA_LIBS/.complete-$KAFKA_VERSION" ]]; then
  log "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_LIBS"
  rm -rf "$KAFKA_LIBS"
  timeout -k 10 "$BUILD_TIMEOUT" mvn -B -q -ntp -f "$BENCH/kafka/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS" >"$RUN/maven-fetch.log" 2>&1 \
    || { log "Maven fetch failed, see $RUN/maven-fetch.log"; exit 1; }
  touch "$KAFKA_LIBS/.complete-$KAFKA_VERSION"
fi
KCP="$(ls -d "$KAFKA_LIBS"/*.jar | tr '\n' ':')"
LOG4J="-Dlog4j2.configurationFile=$BENCH/log4j2.properties"

tool() { # tool TIMEOUT MAIN ARGS...
  local t="$1" rc; shift
  # shellcheck disable=SC2086
  timeout -k 10 "$t" java $TOOL_JVM_OPTS "$LOG4J" -Dbench.log.level=WARN -cp "$KCP" "$@" &
  TOOL_PID=$!
  wait "$TOOL_PID"; rc=$?
  TOOL_PID=""
  return $rc
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# ---- cluster start-up ----------------------------------------------------------------------
# Ready = all broker ports open, and the RF=3 benchmark topic could be created (which needs all
# three brokers registered), and every partition has 3 in-sync replicas.
await_cluster() { # await_cluster NAME TOPIC PORT...
  local name="$1" topic="$2" deadline=$(( SECONDS + START_TIMEOUT )) p g ok; shift 2
  while (( SECONDS < deadline )); do
    for g in "${PGIDS[@]}"; do
      kill -0 "$g" 2>/dev/null || { log "$name: a process (group $g) exited during start-up; see $RUN/$name-*.log"; return 1; }
    done
    ok=1; for p in "$@"; do port_open "$p" || ok=0; done
    if (( ok )) && tool 60 org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOT" --create --if-not-exists \
          --topic "$topic" --partitions "$PARTITIONS" --replication-factor 3 >>"$RUN/$name-topics.log" 2>&1; then
      break
    fi
    sleep 2
  done
  (( SECONDS < deadline )) || { log "$name: cluster not ready within ${START_TIMEOUT}s (see $RUN/$name-topics.log)"; return 1; }
  while (( SECONDS < deadline )); do
    if tool 60 org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOT" --describe --topic "$topic" \
          >"$RUN/$name-describe.log" 2>&1 \
       && [[ "$(grep -cE 'Isr: [0-9]+,[0-9]+,[0-9]+' "$RUN/$name-describe.log")" == "$PARTITIONS" ]]; then
      log "$name: cluster ready, topic $topic has $PARTITIONS partitions with 3 in-sync replicas"
      cat "$RUN/$name-describe.log" >&9
      return 0
    fi
    sleep 2
  done
  log "$name: ISR of $topic not complete within ${START_TIMEOUT}s:"; cat "$RUN/$name-describe.log" >&2
  return 1
}

start_kafka() { # start_kafka TOPIC
  local i uuid voters="" props dir
  local -a bp=() cp=()
  DATA_ROOT="$WORK/data/cluster-kafka-$STAMP"
  for i in 1 2 3; do bp[$i]="$(free_port)"; cp[$i]="$(free_port)"; voters+="${voters:+,}$i@127.0.0.1:${cp[$i]}"; done
  uuid="$(timeout 60 java $TOOL_JVM_OPTS "$LOG4J" -cp "$KCP" kafka.tools.StorageTool random-uuid 2>>"$RUN/kafka-format.log" | tail -1)"
  for i in 1 2 3; do
    dir="$DATA_ROOT/node-$i"; mkdir -p "$dir"; props="$RUN/kafka-$i.properties"
    cat >"$props" <<EOF
process.roles=broker,controller
node.id=$i
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:${bp[$i]},CONTROLLER://127.0.0.1:${cp[$i]}
advertised.listeners=PLAINTEXT://127.0.0.1:${bp[$i]}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
EOF
    printf '%s\n' "${COMMON_BROKER_PROPS[@]}" >>"$props"
    timeout -k 10 120 java $TOOL_JVM_OPTS "$LOG4J" -cp "$KCP" kafka.tools.StorageTool format -t "$uuid" -c "$props" \
        >>"$RUN/kafka-format.log" 2>&1 || { log "Kafka storage format of node $i failed:"; cat "$RUN/kafka-format.log" >&2; return 1; }
  done
  BOOT="127.0.0.1:${bp[1]},127.0.0.1:${bp[2]},127.0.0.1:${bp[3]}"
  log "starting Apache Kafka $KAFKA_VERSION: 3 KRaft nodes (broker+controller), brokers $BOOT, voters $voters, cluster id $uuid"
  for i in 1 2 3; do
    # shellcheck disable=SC2086
    spawn "$RUN/kafka-node-$i.log" java $BROKER_JVM_OPTS "$LOG4J" -Dbench.log.level=INFO -cp "$KCP" kafka.Kafka "$RUN/kafka-$i.properties"
  done
  await_cluster kafka "$1" "${bp[1]}" "${bp[2]}" "${bp[3]}"
}

start_sluice() { # start_sluice TOPIC
  local i zk args
  local -a bp=()
  if [[ ! -f "$ROOT/cli/target/.sluice-built" ]]; then
    log "building Sluice (cli and what it needs, offline)"
    (cd "$ROOT" && timeout -k 10 "$BUILD_TIMEOUT" mvn -q -B -o -DskipTests install -pl cli -am) >"$RUN/sluice-build.log" 2>&1 \
      && touch "$ROOT/cli/target/.sluice-built" \
      || { log "Sluice build failed, see $RUN/sluice-build.log"; return 1; }
  fi
  DATA_ROOT="$WORK/data/cluster-sluice-$STAMP"; mkdir -p "$DATA_ROOT"
  zk="$(free_port)"
  for i in 1 2 3; do bp[$i]="$(free_port)"; done
  BOOT="127.0.0.1:${bp[1]},127.0.0.1:${bp[2]},127.0.0.1:${bp[3]}"
  log "starting Sluice ($(git -C "$ROOT" rev-parse --short HEAD)): ZooKeeper on :$zk, 3 brokers $BOOT"
  SLUICE_JAVA_OPTS="$ZK_JVM_OPTS" spawn "$RUN/sluice-zookeeper.log" "$ROOT/bin/sluice" zookeeper --port "$zk" --data-dir "$DATA_ROOT/zookeeper"
  ZK_PGID="${PGIDS[-1]}"
  for _ in $(seq 1 60); do port_open "$zk" && break; sleep 1; done
  port_open "$zk" || { log "Sluice ZooKeeper did not open :$zk; see $RUN/sluice-zookeeper.log"; return 1; }
  for i in 1 2 3; do
    args=(--override "broker.id=$i" --override "zookeeper.connect=127.0.0.1:$zk"
          --override "listeners=PLAINTEXT://127.0.0.1:${bp[$i]}" --override "log.dirs=$DATA_ROOT/broker-$i")
    for p in "${COMMON_BROKER_PROPS[@]}"; do args+=(--override "$p"); done
    SLUICE_JAVA_OPTS="$BROKER_JVM_OPTS" spawn "$RUN/sluice-broker-$i.log" "$ROOT/bin/sluice" broker "${args[@]}"
    # One at a time: brokers started together race to create the internal topics at start-up and
    # the loser exits (TopicExistsException on __transaction_state, seen at cdd9f8d).
    for _ in $(seq 1 "$START_TIMEOUT"); do
      grep -q "Sluice broker $i started" "$RUN/sluice-broker-$i.log" 2>/dev/null && break
      kill -0 "${PGIDS[-1]}" 2>/dev/null || break
      sleep 1
    done
    grep -q "Sluice broker $i started" "$RUN/sluice-broker-$i.log" \
      || { log "Sluice broker $i did not start; last lines of $RUN/sluice-broker-$i.log:"; tail -20 "$RUN/sluice-broker-$i.log" >&2; return 1; }
  done
  await_cluster sluice "$1" "${bp[1]}" "${bp[2]}" "${bp[3]}"
}

# ---- workloads (parsing as bench/run.sh) ---------------------------------------------------
fail() { local b="$1"; shift; for m in "$@"; do R[$b.$m]=failed; done; }
note_failure() { # note_failure BROKER WORKLOAD LOGFILE EXIT
  local first
  first="$(grep -m1 -E 'Exception|ERROR|Error|failed' "$3" 2>/dev/null | cut -c1-300)"
  NOTES+=("$1 / $2: exit $4${first:+; first error: \`$first\`} (log: \`bench/work/cluster-runs/$STAMP/$(basename "$3")\`)")
}

produce() { # produce BROKER TOPIC
  local b="$1" topic="$2" f="$RUN/$1-produce.log" line cpu0 rc
  log "$b: produce — ProducerPerformance $RECORDS x $RECORD_SIZE B, acks=all, topic $topic ($PARTITIONS partitions, RF=3)"
  cpu0="$(cluster_cpu)"
  tool "$STEP_TIMEOUT" org.apache.kafka.tools.ProducerPerformance --bootstrap-server "$BOOT" \
      --topic "$topic" --num-records "$RECORDS" --record-size "$RECORD_SIZE" --throughput -1 \
      --command-property acks=all >"$f" 2>&1
  rc=$?
  R[$b.produce.cpu]="$(awk -v a="$cpu0" -v b="$(cluster_cpu)" 'BEGIN { printf "%.2f", b - a }')"
  line="$(grep -E '^[0-9]+ records sent, .* 99\.9th' "$f" | tail -1)"
  if [[ $rc -ne 0 || -z "$line" || "$(awk '{print $1}' <<<"$line")" != "$RECORDS" ]]; then
    log "$b: produce failed (exit $rc), see $f"; tail -5 "$f" >&2
    note_failure "$b" produce "$f" "$rc"; fail "$b" produce.mbs produce.rps produce.avg produce.p99 produce.cpu; return 1
  fi
  R[$b.produce.rps]="$(sed -E 's/^[0-9]+ records sent, ([0-9.]+) records\/sec.*/\1/' <<<"$line")"
  R[$b.produce.mbs]="$(sed -E 's/.*\(([0-9.]+) MB\/sec\).*/\1/' <<<"$line")"
  R[$b.produce.avg]="$(sed -E 's/.* ([0-9.]+) ms avg latency.*/\1/' <<<"$line")"
  R[$b.produce.p99]="$(sed -E 's/.* ([0-9.]+) ms 99th.*/\1/' <<<"$line")"
  log "$b: produce: $line"
}

consume() { # consume BROKER TOPIC
  local b="$1" topic="$2" f="$RUN/$1-consume.log" line nmsg cpu0 rc
  log "$b: consume — ConsumerPerformance $RECORDS records, topic $topic, fresh group bench-$b-$STAMP"
  cpu0="$(cluster_cpu)"
  tool "$STEP_TIMEOUT" org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "$BOOT" \
      --topic "$topic" --num-records "$RECORDS" --group "bench-$b-$STAMP" --timeout 60000 >"$f" 2>&1
  rc=$?
  R[$b.consume.cpu]="$(awk -v a="$cpu0" -v b="$(cluster_cpu)" 'BEGIN { printf "%.2f", b - a }')"
  line="$(grep -A1 '^start.time, end.time' "$f" | tail -1)"
  nmsg="$(awk -F', ' '{print $5}' <<<"$line")"
  if [[ $rc -ne 0 || -z "$line" || "$nmsg" != "$RECORDS" ]]; then
    log "$b: consume failed (exit $rc, consumed '${nmsg:-0}' of $RECORDS), see $f"; tail -5 "$f" >&2
    note_failure "$b" "consume (consumed ${nmsg:-0} of $RECORDS)" "$f" "$rc"; fail "$b" consume.mbs consume.rps consume.reb consume.cpu; return 0
  fi
  R[$b.consume.mbs]="$(awk -F', ' '{print $4}' <<<"$line")"
  R[$b.consume.rps]="$(awk -F', ' '{print $6}' <<<"$line")"
  R[$b.consume.reb]="$(awk -F', ' '{print $7}' <<<"$line")"
  log "$b: consume: $line"
}

METRICS=(produce.mbs produce.rps produce.avg produce.p99 produce.cpu consume.mbs consume.rps consume.reb consume.cpu)

for b in kafka sluice; do
  if [[ " $BROKERS " != *" $b "* ]]; then fail "$b" "${METRICS[@]}"; for m in "${METRICS[@]}"; do R[$b.$m]=skipped; done; continue; fi
  topic="cluster-bench-$STAMP"
  load_before="$(loadavg)"
  if "start_$b" "$topic"; then
    if produce "$b" "$topic"; then
      # Sanity check that the data really went to 3 replicas: MiB on disk in each broker's log dir.
      DISK["$b"]="$(for d in "$DATA_ROOT"/node-* "$DATA_ROOT"/broker-*; do [[ -d "$d" ]] && printf '%s %s MiB, ' "$(basename "$d")" "$(du -sm "$d" | cut -f1)"; done | sed 's/, $//')"
      log "$b: on disk after produce: ${DISK[$b]}"
      consume "$b" "$topic"
    else
      fail "$b" consume.mbs consume.rps consume.reb consume.cpu
    fi
  else
    NOTES+=("$b: cluster did not start (logs: \`bench/work/cluster-runs/$STAMP/\`)")
    fail "$b" "${METRICS[@]}"
  fi
  LOADS+=("$b: $load_before before, $(loadavg) after")
  stop_cluster
  [[ "$KEEP_DATA" == 1 || -z "$DATA_ROOT" ]] || rm -rf "$DATA_ROOT"
  sync
done

# ---- report (as bench/run.sh) --------------------------------------------------------------
num() { [[ "$1" =~ ^[0-9]+([.][0-9]+)?$ ]]; }
fmt() {
  if [[ "$1" =~ ^[0-9]+$ ]]; then printf '%s' "$1"
  elif num "$1"; then awk -v v="$1" 'BEGIN { if (v >= 1000) printf "%.0f", v; else if (v >= 100) printf "%.1f", v; else printf "%.2f", v }'
  else printf '%s' "$1"; fi
}
ratio() {
  if num "$1" && num "$2" && awk -v k="$1" 'BEGIN { exit !(k > 0) }'; then
    awk -v k="$1" -v s="$2" 'BEGIN { printf "%.2f", s / k }'
  else printf 'n/a'; fi
}
row() { # row LABEL UNIT METRIC BETTER
  local k="${R[kafka.$3]:-failed}" s="${R[sluice.$3]:-failed}"
  printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$(fmt "$k")" "$(fmt "$s")" "$(ratio "$k" "$s")" "$4"
}

SIZE_LABEL="$(awk -v n="$RECORD_SIZE" 'BEGIN { if (n % 1024 == 0) printf "%d KiB", n / 1024; else printf "%d B", n }')"
REC_LABEL="$(printf "%'d" "$RECORDS" 2>/dev/null || echo "$RECORDS")"
{
  echo "# 3-broker cluster: Sluice vs Apache Kafka $KAFKA_VERSION"
  echo
  echo "Run $STAMP UTC on $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, loopback;" \
       "$(java -version 2>&1 | head -1); Sluice at $(git -C "$ROOT" rev-parse --short HEAD) ($(git -C "$ROOT" rev-parse --abbrev-ref HEAD)). Script: \`bench/cluster.sh\`."
  echo "Kafka: 3 combined broker+controller KRaft nodes. Sluice: embedded ZooKeeper (\`$ZK_JVM_OPTS\`) + 3 brokers."
  echo "Every broker JVM: \`$BROKER_JVM_OPTS\`; $(IFS=' '; echo "${COMMON_BROKER_PROPS[*]}"). The two clusters ran one after the other."
  echo "Produce: ProducerPerformance, $REC_LABEL records x $SIZE_LABEL, acks=all, unthrottled, 1 topic with $PARTITIONS partitions, replication factor 3."
  echo "Consume: ConsumerPerformance reading them back with a fresh group (MB/s and records/s over the whole run incl. group join)."
  echo "Cluster CPU s = user + system CPU seconds of all the cluster's JVMs (3 brokers, plus ZooKeeper for Sluice) during the workload."
  echo "Load average (1/5/15 min) — the machine has $(nproc) cores shared by 3 brokers and the tool JVM, and other jobs may run on it: $(printf '%s; ' "${LOADS[@]}" | sed 's/; $//')."
  echo "Log dirs after produce ($(( RECORDS * RECORD_SIZE / 1048576 )) MiB of record values; every broker should hold about that, as a replica of all partitions): Kafka: ${DISK[kafka]:-n/a}; Sluice: ${DISK[sluice]:-n/a}."
  echo "MB = 2^20 bytes. Ratio = Sluice / Kafka: above 1 is better for throughput, below 1 is better for latency and CPU."
  echo
  echo "| workload | unit | Kafka | Sluice | Sluice/Kafka | better |"
  echo "| --- | --- | ---: | ---: | ---: | --- |"
  W="produce, $PARTITIONS partitions, RF=3, acks=all"
  row "$W" "MB/s" produce.mbs higher
  row "$W" "records/s" produce.rps higher
  row "$W" "avg send latency ms" produce.avg lower
  row "$W" "p99 send latency ms" produce.p99 lower
  row "$W" "cluster CPU s" produce.cpu lower
  W="consume, $PARTITIONS partitions, fresh group"
  row "$W" "MB/s" consume.mbs higher
  row "$W" "records/s" consume.rps higher
  row "$W" "group join ms" consume.reb lower
  row "$W" "cluster CPU s" consume.cpu lower
  if (( ${#NOTES[@]} > 0 )); then
    echo
    echo "Failures:"
    for n in "${NOTES[@]}"; do echo "- $n"; done
  fi
  echo
  echo "Logs of this run: \`bench/work/cluster-runs/$STAMP/\` (not committed)."
} >"$RUN/results.md"

echo
cat "$RUN/results.md"
if [[ " $BROKERS " == *" kafka "* && " $BROKERS " == *" sluice "* ]]; then
  cp "$RUN/results.md" "$BENCH/results/cluster-latest.md"
  log "table written to bench/results/cluster-latest.md"
else
  log "only '$BROKERS' ran: table left in bench/work/cluster-runs/$STAMP/results.md"
fi
