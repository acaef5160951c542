#!/usr/bin/env bash
# Log cleaner throughput, Sluice vs Apache Kafka 4.4: the same compacted topic is filled on each broker
# (KEYS keys, every key RECORDS/KEYS times, VALUE_SIZE-byte values), then the cleaner is left to work;
# reported: MB/s the cleaner read (from each broker's own cleaner log lines), the partition's size before
# and after, and the broker's peak heap after GC (from its GC log). Numbers are noisy on a shared machine.
#
#   bench/cleaner.sh                              # 2,000,000 records over 1,000,000 keys, 1 KiB values (~2 GiB)
#   RECORDS=200000 KEYS=100000 bench/cleaner.sh   # a reduced run
#
# Default cleaner settings on both (128 MiB dedupe buffer, 1 thread); segment.bytes=SEGMENT_BYTES so that
# most of the topic sits in cleanable segments. Results: bench/results/cleaner-latest.md.
set -uo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"

RECORDS="${RECORDS:-2000000}"
KEYS="${KEYS:-1000000}"
VALUE_SIZE="${VALUE_SIZE:-1024}"
SEGMENT_BYTES="${SEGMENT_BYTES:-104857600}"
BROKERS="${BROKERS:-kafka sluice}"
HEAP="${HEAP:-1g}"
CLEAN_WAIT="${CLEAN_WAIT:-600}"          # seconds to wait for the cleaner to catch up
START_TIMEOUT="${START_TIMEOUT:-120}"
STEP_TIMEOUT="${STEP_TIMEOUT:-1800}"
BUILD_TIMEOUT="${BUILD_TIMEOUT:-900}"
BROKER_LIFETIME="${BROKER_LIFETIME:-7200}"
KEEP_DATA="${KEEP_DATA:-0}"
TOOL_JVM_OPTS="${TOOL_JVM_OPTS:--Xmx512m}"
TOPIC=cleaner-bench

start_run cleaner cleaner-runs
fetch_kafka

broker_opts() { # broker_opts NAME -> JVM flags with a GC log
  echo "-Xms$HEAP -Xmx$HEAP -XX:+UseG1GC -Xlog:gc:file=$RUN/$1-gc.log"
}

start_kafka() {
  local dir="$WORK/data/kafka-cleaner-$STAMP" port cport props
  free_port port; free_port cport; mkdir -p "$dir"; props="$RUN/kafka-server.properties"
  cat >"$props" <<PROPS
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
log.cleaner.backoff.ms=1000
PROPS
  kafka_format "$(kafka_uuid)" "$props" || { log "Kafka storage format failed"; return 1; }
  BOOT="127.0.0.1:$port"; DATA_ROOT="$dir"
  # shellcheck disable=SC2046
  spawn "$RUN/kafka-broker.log" java $(broker_opts kafka) "$LOG4J" -Dbench.log.level=INFO -cp "$KCP" kafka.Kafka "$props"
}

start_sluice() {
  local dir="$WORK/data/sluice-cleaner-$STAMP" port
  build_sluice || return 1
  free_port port; mkdir -p "$dir"
  BOOT="127.0.0.1:$port"; DATA_ROOT="$dir"
  SLUICE_JAVA_OPTS="$(broker_opts sluice)" spawn "$RUN/sluice-broker.log" "$ROOT/bin/sluice" broker \
      --override "log.dirs=$dir" --override "listeners=PLAINTEXT://$BOOT" --override log.cleaner.backoff.ms=1000
}

wait_port() { local deadline=$(( SECONDS + START_TIMEOUT )); while (( SECONDS < deadline )); do port_open "${BOOT##*:}" && return 0; sleep 1; done; return 1; }

partition_bytes() { du -sb "$DATA_ROOT/$TOPIC-0" 2>/dev/null | cut -f1; }

peak_heap_mb() { # the largest heap-before-GC in the GC log, in MB
  grep -oE '[0-9]+M->[0-9]+M' "$RUN/$1-gc.log" 2>/dev/null | cut -dM -f1 | sort -n | tail -1
}

cleaner_mbs() { # MB/s from the broker's own cleaner lines (Kafka: "(x MB/sec)"; Sluice: "x MB/s read")
  case "$1" in
    kafka)  grep -oE '\(([0-9.]+) MB/sec\)' "$RUN/kafka-broker.log" "$DATA_ROOT/../log-cleaner.log" 2>/dev/null \
              | grep -oE '[0-9.]+' | sort -n | tail -1 ;;
    sluice) grep -oE '[0-9.]+ MB/s read' "$RUN/sluice-broker.log" | cut -d' ' -f1 | sort -n | tail -1 ;;
  esac
}

run_broker() { # run_broker NAME
  local b="$1" before after t0
  "start_$b" && wait_port || { log "$b did not start"; R[$b.mbs]=failed; return; }
  tool 120 org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOT" --create --topic "$TOPIC" \
      --partitions 1 --replication-factor 1 --config cleanup.policy=compact \
      --config segment.bytes="$SEGMENT_BYTES" --config min.cleanable.dirty.ratio=0.01 >>"$RUN/$b-topics.log" 2>&1
  log "$b: filling $TOPIC with $RECORDS records over $KEYS keys"
  tool "$STEP_TIMEOUT" "$BENCH/cleaner/Fill.java" "$BOOT" "$TOPIC" "$RECORDS" "$KEYS" "$VALUE_SIZE" \
      >"$RUN/$b-fill.log" 2>&1 || log "$b: fill failed, see $RUN/$b-fill.log"
  before="$(partition_bytes)"; t0=$SECONDS
  log "$b: $before bytes written; waiting for the cleaner"
  while (( SECONDS - t0 < CLEAN_WAIT )); do
    sleep 5
    [[ -n "$(cleaner_mbs "$b")" ]] && { sleep 5; break; }
  done
  after="$(partition_bytes)"
  R[$b.before]="$before"; R[$b.after]="$after"; R[$b.mbs]="$(cleaner_mbs "$b")"; R[$b.heap]="$(peak_heap_mb "$b")"
  log "$b: ${R[$b.mbs]:-?} MB/s, $before -> $after bytes, peak heap ${R[$b.heap]:-?} MB"
  stop_brokers; PGIDS=()
  [[ "$KEEP_DATA" == 1 ]] || rm -rf "$DATA_ROOT"
}

for b in $BROKERS; do run_broker "$b"; done

out="$RUN/results.md"
{
  echo "# Log cleaner: Sluice vs Apache Kafka $KAFKA_VERSION"
  echo
  echo "$(date -u +%Y-%m-%d) on $(nproc) cores ($(loadavg) load), $RECORDS records over $KEYS keys, $VALUE_SIZE B values,"
  echo "segment.bytes=$SEGMENT_BYTES, default cleaner settings. Shared machine: noisy numbers."
  echo
  echo "| metric | Kafka | Sluice | Sluice/Kafka |"
  echo "|---|---|---|---|"
  for m in mbs heap before after; do
    k="${R[kafka.$m]:-skipped}"; s="${R[sluice.$m]:-skipped}"
    label=$(case $m in mbs) echo "cleaner read MB/s";; heap) echo "peak heap before GC (MB)";; before) echo "partition bytes before";; after) echo "partition bytes after";; esac)
    echo "| $label | $k | $s | $(ratio "$k" "$s") |"
  done
  echo
  echo "Logs: $RUN_REL"
} >"$out"
cat "$out"
cp "$out" "$BENCH/results/cleaner-latest.md"
