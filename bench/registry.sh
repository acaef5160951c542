#!/usr/bin/env bash
# Schema registry benchmark: registrations and lookups by id per second with p50/p99 over loopback HTTP,
# and serializer throughput (Avro vs a raw byte[] baseline), against an in-process Sluice broker.
#
#   bench/registry.sh                                   # 1000 registrations, 20000 lookups, 1000000 records
#   REGISTRATIONS=200 LOOKUPS=5000 RECORDS=200000 bench/registry.sh   # quick run
#
# Steps: compile schema-registry (and the broker it tests against) through the reactor and write its test
# classpath -> run io.sluice.registry.bench.RegistryBenchmark (schema-registry test sources) in one JVM ->
# print a markdown table and write it to bench/results/registry-latest.md. Logs of the run go to
# bench/work/registry-runs/<UTC timestamp>/ (git-ignored). The run directory and log come from bench/lib.sh.
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"

REGISTRATIONS="${REGISTRATIONS:-1000}"
LOOKUPS="${LOOKUPS:-20000}"
RECORDS="${RECORDS:-1000000}"
MVN="${MVN:-mvn -o}"                       # e.g. MVN=mvn when ~/.m2 lacks the dependencies
JVM_OPTS="${JVM_OPTS:--Xms1g -Xmx1g -XX:+UseG1GC}"
BUILD_TIMEOUT="${BUILD_TIMEOUT:-1200}"     # seconds
RUN_TIMEOUT="${RUN_TIMEOUT:-1800}"         # seconds

start_run registry-bench registry-runs

log "building schema-registry and its test classpath (log: $RUN/build.log)"
CP_FILE="$ROOT/schema-registry/target/bench-test-classpath.txt"
# shellcheck disable=SC2086  # MVN is word-split on purpose
if ! (cd "$ROOT" && timeout "$BUILD_TIMEOUT" $MVN -q -B -Dstyle.color=never -pl schema-registry -am test-compile \
      dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-test-classpath.txt) \
      >"$RUN/build.log" 2>&1; then
  log "build failed:"; tail -30 "$RUN/build.log" >&2; exit 1
fi
CP="$ROOT/schema-registry/target/test-classes:$ROOT/schema-registry/target/classes:$(cat "$CP_FILE")"

LOAD_BEFORE="$(loadavg)"
log "running: $REGISTRATIONS registrations, $LOOKUPS lookups, $RECORDS records (log: $RUN/bench.log)"
# The benchmark's progress lines (stderr) are shown; broker and registry logs (stdout) go to the log file.
: >"$RUN/bench.log"
# shellcheck disable=SC2086,SC2094  # JVM_OPTS word-split on purpose; both streams append to bench.log
if ! timeout "$RUN_TIMEOUT" java $JVM_OPTS -cp "$CP" io.sluice.registry.bench.RegistryBenchmark \
      "$REGISTRATIONS" "$LOOKUPS" "$RECORDS" "$RUN/table.md" >>"$RUN/bench.log" 2> >(tee -a "$RUN/bench.log" >&2); then
  log "benchmark failed:"; tail -30 "$RUN/bench.log" >&2; exit 1
fi

{
  echo "# Schema registry benchmark"
  echo
  echo "Run $STAMP UTC on $(nproc) cores, loopback; $(java -version 2>&1 | head -1);" \
       "Sluice at $(git -C "$ROOT" rev-parse --short HEAD) ($(git -C "$ROOT" rev-parse --abbrev-ref HEAD)); JVM \`$JVM_OPTS\`."
  echo "One JVM holds the in-process broker (TestBroker), one registry (leader, store topic with replication factor 1) and"
  echo "the client: one request at a time over loopback HTTP (java.net.http), after 200 warm-up requests of each kind."
  echo "A new registration is a write to the store topic, answered once the registry has read it back."
  echo "Serializer rows: the median of 4 timed rounds (after one warm-up round) in the same JVM, no broker involved;"
  echo "the raw baseline copies a byte[] of the Avro record's size, so the ratio is the cost of Avro encoding plus the cached id lookup."
  echo "Load average (1/5/15 min) before the run: $LOAD_BEFORE; after: $(loadavg) (2 shared cores: other work skews the numbers)."
  echo
  cat "$RUN/table.md"
} >"$RUN/results.md"

cp "$RUN/results.md" "$BENCH/results/registry-latest.md"
echo
cat "$RUN/results.md"
log "table written to bench/results/registry-latest.md"
