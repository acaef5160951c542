#!/usr/bin/env bash
# Kafka Connect benchmark: FileStreamSource -> topic and topic -> FileStreamSink, LINES lines of LINE_SIZE bytes,
# records/s and worker CPU seconds, on Sluice's Connect runtime (bin/sluice connect standalone) vs Apache Kafka
# Connect 4.3.1 (org.apache.kafka:connect-runtime from Maven Central, ConnectStandalone), with the same connector
# jar (connect-file 4.3.1, which the Sluice build copies into cli/target/plugins) against the same Sluice broker.
#
#   bench/connect.sh                        # 1,000,000 x 1 KiB lines, a warm-up round + 3 timed rounds
#   LINES=200000 bench/connect.sh           # shorter run
#   RUNTIMES=sluice LINES=100000 ROUNDS=1 bench/connect.sh   # one runtime only (the other column says "skipped")
#
# Steps: build Sluice (bin/sluice) -> fetch connect-runtime 4.3.1 and its dependencies once into
# bench/work/connect-runtime-libs (mvn -f bench/connect/pom.xml dependency:copy-dependencies) -> write the input
# file once (bench/work/connect-input-LINES-LINE_SIZE.txt) -> start one Sluice broker -> for each runtime: start a
# standalone worker (fresh offsets file), then per round create a FileStreamSource reading the whole file into a
# fresh 1-partition topic, time until the topic holds LINES records, delete it; create a FileStreamSink writing
# that topic to a fresh file, time until the file is complete, delete it; stop the worker. Round 0 is the
# warm-up and is not counted; the table shows medians of the timed rounds. The clock of each workload starts just
# before the PUT that creates the connector (bench/connect/Watch.java), so it includes task start-up and, for the
# sink, the consumer group join. Worker CPU s = user + system CPU seconds of the worker JVM during the workload.
# Prints a markdown table and writes it to bench/results/connect-latest.md (when both runtimes ran).
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"

LINES="${LINES:-1000000}"
LINE_SIZE="${LINE_SIZE:-1024}"           # bytes per line, newline not counted (must be >= 16)
ROUNDS="${ROUNDS:-3}"                    # timed rounds per runtime, after one warm-up round
RUNTIMES="${RUNTIMES:-kafka sluice}"     # which Connect runtimes to run, in this order
CONNECT_VERSION=4.3.1                    # keep in line with bench/connect/pom.xml
# The same JVM flags for both workers (Kafka's connect-standalone.sh uses -Xms256M -Xmx2G plus G1 defaults)
WORKER_JVM_OPTS="${WORKER_JVM_OPTS:--Xms1g -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true}"
BROKER_JVM_OPTS="${BROKER_JVM_OPTS:--Xms1g -Xmx1g -XX:+UseG1GC}"
TOOL_JVM_OPTS="${TOOL_JVM_OPTS:--Xms256m -Xmx256m}"
STEP_TIMEOUT="${STEP_TIMEOUT:-900}"      # seconds, per workload
START_TIMEOUT="${START_TIMEOUT:-180}"    # seconds, broker or worker start-up
BUILD_TIMEOUT="${BUILD_TIMEOUT:-1200}"   # seconds, Maven fetch / Sluice build
BROKER_LIFETIME="${BROKER_LIFETIME:-7200}" # hard cap on a broker or worker process, should the trap miss it
KEEP_DATA="${KEEP_DATA:-0}"
REPEATS="$ROUNDS"                        # lib.sh's table shows min–max columns when > 1

start_run connect-bench connect-runs
WATCH="$BENCH/connect/Watch.java"
PLUGINS="$ROOT/cli/target/plugins"
CONNECT_LIBS="$WORK/connect-runtime-libs"
INPUT="$WORK/connect-input-$LINES-$LINE_SIZE.txt"
BYTES=$(( LINES * (LINE_SIZE + 1) ))
OUT_DIR="$WORK/data/connect-bench-$STAMP-files"   # the sinks' output files, each deleted after its check
WORKER_PGID=""

# ---- inputs --------------------------------------------------------------------------------------------------
fetch_connect_runtime() { # sets CRCP: Apache Kafka Connect's runtime class path
  if [[ ! -f "$CONNECT_LIBS/.complete-$CONNECT_VERSION" ]]; then
    log "fetching Apache Kafka Connect $CONNECT_VERSION (connect-runtime and its dependencies) into $CONNECT_LIBS"
    rm -rf "$CONNECT_LIBS"
    timeout -k 10 "$BUILD_TIMEOUT" mvn -B -q -ntp -f "$BENCH/connect/pom.xml" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$CONNECT_LIBS" >"$RUN/maven-fetch.log" 2>&1 \
      || { log "Maven fetch failed, see $RUN/maven-fetch.log"; tail -20 "$RUN/maven-fetch.log" >&2; exit 1; }
    touch "$CONNECT_LIBS/.complete-$CONNECT_VERSION"
  fi
  # shellcheck disable=SC2012  # Maven's jar names: no blanks or newlines
  CRCP="$(ls -d "$CONNECT_LIBS"/*.jar | tr '\n' ':')"
}
write_input() { # every line: an 8-digit number, then x up to LINE_SIZE bytes
  [[ -f "$INPUT" && "$(stat -c %s "$INPUT")" == "$BYTES" ]] && return 0
  log "writing $INPUT ($LINES lines of $LINE_SIZE bytes)"
  awk -v n="$LINES" -v size="$LINE_SIZE" 'BEGIN {
      pad = sprintf("%" (size - 8) "s", ""); gsub(/ /, "x", pad)
      for (i = 0; i < n; i++) printf "%08d%s\n", i, pad }' >"$INPUT.tmp"
  mv "$INPUT.tmp" "$INPUT"
}

# ---- broker and workers --------------------------------------------------------------------------------------
start_broker() { # one Sluice broker for both runtimes; sets BOOT
  local dir="$WORK/data/connect-bench-$STAMP" port deadline
  free_port port; mkdir -p "$dir"
  BOOT="127.0.0.1:$port"
  log "starting the Sluice broker on $BOOT, data $dir"
  SLUICE_JAVA_OPTS="$BROKER_JVM_OPTS" spawn "$RUN/broker.log" "$ROOT/bin/sluice" broker \
      --override "log.dirs=$dir" --override "listeners=PLAINTEXT://$BOOT" \
      --override group.initial.rebalance.delay.ms=0 --override num.partitions=1
  DATA_ROOT="$dir"
  deadline=$(( SECONDS + START_TIMEOUT ))
  until port_open "$port"; do
    (( SECONDS < deadline )) && ! dead_group >/dev/null || { log "broker did not start, see $RUN/broker.log"; exit 1; }
    sleep 1
  done
}
worker_cpu() { # CPU seconds used so far by the worker JVM
  local pid t ticks=0
  for pid in $(pgrep -g "$WORKER_PGID" -x java 2>/dev/null); do
    t="$(sed -E 's/^.*\) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 }')"
    [[ -n "$t" ]] && ticks=$(( ticks + t ))
  done
  awk -v t="$ticks" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }'
}
start_worker() { # start_worker RUNTIME: a standalone worker with no connectors; sets WORKER_URL
  local rt="$1" port props="$RUN/$1-worker.properties" deadline pid
  free_port port
  WORKER_URL="http://127.0.0.1:$port"
  cat >"$props" <<EOF
bootstrap.servers=$BOOT
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$RUN/$rt-connect.offsets
offset.flush.interval.ms=10000
plugin.path=$PLUGINS
listeners=$WORKER_URL
EOF
  log "$rt: starting a standalone worker on $WORKER_URL"
  if [[ "$rt" == kafka ]]; then
    # shellcheck disable=SC2086
    spawn "$RUN/kafka-worker.log" java $WORKER_JVM_OPTS "$LOG4J" -Dbench.log.level=INFO -cp "$CRCP" \
        org.apache.kafka.connect.cli.ConnectStandalone "$props"
  else
    SLUICE_JAVA_OPTS="$WORKER_JVM_OPTS" spawn "$RUN/sluice-worker.log" "$ROOT/bin/sluice" connect standalone "$props"
  fi
  pid="${PGIDS[-1]}"
  WORKER_PGID="$pid"
  deadline=$(( SECONDS + START_TIMEOUT ))
  until curl -sf --max-time 5 "$WORKER_URL/" >/dev/null; do
    if (( SECONDS >= deadline )) || ! kill -0 "$pid" 2>/dev/null; then
      log "$rt: the worker did not start, see $RUN/$rt-worker.log"; tail -20 "$RUN/$rt-worker.log" >&2; return 1
    fi
    sleep 1
  done
}
stop_worker() {
  [[ -z "$WORKER_PGID" ]] && return 0
  stop_groups "$WORKER_PGID"
  local g kept=()
  for g in "${PGIDS[@]}"; do [[ "$g" == "$WORKER_PGID" ]] || kept+=("$g"); done
  PGIDS=("${kept[@]}")
  WORKER_PGID=""
}

# ---- workloads -------------------------------------------------------------------------------------------------
# watch RUNTIME METRIC LOG Watch-ARGS...: runs Watch, sets R[RUNTIME.METRIC.rps|cpu] or marks them failed
watch() {
  local rt="$1" m="$2" f="$3" cpu0 ms rc; shift 3
  cpu0="$(worker_cpu)"
  # shellcheck disable=SC2086
  timeout -k 10 "$STEP_TIMEOUT" java $TOOL_JVM_OPTS -cp "$(cat "$ROOT/cli/target/classpath.txt")" "$WATCH" "$@" \
      >"$f" 2>&1 && rc=0 || rc=$?
  R[$rt.$m.cpu]="$(awk -v a="$cpu0" -v b="$(worker_cpu)" 'BEGIN { printf "%.2f", b - a }')"
  ms="$(sed -n 's/^elapsed_ms=//p' "$f")"
  if [[ $rc -ne 0 || -z "$ms" ]]; then
    log "$rt: $m failed (exit $rc): $(tail -1 "$f")"
    NOTES+=("$rt / $m: exit $rc, $(tail -1 "$f" | cut -c1-200) (log: \`$RUN_REL/$(basename "$f")\`)")
    R[$rt.$m.rps]=failed; R[$rt.$m.cpu]=failed; return 1
  fi
  R[$rt.$m.rps]="$(awk -v n="$LINES" -v ms="$ms" 'BEGIN { printf "%.0f", n * 1000 / (ms > 0 ? ms : 1) }')"
  log "$rt: $m: $LINES records in $ms ms = ${R[$rt.$m.rps]} records/s, worker ${R[$rt.$m.cpu]} CPU s"
}
delete_connector() { curl -s -X DELETE --max-time 30 "$WORKER_URL/connectors/$1" >/dev/null || true; }

round() { # round RUNTIME N
  local rt="$1" n="$2" topic="lines-$1-$2-$STAMP" out="$OUT_DIR/out-$1-$2.txt"
  watch "$rt" source "$RUN/$rt-source-$n.log" source "$WORKER_URL" "source-$n" \
      "{\"connector.class\":\"FileStreamSource\",\"tasks.max\":\"1\",\"file\":\"$INPUT\",\"topic\":\"$topic\"}" \
      "$BOOT" "$topic" "$LINES" "$STEP_TIMEOUT" || true
  delete_connector "source-$n"
  watch "$rt" sink "$RUN/$rt-sink-$n.log" sink "$WORKER_URL" "sink-$n" \
      "{\"connector.class\":\"FileStreamSink\",\"tasks.max\":\"1\",\"file\":\"$out\",\"topics\":\"$topic\"}" \
      "$out" "$BYTES" "$STEP_TIMEOUT" || true
  delete_connector "sink-$n"
  if [[ -f "$out" ]] && ! cmp -s "$INPUT" "$out"; then
    log "$rt: round $n: the sink's file differs from the input"
    NOTES+=("$rt / round $n: the sink's output file differs from the input file")
  fi
  rm -f "$out"
  # shellcheck disable=SC2086
  timeout 120 java $TOOL_JVM_OPTS -cp "$(cat "$ROOT/cli/target/classpath.txt")" "$WATCH" delete-topic "$BOOT" "$topic" \
      >>"$RUN/delete-topics.log" 2>&1 || log "deleting topic $topic failed (see $RUN/delete-topics.log)"
}

# ---- run -------------------------------------------------------------------------------------------------------
METRICS=(source.rps source.cpu sink.rps sink.cpu)
for rt in kafka sluice; do for m in "${METRICS[@]}"; do R[$rt.$m]=skipped; done; done
build_sluice || exit 1
[[ -f "$PLUGINS/connect-file/connect-file-$CONNECT_VERSION.jar" ]] \
  || { log "no $PLUGINS/connect-file/connect-file-$CONNECT_VERSION.jar after the build"; exit 1; }
fetch_connect_runtime
write_input
mkdir -p "$OUT_DIR"
start_broker
for rt in $RUNTIMES; do
  case "$rt" in kafka|sluice) ;; *) log "unknown runtime '$rt' in RUNTIMES"; exit 2 ;; esac
  for m in "${METRICS[@]}"; do R[$rt.$m]=failed; done
  load_before="$(loadavg)"
  if start_worker "$rt"; then
    for n in $(seq 0 "$ROUNDS"); do
      (( n == 0 )) && log "$rt: warm-up round" || log "$rt: round $n of $ROUNDS"
      round "$rt" "$n"
      if (( n > 0 )); then
        for m in "${METRICS[@]}"; do num "${R[$rt.$m]}" && V[$rt.$m]="${V[$rt.$m]:-} ${R[$rt.$m]}"; done
      fi
    done
    for m in "${METRICS[@]}"; do # median of the timed rounds that produced a number
      if [[ -n "${V[$rt.$m]:-}" ]]; then
        R[$rt.$m]="$(tr ' ' '\n' <<<"${V[$rt.$m]}" | grep . | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }')"
      else
        R[$rt.$m]=failed
      fi
    done
  fi
  stop_worker
  LOADS+=("$rt: $load_before before, $(loadavg) after")
done
stop_brokers
[[ "$KEEP_DATA" == 1 ]] || rm -rf "$DATA_ROOT"
rm -rf "$OUT_DIR"

# ---- report ----------------------------------------------------------------------------------------------------
BROKERS="$RUNTIMES"   # publish() writes bench/results only when both ran
{
  echo "# Kafka Connect: Sluice's runtime vs Apache Kafka Connect $CONNECT_VERSION"
  echo
  machine_line
  echo "Both runtimes: standalone worker, \`$WORKER_JVM_OPTS\`, StringConverter for keys and values, default producer and consumer settings of each runtime;"
  echo "the same connector jar (Apache Kafka's connect-file $CONNECT_VERSION, on plugin.path) and the same Sluice broker (\`$BROKER_JVM_OPTS\`), one runtime after the other."
  echo "Source: FileStreamSource reads a file of $(count_label "$LINES") lines x $(size_label "$LINE_SIZE") into a fresh 1-partition topic; done when the topic holds every line."
  echo "Sink: FileStreamSink writes that topic to a fresh file; done when the file is complete (and it is checked equal to the input)."
  echo "Each workload's clock starts just before the REST call that creates the connector. One warm-up round, then $ROUNDS timed rounds; medians."
  echo "Worker CPU s = user + system CPU seconds of the worker JVM during the workload (2 cores shared with the broker)."
  echo "Load average (1/5/15 min) around each runtime's run: $(printf '%s; ' "${LOADS[@]}" | sed 's/; $//')."
  echo "Columns: \"Kafka\" = Apache Kafka Connect $CONNECT_VERSION, \"Sluice\" = Sluice's Connect runtime; ratio = Sluice / Kafka Connect."
  echo
  table_head
  row "FileStreamSource → topic" "records/s" source.rps higher
  row "FileStreamSource → topic" "worker CPU s" source.cpu lower
  row "topic → FileStreamSink" "records/s" sink.rps higher
  row "topic → FileStreamSink" "worker CPU s" sink.cpu lower
  table_end "Failures"
} >"$RUN/results.md"
publish connect-latest.md
