#!/usr/bin/env bash
# Log cleaner throughput, Sluice vs Apache Kafka 4.4: the same compacted topic is filled on each broker
# (KEYS keys, every key RECORDS/KEYS times, VALUE_SIZE-byte values), then the cleaner is left to work
# until the partition's cleaner checkpoint reaches its active segment. Reported per broker, medians of
# REPEATS rounds (each round a fresh broker and data dir):
#   - cleaner MB/s: MB of log the cleaner processed per second of cleaning, summed over all its
#     cleanings of the partition, from the broker's own cleaner lines (Kafka: "X MB of log processed in
#     Y seconds (Z MB/sec)"; Sluice: one "Cleaned ... X MB of log processed in Y s (Z MB/sec)" line per
#     cleaning). Both count MB = 2^20 bytes of segments read for rewriting, as Kafka's CleanerStats do.
#   - cleanings: how many cleanings (passes) that took;
#   - peak heap after GC (MB): the largest heap occupancy after a collection over the broker's life,
#     a collection forced once the cleaner is done included (from the broker's GC log): what the broker
#     keeps live, the cleaner's offset map included (Kafka allocates it at start, Sluice on first use);
#   - the partition's segment bytes (.log files) before and after.
#
#   bench/cleaner.sh                                   # 2,000,000 records over 1,000,000 keys, 1 KiB values (~2 GiB)
#   RECORDS=300000 KEYS=100000 SEGMENT_BYTES=16777216 bench/cleaner.sh   # a reduced run (~300 MB)
#   BROKERS=sluice RECORDS=300000 KEYS=100000 SEGMENT_BYTES=16777216 REPEATS=1 bench/cleaner.sh
#
# Default cleaner settings on both (128 MiB dedupe buffer, 1 thread) except log.cleaner.backoff.ms=1000;
# segment.bytes=SEGMENT_BYTES so that most of the topic sits in cleanable segments. Results:
# bench/results/cleaner-latest.md (only when both brokers ran). Numbers are noisy on a shared machine.
set -uo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"

RECORDS="${RECORDS:-2000000}"
KEYS="${KEYS:-1000000}"
VALUE_SIZE="${VALUE_SIZE:-1024}"
SEGMENT_BYTES="${SEGMENT_BYTES:-104857600}"
REPEATS="${REPEATS:-3}"
BROKERS="${BROKERS:-kafka sluice}"
HEAP="${HEAP:-1g}"
# The same JVM flags for both brokers (Kafka's kafka-server-start.sh defaults, as bench/run.sh), plus a GC log.
BROKER_JVM_OPTS="${BROKER_JVM_OPTS:--Xms$HEAP -Xmx$HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true}"
CLEAN_WAIT="${CLEAN_WAIT:-900}"          # seconds to wait for the cleaner to reach the active segment
START_TIMEOUT="${START_TIMEOUT:-180}"
STEP_TIMEOUT="${STEP_TIMEOUT:-1800}"
BUILD_TIMEOUT="${BUILD_TIMEOUT:-1200}"
BROKER_LIFETIME="${BROKER_LIFETIME:-7200}"
KEEP_DATA="${KEEP_DATA:-0}"
TOOL_JVM_OPTS="${TOOL_JVM_OPTS:--Xmx512m}"
DEDUPE_BUFFER="${DEDUPE_BUFFER:-}"       # log.cleaner.dedupe.buffer.size for both (default: Kafka's 128 MiB); a small one makes cleanings take several passes
CLEANER_PROPS=(log.cleaner.backoff.ms=1000)
[[ -n "$DEDUPE_BUFFER" ]] && CLEANER_PROPS+=("log.cleaner.dedupe.buffer.size=$DEDUPE_BUFFER")
TOPIC=cleaner-bench
METRICS=(mbs passes heap before after)

start_run cleaner cleaner-runs
fetch_kafka

gc_log() { echo "$RUN/$1$RS-gc.log"; }
broker_log() { echo "$RUN/$1$RS-broker.log"; }

start_kafka() {
  local dir="$WORK/data/kafka-cleaner-$STAMP$RS" port cport props
  free_port port; free_port cport; mkdir -p "$dir"; props="$RUN/kafka-server$RS.properties"
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
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
PROPS
  printf '%s\n' "${CLEANER_PROPS[@]}" >>"$props"
  kafka_format "$(kafka_uuid)" "$props" || { log "Kafka storage format failed, see $RUN/kafka-format.log"; return 1; }
  BOOT="127.0.0.1:$port"; DATA_ROOT="$dir"
  log "starting Apache Kafka $KAFKA_VERSION on $BOOT, data $dir"
  # shellcheck disable=SC2086
  spawn "$(broker_log kafka)" java $BROKER_JVM_OPTS "-Xlog:gc:file=$(gc_log kafka)" "$LOG4J" -Dbench.log.level=INFO \
      -cp "$KCP" kafka.Kafka "$props"
}

start_sluice() {
  local dir="$WORK/data/sluice-cleaner-$STAMP$RS" port args=()
  free_port port; mkdir -p "$dir"
  BOOT="127.0.0.1:$port"; DATA_ROOT="$dir"
  args=(--override "log.dirs=$dir" --override "listeners=PLAINTEXT://$BOOT")
  for p in "${CLEANER_PROPS[@]}"; do args+=(--override "$p"); done
  log "starting Sluice ($(git -C "$ROOT" rev-parse --short HEAD)) on $BOOT, data $dir"
  SLUICE_JAVA_OPTS="$BROKER_JVM_OPTS -Xlog:gc:file=$(gc_log sluice)" spawn "$(broker_log sluice)" "$ROOT/bin/sluice" broker "${args[@]}"
}

# The topic is filled with cleanup.policy=delete (retention far off) and switched to compact afterwards:
# a cleaner working during the fill would compete with it and clean a log still growing.
create_topic() { # retried until the broker answers (a KRaft node opens its port before it serves)
  local deadline=$(( SECONDS + START_TIMEOUT ))
  while (( SECONDS < deadline )); do
    dead_group >/dev/null && { log "$1 exited during start-up; last lines:"; tail -20 "$(broker_log "$1")" >&2; return 1; }
    if port_open "${BOOT##*:}" && tool 60 org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOT" --create \
          --topic "$TOPIC" --partitions 1 --replication-factor 1 --config cleanup.policy=delete \
          --config segment.bytes="$SEGMENT_BYTES" --config min.cleanable.dirty.ratio=0.01 \
          >>"$RUN/$1$RS-topics.log" 2>&1; then
      return 0
    fi
    sleep 2
  done
  log "$1: could not create $TOPIC within ${START_TIMEOUT}s, see $RUN/$1$RS-topics.log"; return 1
}
compact_topic() { # compact_topic BROKER: IncrementalAlterConfigs through Kafka's ConfigCommand
  tool 120 org.apache.kafka.tools.ConfigCommand --bootstrap-server "$BOOT" --entity-type topics --entity-name "$TOPIC" \
      --alter --add-config cleanup.policy=compact >>"$RUN/$1$RS-topics.log" 2>&1 \
    || { log "$1: cannot set cleanup.policy=compact, see $RUN/$1$RS-topics.log"; return 1; }
}

partition_dir() { echo "$DATA_ROOT/$TOPIC-0"; }
partition_bytes() { # the segments' bytes (.log files): Kafka preallocates its index files, Sluice need not
  find "$(partition_dir)" -maxdepth 1 -name '*.log' -printf '%s\n' 2>/dev/null | awk '{ n += $1 } END { print n + 0 }'
}
active_base() { # base offset of the partition's newest segment: the cleaner never goes past it
  local f
  f="$(find "$(partition_dir)" -maxdepth 1 -name '*.log' 2>/dev/null | sort | tail -1)"
  [[ -n "$f" ]] && basename "$f" .log | sed 's/^0*//; s/^$/0/'
}
checkpointed() { # the partition's first dirty offset in the log dir's cleaner-offset-checkpoint (Kafka's format: both brokers)
  awk -v t="$TOPIC" 'NR > 2 && $1 == t && $2 == 0 { print $3 }' "$DATA_ROOT/cleaner-offset-checkpoint" 2>/dev/null
}

# "MBS PASSES": MB of log processed per second of cleaning, over every cleaning of the topic's partition.
# Kafka logs one multi-line message per cleaning ("cleaned log T-0 (dirty section...)" then "X MB of log
# processed in Y seconds (Z MB/sec)."); Sluice one line ("Cleaned T-0 up to ...: X MB of log processed in
# Y s (Z MB/sec)"). Kafka prints Y to 0.1 s, so a cleaning's time is X / Z where Z > 0; numbers may have
# thousands separators.
cleaner_stats() { # cleaner_stats BROKER
  awk -v tp="$TOPIC-0" '
    /cleaned log / { mine = index($0, "cleaned log " tp " ") > 0 }
    /Cleaned / && / MB of log processed in / { mine = index($0, "Cleaned " tp " ") > 0 }
    mine && match($0, /[0-9,.]+ MB of log processed in [0-9,.]+ (seconds|s) \([0-9,.]+ MB\/sec\)/) {
      s = substr($0, RSTART, RLENGTH); gsub(/[,()]/, "", s); split(s, f, " ")
      mb = f[1] + 0; secs = f[7] + 0; rate = f[9] + 0   # X MB of log processed in Y seconds|s Z MB/sec
      total += mb; time += (rate > 0 ? mb / rate : secs); n++; mine = 0
    }
    END { if (n > 0 && time > 0) printf "%.1f %d\n", total / time, n; else if (n > 0) printf "n/a %d\n", n }
  ' "$(broker_log "$1")"
}

# The broker's JVM keeps its cleaner's offset map (and buffers) for good: the heap after a GC, at its
# largest over the broker's life, is what the cleaner costs on top of the rest. A cleaning may end between
# two collections, so one is asked for (jcmd GC.run) once the cleaner is done.
force_gc() {
  local g pid
  for g in "${PGIDS[@]}"; do
    for pid in $(pgrep -g "$g" -x java 2>/dev/null); do timeout 60 jcmd "$pid" GC.run >/dev/null 2>&1; done
  done
  sleep 2   # -XX:+ExplicitGCInvokesConcurrent: the concurrent cycle logs its pauses shortly after
}
peak_heap_mb() { # peak_heap_mb BROKER: largest heap after a GC in the broker's GC log
  # -Xlog:gc lines: "[12.3s][info][gc] GC(7) Pause Young (Normal) (G1 Evacuation Pause) 120M->31M(1024M) 4.1ms"
  grep -oE '[0-9]+M->[0-9]+M' "$(gc_log "$1")" 2>/dev/null | sed -E 's/.*->([0-9]+)M/\1/' | sort -n | tail -1
}

round() { # round BROKER: a fresh broker, fill, wait for the cleaner; sets R[BROKER.metric]
  local b="$1" before t0 stats cp base
  for m in "${METRICS[@]}"; do R[$b.$m]=failed; done
  "start_$b" && create_topic "$b" || return 1
  log "$b: filling $TOPIC with $RECORDS records over $KEYS keys, $VALUE_SIZE B values"
  if ! tool "$STEP_TIMEOUT" "$BENCH/cleaner/Fill.java" "$BOOT" "$TOPIC" "$RECORDS" "$KEYS" "$VALUE_SIZE" \
        >"$RUN/$b$RS-fill.log" 2>&1; then
    log "$b: fill failed, see $RUN/$b$RS-fill.log"; tail -5 "$RUN/$b$RS-fill.log" >&2
    NOTES+=("$b$RS: fill failed (log: \`$RUN_REL/$b$RS-fill.log\`)"); return 1
  fi
  before="$(partition_bytes)"
  compact_topic "$b" || return 1
  t0=$SECONDS
  log "$b: $before bytes in $(partition_dir), now compacted; waiting for the cleaner to reach the active segment"
  while (( SECONDS - t0 < CLEAN_WAIT )); do
    sleep 2
    cp="$(checkpointed)"; base="$(active_base)"
    [[ -n "$cp" && -n "$base" ]] && (( cp >= base )) && break
    dead_group >/dev/null && { log "$b: broker died, see $(broker_log "$b")"; break; }
  done
  cp="$(checkpointed)"; base="$(active_base)"
  if [[ -z "$cp" || -z "$base" ]] || (( cp < base )); then
    log "$b: the cleaner did not reach the active segment ($base) within ${CLEAN_WAIT}s (checkpoint: ${cp:-none})"
    NOTES+=("$b$RS: not clean within ${CLEAN_WAIT}s (checkpoint ${cp:-none}, active segment $base)")
  fi
  sleep 1   # the cleaner writes its checkpoint just before its log line
  stats="$(cleaner_stats "$b")"
  R[$b.mbs]="${stats% *}"; R[$b.passes]="${stats#* }"
  [[ -z "$stats" ]] && { R[$b.mbs]=failed; R[$b.passes]=failed; }
  force_gc
  R[$b.heap]="$(peak_heap_mb "$b")"; R[$b.heap]="${R[$b.heap]:-failed}"
  R[$b.before]="$before"; R[$b.after]="$(partition_bytes)"
  log "$b: ${R[$b.mbs]} MB/s over ${R[$b.passes]} cleaning(s), ${R[$b.before]} -> ${R[$b.after]} bytes," \
      "peak heap after GC ${R[$b.heap]} MB"
}

for b in kafka sluice; do for m in "${METRICS[@]}"; do R[$b.$m]=skipped; done; done
for b in $BROKERS; do
  [[ "$b" == kafka || "$b" == sluice ]] || { log "unknown broker '$b' in BROKERS"; exit 2; }
  [[ "$b" == sluice ]] && { build_sluice || { for m in "${METRICS[@]}"; do R[$b.$m]=failed; done; continue; }; }
  load_before="$(loadavg)"
  for REP in $(seq 1 "$REPEATS"); do
    RS=""; (( REPEATS > 1 )) && RS="-r$REP" && log "$b: round $REP of $REPEATS"
    round "$b"
    for m in "${METRICS[@]}"; do
      num "${R[$b.$m]}" && V[$b.$m]="${V[$b.$m]:-} ${R[$b.$m]}"
    done
    end_brokers "$b$RS" "$load_before"; load_before="$(loadavg)"
  done
  for m in "${METRICS[@]}"; do # median of the rounds that produced a number
    if [[ -n "${V[$b.$m]:-}" ]]; then
      R[$b.$m]="$(tr ' ' '\n' <<<"${V[$b.$m]}" | grep . | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }')"
    else
      R[$b.$m]=failed
    fi
  done
done

{
  echo "# Log cleaner: Sluice vs Apache Kafka $KAFKA_VERSION"
  echo
  machine_line
  echo "Both brokers: \`$BROKER_JVM_OPTS\`, single node, 1 cleaner thread, dedupe buffer ${DEDUPE_BUFFER:-134217728 (the default)} bytes, log.cleaner.backoff.ms=1000; run one after the other."
  echo "Topic: 1 partition, segment.bytes=$SEGMENT_BYTES, min.cleanable.dirty.ratio=0.01, cleanup.policy=delete while filled, then compact (so that the cleaner starts on the whole log); filled with $(count_label "$RECORDS") records over $(count_label "$KEYS") keys, $(size_label "$VALUE_SIZE") values (kafka-clients producer, acks=1, no compression)."
  echo "Each of $REPEATS round(s) per broker starts a fresh broker; the table shows medians. A round ends when the partition's cleaner checkpoint reaches its active segment."
  echo "Cleaner MB/s = MB (2^20 bytes) of log read for rewriting / seconds of cleaning, over all cleanings of the partition, from each broker's own cleaner log lines; peak heap = largest heap after a GC over the broker's life, a GC forced after the cleaning included (GC log; Kafka allocates its offset map at start, Sluice on first cleaning). Partition size = its .log files."
  echo "Load average (1/5/15 min) around each round — this machine was shared, so these numbers are noisy and must be rerun on a quiet machine: $(printf '%s; ' "${LOADS[@]}" | sed 's/; $//')."
  echo
  table_head
  row "cleaner throughput" "MB/s" mbs higher
  row "cleanings to clean the partition" "count" passes lower
  row "peak heap after GC (broker lifetime, GC forced after cleaning)" "MB" heap lower
  row "partition size before cleaning" "bytes" before "-"
  row "partition size after cleaning" "bytes" after lower
  table_end "Failures"
} >"$RUN/results.md"
publish cleaner-latest.md
