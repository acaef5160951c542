#!/usr/bin/env bash
# Runs README's Kafka Connect commands the way a newcomer would: in a fresh clone of this repository (its committed
# state), with the shipped config files, bin/sluice and curl. Exits non-zero naming the first step whose answer is
# not what README promises.
#
#   examples/connect-file/readme-check.sh                 # README's ports: 9092, 8081, 8083
#   BROKER_PORT=19092 REGISTRY_PORT=18081 CONNECT_PORT=18083 examples/connect-file/readme-check.sh
#   IN_PLACE=1 examples/connect-file/readme-check.sh      # in this checkout instead of a clone (uses ./data)
#   KEEP=1 ...                                            # keep the work directory (logs) afterwards
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BROKER_PORT=${BROKER_PORT:-9092}
REGISTRY_PORT=${REGISTRY_PORT:-8081}
CONNECT_PORT=${CONNECT_PORT:-8083}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sluice-readme.XXXXXX")
PIDS=()

stop_all() {
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  PIDS=()
}
finish() {
  stop_all
  if [[ -n "${KEEP:-}" ]]; then echo "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap finish EXIT

fail() {
  echo "FAILED: $*" >&2
  for log in "$WORK"/*.log; do [[ -f "$log" ]] && { echo "--- $log (tail)" >&2; tail -20 "$log" >&2; }; done
  exit 1
}

# await SECONDS DESCRIPTION COMMAND...: polls COMMAND once a second until it succeeds.
await() {
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq 1 "$seconds"); do
    if "$@" >/dev/null 2>&1; then echo "ok: $what"; return 0; fi
    sleep 1
  done
  fail "$what (within ${seconds} s)"
}

same_file() { [[ -f "$2" ]] && cmp -s "$1" "$2"; }
curl_has() { curl -s --max-time 5 "$1" | grep -q "$2"; }

# Only ports other than README's need overrides; with README's ports these are empty and the commands are README's.
BROKER_ARGS=() CONNECT_ARGS=() PLATFORM_ARGS=()
if [[ $BROKER_PORT != 9092 ]]; then
  BROKER_ARGS+=(--override "listeners=PLAINTEXT://127.0.0.1:$BROKER_PORT")
  CONNECT_ARGS+=(--override "bootstrap.servers=127.0.0.1:$BROKER_PORT")
  PLATFORM_ARGS+=(--override "broker.listeners=PLAINTEXT://127.0.0.1:$BROKER_PORT")
fi
if [[ $CONNECT_PORT != 8083 ]]; then
  CONNECT_ARGS+=(--override "listeners=http://127.0.0.1:$CONNECT_PORT")
  PLATFORM_ARGS+=(--override "connect.listeners=http://127.0.0.1:$CONNECT_PORT")
fi
[[ $REGISTRY_PORT != 8081 ]] && PLATFORM_ARGS+=(--override "registry.listeners=http://127.0.0.1:$REGISTRY_PORT")
CONNECT="http://127.0.0.1:$CONNECT_PORT"

if [[ -n "${IN_PLACE:-}" ]]; then
  cd "$ROOT"
else
  git clone -q "$ROOT" "$WORK/sluice"
  cd "$WORK/sluice"
fi
echo "running README's commands in $PWD"
bin/sluice --version >"$WORK/build.log" 2>&1 || fail "bin/sluice builds (see $WORK/build.log)"
[[ -f cli/target/plugins/connect-file/connect-file-4.3.1.jar ]] || fail "the build ships connect-file 4.3.1"

# --- README: standalone worker with the shipped config files
mkdir -p data && seq 1 5 | sed 's/^/line /' > data/connect-input.txt
bin/sluice broker "${BROKER_ARGS[@]}" >"$WORK/broker.log" 2>&1 &
PIDS+=($!)
bin/sluice connect standalone config/connect-standalone.properties \
    config/connect-file-source.properties config/connect-file-sink.properties "${CONNECT_ARGS[@]}" \
    >"$WORK/connect.log" 2>&1 &
PIDS+=($!)
await 90 "local-file-source is RUNNING" curl_has "$CONNECT/connectors/local-file-source/status" '"state":"RUNNING"'
await 60 "data/connect-output.txt holds line 1 ... line 5" same_file data/connect-input.txt data/connect-output.txt
answer=$(curl -s -X POST -H 'Content-Type: application/json' "$CONNECT/connectors" \
     --data '{"name":"more","config":{"connector.class":"FileStreamSource","file":"/tmp/more.txt","topic":"more"}}')
grep -q '"name":"more"' <<<"$answer" || fail "POST /connectors answers the new connector, got: $answer"
echo "ok: POST /connectors created 'more'"
stop_all

# --- README: the same connectors with curl on the platform's worker, Avro values
bin/sluice platform --override connect.value.converter=io.sluice.connect.converters.AvroConverter \
    "${PLATFORM_ARGS[@]}" >"$WORK/platform.log" 2>&1 &
PIDS+=($!)
await 150 "the platform prints its ready line" grep -q "^Sluice platform ready" "$WORK/platform.log"
curl -s -X PUT -H 'Content-Type: application/json' "$CONNECT/connectors/local-file-source/config" \
     --data "{\"connector.class\":\"FileStreamSource\",\"file\":\"$PWD/data/connect-input.txt\",\"topic\":\"connect-avro-lines\"}" \
     | grep -q '"name":"local-file-source"' || fail "PUT local-file-source/config"
curl -s -X PUT -H 'Content-Type: application/json' "$CONNECT/connectors/local-file-sink/config" \
     --data "{\"connector.class\":\"FileStreamSink\",\"file\":\"$PWD/data/connect-copy.txt\",\"topics\":\"connect-avro-lines\"}" \
     | grep -q '"name":"local-file-sink"' || fail "PUT local-file-sink/config"
await 60 "GET /connectors?expand=status shows both RUNNING" \
    bash -c "[[ \$(curl -s '$CONNECT/connectors?expand=status' | grep -o '\"state\":\"RUNNING\"' | wc -l) -ge 4 ]]"
await 60 "data/connect-copy.txt holds line 1 ... line 5" same_file data/connect-input.txt data/connect-copy.txt
subjects=$(curl -s "http://127.0.0.1:$REGISTRY_PORT/subjects")
[[ "$subjects" == '["connect-avro-lines-value"]' ]] || fail "GET /subjects answers [\"connect-avro-lines-value\"], got: $subjects"
echo "ok: the Avro converter registered connect-avro-lines-value"
echo "README's Kafka Connect commands work as written"
