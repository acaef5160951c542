#!/usr/bin/env bash
# Mirroring throughput, Sluice's mirror (exactly-once requested) vs Apache MirrorMaker 2 4.3.1 (at-least-once, its
# defaults), between the same two single-node Sluice clusters A and B on loopback:
#   RECORDS x RECORD_SIZE records are written to a topic on A first; then each mirror is started alone and timed
#   until B's remote topic holds them all. Reported: records/s (RECORDS / seconds from mirror start to last record
#   on B, start-up included) and the mirror JVM's CPU seconds over that time.
#
#   bench/mirror.sh                                  # 1,000,000 x 1 KiB
#   RECORDS=100000 bench/mirror.sh                   # a quick run
#   MIRRORS=sluice RECORDS=100000 bench/mirror.sh    # one side only
#
# A skeleton: end-to-end lag under continuous load is not measured yet. Results: bench/results/mirror-latest.md.
set -uo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"

RECORDS="${RECORDS:-1000000}"
RECORD_SIZE="${RECORD_SIZE:-1024}"
PARTITIONS="${PARTITIONS:-6}"
MIRRORS="${MIRRORS:-mm2 sluice}"
MIRROR_TIMEOUT="${MIRROR_TIMEOUT:-1800}"
TOOL_JVM_OPTS="${TOOL_JVM_OPTS:--Xmx512m}"
STEP_TIMEOUT="${STEP_TIMEOUT:-1800}"
BUILD_TIMEOUT="${BUILD_TIMEOUT:-1200}"
BROKER_LIFETIME="${BROKER_LIFETIME:-7200}"
KEEP_DATA="${KEEP_DATA:-0}"
MIRROR_HEAP="${MIRROR_HEAP:-2g}"
MM2_LIBS="$WORK/mm2-libs"

start_run mirror mirror-runs
fetch_kafka
build_sluice || exit 1

fetch_mm2() {
  if [[ ! -f "$MM2_LIBS/.complete" ]]; then
    log "fetching Apache MirrorMaker 2 4.3.1 jars into $MM2_LIBS"
    timeout -k 10 "$BUILD_TIMEOUT" mvn -B -q -ntp -f "$BENCH/mirror/pom.xml" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$MM2_LIBS" >"$RUN/mm2-fetch.log" 2>&1 \
      || { log "Maven fetch failed, see $RUN/mm2-fetch.log"; exit 1; }
    touch "$MM2_LIBS/.complete"
  fi
}

start_cluster() { # start_cluster NAME -> sets BOOT_<NAME>
  local name="$1" port dir
  free_port port; dir="$WORK/data/mirror-$STAMP-$name"; mkdir -p "$dir"
  spawn "$RUN/broker-$name.log" "$ROOT/bin/sluice" broker --override "listeners=PLAINTEXT://127.0.0.1:$port" \
      --override "log.dirs=$dir" --override offsets.topic.replication.factor=1
  for _ in $(seq 1 120); do port_open "$port" && break; sleep 1; done
  printf -v "BOOT_$name" '%s' "127.0.0.1:$port"
  DATA_ROOT="$DATA_ROOT $dir"
}

remote_count() { # remote_count TOPIC: records in TOPIC on B (sum of end offsets)
  tool 60 org.apache.kafka.tools.GetOffsetShell --bootstrap-server "$BOOT_B" --topic "$1" 2>/dev/null \
    | awk -F: '{ s += $3 } END { print s + 0 }'
}

mm2_properties() { # mm2_properties FILE TOPIC
  cat >"$1" <<PROPS
clusters = A, B
A.bootstrap.servers = $BOOT_A
B.bootstrap.servers = $BOOT_B
A->B.enabled = true
A->B.topics = $2
replication.factor = 1
offset-syncs.topic.replication.factor = 1
checkpoints.topic.replication.factor = 1
heartbeats.topic.replication.factor = 1
config.storage.replication.factor = 1
offset.storage.replication.factor = 1
status.storage.replication.factor = 1
sluice.mirror.state.dir = $RUN/sluice-mirror-state
PROPS
}

run_mirror() { # run_mirror sluice|mm2: mirrors topic bench-<mirror> and times it
  local m="$1" topic="bench-$1" props="$RUN/$1-mm2.properties" start cpu0 n=0 secs
  mm2_properties "$props" "$topic"
  local before=${#PGIDS[@]}
  start=$(date +%s.%N)
  if [[ "$m" == sluice ]]; then
    SLUICE_JAVA_OPTS="-Xms$MIRROR_HEAP -Xmx$MIRROR_HEAP" spawn "$RUN/mirror-sluice.log" "$ROOT/bin/sluice" mirror "$props"
  else
    spawn "$RUN/mirror-mm2.log" java "-Xms$MIRROR_HEAP" "-Xmx$MIRROR_HEAP" -cp "$MM2_LIBS/*" \
        org.apache.kafka.connect.mirror.MirrorMaker "$props"
  fi
  local saved=("${PGIDS[@]}"); PGIDS=("${PGIDS[@]:$before}"); cpu0="$(jvm_cpu)"
  local deadline=$(( $(date +%s) + MIRROR_TIMEOUT ))
  while (( n < RECORDS && $(date +%s) < deadline )); do sleep 1; n="$(remote_count "A.$topic")"; done
  secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  R[$m.cpu]="$(cpu_delta "$cpu0")"
  stop_groups "${PGIDS[@]}"; PGIDS=("${saved[@]:0:$before}")
  if (( n < RECORDS )); then R[$m.rps]=failed; log "$m: only $n of $RECORDS records in $MIRROR_TIMEOUT s"; return; fi
  R[$m.rps]=$(awk -v r="$RECORDS" -v s="$secs" 'BEGIN { printf "%.0f", r / s }')
  log "$m: $RECORDS records in $secs s (${R[$m.rps]} records/s, ${R[$m.cpu]} CPU-s)"
}

[[ "$MIRRORS" == *mm2* ]] && fetch_mm2
start_cluster A
start_cluster B
for m in $MIRRORS; do
  tool 120 org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOT_A" --create --topic "bench-$m" \
      --partitions "$PARTITIONS" --replication-factor 1 >>"$RUN/topics.log" 2>&1
  log "writing $RECORDS x $RECORD_SIZE B to bench-$m on A"
  tool "$STEP_TIMEOUT" org.apache.kafka.tools.ProducerPerformance --topic "bench-$m" --num-records "$RECORDS" \
      --record-size "$RECORD_SIZE" --throughput -1 --producer-props "bootstrap.servers=$BOOT_A" acks=all \
      >"$RUN/produce-$m.log" 2>&1
  run_mirror "$m"
done
{
  echo "# Mirror: Sluice vs Apache MirrorMaker 2 4.3.1"
  echo
  echo "$(count_label "$RECORDS") x $(size_label "$RECORD_SIZE"), $PARTITIONS partitions, Sluice clusters A -> B on loopback; $(machine_line)"
  echo
  echo "| mirror | records/s | mirror CPU-s |"
  echo "|---|---|---|"
  for m in $MIRRORS; do echo "| $m | ${R[$m.rps]:-skipped} | ${R[$m.cpu]:-} |"; done
} >"$RUN/results.md"
cat "$RUN/results.md"
[[ "$MIRRORS" == *mm2* && "$MIRRORS" == *sluice* ]] && cp "$RUN/results.md" "$BENCH/results/mirror-latest.md"
