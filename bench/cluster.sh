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
# with a fresh group. Sluice brokers start one after the other (see start_sluice). Kafka runs first,
# then Sluice; never both at once. Every step is bounded by `timeout`; all broker process groups are
# stopped on exit (trap). Shares bench/lib.sh with bench/run.sh: process handling, the Kafka 4.4.0
# jars in bench/work/kafka-libs/, the Sluice build, the produce / consume workloads and the table.
set -uo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"

# ---- knobs (environment) -------------------------------------------------------------------
RECORDS="${RECORDS:-500000}"
RECORD_SIZE="${RECORD_SIZE:-1024}"
PARTITIONS="${PARTITIONS:-6}"
BROKERS="${BROKERS:-kafka sluice}"
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
REPEATS=1               # one run per cluster: no min–max columns in the table

start_run cluster cluster-runs
fetch_kafka
declare -A DISK=()      # DISK[broker]="node-1 N MiB, ..." after the produce workload

# ---- cluster start-up ----------------------------------------------------------------------
# Ready = all broker ports open, and the RF=3 benchmark topic could be created (which needs all
# three brokers registered), and every partition has 3 in-sync replicas.
await_cluster() { # await_cluster NAME TOPIC PORT...
  local name="$1" topic="$2" deadline=$(( SECONDS + START_TIMEOUT )) p g ok; shift 2
  while (( SECONDS < deadline )); do
    if g="$(dead_group)"; then log "$name: a process (group $g) exited during start-up; see $RUN/$name-*.log"; return 1; fi
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
  for i in 1 2 3; do free_port "bp[$i]"; free_port "cp[$i]"; voters+="${voters:+,}$i@127.0.0.1:${cp[$i]}"; done
  uuid="$(kafka_uuid)"
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
    kafka_format "$uuid" "$props" || { log "Kafka storage format of node $i failed:"; cat "$RUN/kafka-format.log" >&2; return 1; }
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
  build_sluice || return 1
  DATA_ROOT="$WORK/data/cluster-sluice-$STAMP"; mkdir -p "$DATA_ROOT"
  free_port zk
  for i in 1 2 3; do free_port "bp[$i]"; done
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

# ---- workloads: produce, then consume what was produced (both in bench/lib.sh) ---------------
METRICS=(produce.mbs produce.rps produce.avg produce.p99 produce.cpu consume.mbs consume.rps consume.reb consume.cpu)

for b in kafka sluice; do
  if [[ " $BROKERS " != *" $b "* ]]; then fail "$b" "${METRICS[@]}"; for m in "${METRICS[@]}"; do R[$b.$m]=skipped; done; continue; fi
  topic="cluster-bench-$STAMP"
  load_before="$(loadavg)"
  if "start_$b" "$topic"; then
    if produce "$b" produce "$topic"; then
      # Sanity check that the data really went to 3 replicas: MiB on disk in each broker's log dir.
      DISK["$b"]="$(for d in "$DATA_ROOT"/node-* "$DATA_ROOT"/broker-*; do [[ -d "$d" ]] && printf '%s %s MiB, ' "$(basename "$d")" "$(du -sm "$d" | cut -f1)"; done | sed 's/, $//')"
      log "$b: on disk after produce: ${DISK[$b]}"
      consume "$b" consume "$topic"
    else
      fail "$b" consume.mbs consume.rps consume.reb consume.cpu
    fi
  else
    NOTES+=("$b: cluster did not start (logs: \`$RUN_REL/\`)")
    fail "$b" "${METRICS[@]}"
  fi
  end_brokers "$b" "$load_before"
done

# ---- report --------------------------------------------------------------------------------
SIZE_LABEL="$(size_label "$RECORD_SIZE")"
REC_LABEL="$(count_label "$RECORDS")"
{
  echo "# 3-broker cluster: Sluice vs Apache Kafka $KAFKA_VERSION"
  echo
  echo "$(machine_line) Script: \`bench/cluster.sh\`."
  echo "Kafka: 3 combined broker+controller KRaft nodes. Sluice: embedded ZooKeeper (\`$ZK_JVM_OPTS\`) + 3 brokers."
  echo "Every broker JVM: \`$BROKER_JVM_OPTS\`; $(IFS=' '; echo "${COMMON_BROKER_PROPS[*]}"). The two clusters ran one after the other."
  echo "Produce: ProducerPerformance, $REC_LABEL records x $SIZE_LABEL, acks=all, unthrottled, 1 topic with $PARTITIONS partitions, replication factor 3."
  echo "Consume: ConsumerPerformance reading them back with a fresh group (MB/s and records/s over the whole run incl. group join)."
  echo "Cluster CPU s = user + system CPU seconds of all the cluster's JVMs (3 brokers, plus ZooKeeper for Sluice) during the workload."
  echo "Load average (1/5/15 min) — the machine has $(nproc) cores shared by 3 brokers and the tool JVM, and other jobs may run on it: $(printf '%s; ' "${LOADS[@]}" | sed 's/; $//')."
  echo "Log dirs after produce ($(( RECORDS * RECORD_SIZE / 1048576 )) MiB of record values; every broker should hold about that, as a replica of all partitions): Kafka: ${DISK[kafka]:-n/a}; Sluice: ${DISK[sluice]:-n/a}."
  echo "MB = 2^20 bytes. Ratio = Sluice / Kafka: above 1 is better for throughput, below 1 is better for latency and CPU."
  echo
  table_head
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
  table_end Failures
} >"$RUN/results.md"

publish cluster-latest.md
