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
# "failed" and the run goes on. Helpers shared with bench/cluster.sh are in bench/lib.sh.
set -uo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"

# ---- knobs (environment) -------------------------------------------------------------------
RECORDS="${RECORDS:-1000000}"            # records per producer / consumer workload
RECORD_SIZE="${RECORD_SIZE:-1024}"       # bytes per record value
E2E_RECORDS="${E2E_RECORDS:-10000}"      # records for EndToEndLatency
REPEATS="${REPEATS:-1}"                  # run every workload this many times per broker; the table shows medians
PARTITIONS_MANY="${PARTITIONS_MANY:-6}"
TXN_PARTITIONS="${TXN_PARTITIONS:-1}"    # partitions of the transactional produce / read_committed topics
BROKERS="${BROKERS:-kafka sluice}"       # which brokers to run, in this order
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

start_run bench runs
fetch_kafka

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
    if dead_group >/dev/null; then
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

start_kafka() { # sets BOOT
  local dir="$WORK/data/kafka-$STAMP" port cport props uuid
  free_port port; free_port cport
  mkdir -p "$dir"; props="$RUN/kafka-server.properties"
  cat >"$props" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
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
  uuid="$(kafka_uuid)"
  kafka_format "$uuid" "$props" || { log "Kafka storage format failed:"; cat "$RUN/kafka-format.log" >&2; return 1; }
  BOOT="127.0.0.1:$port"
  log "starting Apache Kafka $KAFKA_VERSION (KRaft) on $BOOT, controller :$cport, data $dir"
  # shellcheck disable=SC2086
  spawn "$RUN/kafka-broker.log" java $BROKER_JVM_OPTS "$LOG4J" -Dbench.log.level=INFO -cp "$KCP" kafka.Kafka "$props"
  DATA_ROOT="$dir"
  wait_ready kafka "$port" "$RUN/kafka-broker.log"
}

start_sluice() { # sets BOOT
  local dir="$WORK/data/sluice-$STAMP" port args=()
  build_sluice || return 1
  free_port port; mkdir -p "$dir"
  BOOT="127.0.0.1:$port"
  args=(--override "log.dirs=$dir" --override "listeners=PLAINTEXT://$BOOT")
  for p in "${COMMON_BROKER_PROPS[@]}"; do args+=(--override "$p"); done
  log "starting Sluice ($(git -C "$ROOT" rev-parse --short HEAD)) on $BOOT, data $dir"
  SLUICE_JAVA_OPTS="$BROKER_JVM_OPTS" spawn "$RUN/sluice-broker.log" "$ROOT/bin/sluice" broker "${args[@]}"
  DATA_ROOT="$dir"
  wait_ready sluice "$port" "$RUN/sluice-broker.log"
}

# ---- workloads (produce and consume: bench/lib.sh) ------------------------------------------
create_topic() { # create_topic BROKER TOPIC PARTITIONS
  tool 120 org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOT" --create \
      --topic "$2" --partitions "$3" --replication-factor 1 >>"$RUN/$1-topics.log" 2>&1 \
    || { log "$1: creating topic $2 failed (see $RUN/$1-topics.log)"; return 1; }
}

# Transactional produce: ProducerPerformance commits every DURATION ms (--transaction-duration-ms)
# under its own transactional id; idempotence, hence acks=all, comes with it. The tool prints no
# per-transaction statistics, so the commit latency is derived from the producer metric
# txn-commit-time-ns-total (time spent in commitTransaction, which includes flushing the batches
# still in flight, as an application sees it), printed with --print-metrics, divided by the number
# of transactions: ceil((elapsed - commit time) / DURATION), since each transaction stays open DURATION ms.
produce_txn() { # produce_txn BROKER NAME TOPIC DURATION_MS
  local b="$1" n="$2" topic="$3" d="$4" f="$RUN/$1-$2$RS.log" c_ns
  produce "$b" "$n" "$topic" --transactional-id "bench-$b-$n$RS-$STAMP" --transaction-duration-ms "$d" --print-metrics \
    || { fail "$b" "$n.commit"; return 0; }
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

# read_committed consume of what produce_txn wrote with 100 ms transactions: the most commit markers
# to skip, and every fetch bounded by the last stable offset.
consume_rc() { # consume_rc BROKER NAME TOPIC
  consume "$1" "$2" "$3" --command-property isolation.level=read_committed
}

e2e() { # e2e BROKER TOPIC
  local b="$1" topic="$2" f="$RUN/$1-e2e$RS.log"
  log "$b: e2e — EndToEndLatency $E2E_RECORDS x $RECORD_SIZE B, acks=all, topic $topic"
  local cpu0; cpu0="$(jvm_cpu)"
  tool "$STEP_TIMEOUT" org.apache.kafka.tools.EndToEndLatency --bootstrap-server "$BOOT" \
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
    if dead_group >/dev/null; then log "$b: broker process died during the run, see $RUN/$b-broker.log"; fi
  else
    log "$b: broker did not start; all its workloads are marked failed"
  fi
  end_brokers "$b" "$load_before"
done

# ---- report --------------------------------------------------------------------------------
SIZE_LABEL="$(size_label "$RECORD_SIZE")"
REC_LABEL="$(count_label "$RECORDS")"
P="$PARTITIONS_MANY"
{
  echo "# Sluice vs Apache Kafka $KAFKA_VERSION"
  echo
  machine_line
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
  table_head
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
  table_end "Failed workloads"
} >"$RUN/results.md"

publish latest.md
