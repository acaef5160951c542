#!/usr/bin/env bash
# JDBC connectors' throughput on H2 and PostgreSQL, against a Sluice broker, each next to a plain-JDBC ceiling:
#   - source rows/s, mode=bulk and mode=incrementing: a ROWS-row table copied to a topic, from the first row in
#     the topic until it holds every row; ceiling: one SELECT * ... ORDER BY id reading every column;
#   - sink rows/s, insert.mode=insert and upsert (pk.mode=record_value), exactly.once off and on: ROWS JSON
#     records already in a topic written to a fresh auto-created table, from the first row in the table until
#     it holds every row; ceiling: batched INSERTs of the same rows (3000 per batch and transaction, the
#     sink's batch.size default).
# A connector's start-up (task start, group join) is left out of its rows/s and shown in the run's log lines.
# Each workload: a warm-up round of WARMUP rows, then ROUNDS rounds; the table shows medians and min–max.
# One JVM (bench/jdbc/JdbcBench.java) holds the Connect worker (Sluice's standalone worker, in-process) and runs
# the ceilings, so both sides share JVM, database and machine; the broker is bin/sluice broker.
#
#   bench/jdbc.sh                                  # 1,000,000 rows (~30-60 min)
#   ROWS=200000 bench/jdbc.sh                      # reduced run
#   DATABASES=h2 ROWS=50000 ROUNDS=1 bench/jdbc.sh # quick check
#
# H2 is a file database under the run directory; PostgreSQL a throw-away cluster (initdb/pg_ctl, on a free
# loopback port, fsync=off and synchronous_commit=off as testkit's PostgresServer: the numbers are about the
# connectors, not the disk). Results: bench/results/jdbc-latest.md (only when every database ran).
set -uo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"

ROWS="${ROWS:-1000000}"
WARMUP="${WARMUP:-$(( ROWS / 5 > 1000 ? ROWS / 5 : 1000 ))}"
ROUNDS="${ROUNDS:-3}"
DATABASES="${DATABASES:-h2 postgresql}"
BATCH_MAX_ROWS="${BATCH_MAX_ROWS:-1000}"      # the source's batch.max.rows (and the select ceiling's fetch size)
HEAP="${HEAP:-1g}"
BROKER_JVM_OPTS="${BROKER_JVM_OPTS:--Xms$HEAP -Xmx$HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true}"
DRIVER_JVM_OPTS="${DRIVER_JVM_OPTS:--Xms1g -Xmx2g -XX:+UseG1GC}"
START_TIMEOUT="${START_TIMEOUT:-180}"
STEP_TIMEOUT="${STEP_TIMEOUT:-7200}"          # the whole driver run of one database
BUILD_TIMEOUT="${BUILD_TIMEOUT:-1200}"
BROKER_LIFETIME="${BROKER_LIFETIME:-14400}"
KEEP_DATA="${KEEP_DATA:-0}"
REPEATS=1   # lib.sh's table helpers; this script has its own table

start_run jdbc jdbc-runs
PG_DIR=""
PG_BIN=""
pg() { # pg COMMAND ARGS...: a PostgreSQL program, as user postgres when we are root (PostgreSQL refuses root)
  local cmd="$PG_BIN/$1"; shift
  if (( EUID == 0 )); then runuser -u postgres -- "$cmd" "$@"; else "$cmd" "$@"; fi
}
pg_stop() {
  [[ -n "$PG_DIR" && -f "$PG_DIR/data/postmaster.pid" ]] && pg pg_ctl -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
  [[ -n "$PG_DIR" ]] && rm -rf "$PG_DIR"
  PG_DIR=""
}
trap 'pg_stop; cleanup' EXIT
pg_start() { # sets PG_URL; false (with a note) where PostgreSQL cannot start
  local port
  PG_BIN="$(find /usr/lib/postgresql -maxdepth 3 -name initdb -path '*/bin/*' 2>/dev/null | sort -V | tail -1 | xargs -r dirname)"
  [[ -z "$PG_BIN" ]] && PG_BIN="$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")"
  [[ -x "$PG_BIN/initdb" ]] || { NOTES+=("postgresql: no initdb/pg_ctl on this machine"); return 1; }
  PG_DIR="$(mktemp -d /tmp/sluice-bench-pg-XXXXXX)"
  (( EUID == 0 )) && chown postgres: "$PG_DIR"
  free_port port
  log "starting PostgreSQL ($PG_BIN) on 127.0.0.1:$port, data $PG_DIR"
  pg initdb -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --no-sync --locale=C >"$RUN/pg-initdb.log" 2>&1 \
    && pg pg_ctl -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >"$RUN/pg-start.log" 2>&1 \
    && pg createdb -h 127.0.0.1 -p "$port" -U postgres bench >>"$RUN/pg-start.log" 2>&1 \
    || { log "PostgreSQL did not start, see $RUN/pg-start.log"; NOTES+=("postgresql: did not start (\`$RUN_REL/pg-start.log\`)"); return 1; }
  PG_URL="jdbc:postgresql://127.0.0.1:$port/bench"
}

start_sluice() {
  local dir="$WORK/data/sluice-jdbc-$STAMP" port deadline
  free_port port; mkdir -p "$dir"
  BOOT="127.0.0.1:$port"; DATA_ROOT="$dir"
  log "starting Sluice ($(git -C "$ROOT" rev-parse --short HEAD)) on $BOOT, data $dir"
  SLUICE_JAVA_OPTS="$BROKER_JVM_OPTS" spawn "$RUN/sluice-broker.log" "$ROOT/bin/sluice" broker \
      --override "log.dirs=$dir" --override "listeners=PLAINTEXT://$BOOT"
  deadline=$(( SECONDS + START_TIMEOUT ))
  until port_open "$port"; do
    dead_group >/dev/null && { log "the broker exited during start-up"; tail -20 "$RUN/sluice-broker.log" >&2; return 1; }
    (( SECONDS > deadline )) && { log "the broker did not start within ${START_TIMEOUT}s"; return 1; }
    sleep 1
  done
  sleep 3   # the port opens before the broker has registered itself
}

declare -A RESULT=()    # RESULT[db|workload]="median min max"
run_db() { # run_db DB URL USER
  local db="$1" out="$RUN/$1-driver.log" rc
  log "$db: $ROWS rows, warm-up $WARMUP, $ROUNDS rounds (driver log: $out)"
  # shellcheck disable=SC2086
  timeout -k 10 "$STEP_TIMEOUT" java $DRIVER_JVM_OPTS -Dlogback.configurationFile="$BENCH/jdbc/logback.xml" \
      -cp "$ROOT/cli/target/classes:$(cat "$ROOT/cli/target/classpath.txt")" "$BENCH/jdbc/JdbcBench.java" \
      "$BOOT" "$db" "$2" "$3" "$ROWS" "$WARMUP" "$ROUNDS" "$RUN" "$BATCH_MAX_ROWS" >"$out" 2>&1 &
  TOOL_PID=$!; wait "$TOOL_PID"; rc=$?; TOOL_PID=""
  grep -E '^ROUND' "$out" | while IFS=$'\t' read -r _ d w r n s st rps; do
    log "$d: $w, round $r: $n rows in $s s (first row after $st s), $rps rows/s"
  done
  while IFS=$'\t' read -r _ d w median min max; do RESULT["$d|$w"]="$median $min $max"; done < <(grep -E '^RESULT' "$out")
  if (( rc != 0 )); then
    log "$db: the driver failed (exit $rc), see $out"; grep -m1 -E 'Exception|Error' "$out" >&2
    NOTES+=("$db: driver exit $rc: $(grep -m1 -E 'Exception|Error' "$out" | cut -c1-200) (\`$RUN_REL/$1-driver.log\`)")
  fi
}

build_sluice || exit 1
start_sluice || exit 1
load_before="$(loadavg)"
ran=""
for db in $DATABASES; do
  case "$db" in
    h2) mkdir -p "$RUN/h2"; run_db h2 "jdbc:h2:file:$RUN/h2/bench" "" && ran="$ran h2" ;;
    postgresql) if pg_start; then run_db postgresql "$PG_URL" postgres && ran="$ran postgresql"; pg_stop; fi ;;
    *) log "unknown database '$db' in DATABASES"; exit 2 ;;
  esac
done
LOADS+=("$load_before before, $(loadavg) after")
stop_brokers
[[ "$KEEP_DATA" == 1 ]] || rm -rf "$WORK/data/sluice-jdbc-$STAMP" "$RUN/h2"

ratio_to() { # ratio_to VALUE CEILING
  if num "$1" && num "$2" && awk -v c="$2" 'BEGIN { exit !(c > 0) }'; then awk -v v="$1" -v c="$2" 'BEGIN { printf "%.2f", v / c }'; else echo n/a; fi
}
{
  echo "# JDBC connectors: rows/s against a plain-JDBC ceiling"
  echo
  machine_line
  echo "Sluice broker: \`$BROKER_JVM_OPTS\`; driver JVM (standalone Connect worker in-process, JsonConverter with schemas, and the ceilings): \`$DRIVER_JVM_OPTS\`."
  echo "$(count_label "$ROWS") rows per round (id BIGINT, name VARCHAR, qty INT, price DOUBLE, plus created TIMESTAMP in the source table), one table, one task, one partition; a warm-up round of $(count_label "$WARMUP") rows, then $ROUNDS round(s): medians, min–max."
  echo "Connector rows/s count from the first row seen in the topic (source) or table (sink) to the last, so that the connector's start-up (task start, consumer group join: a few seconds, in the run's log) is not part of the throughput; ceilings are timed whole."
  echo "Source: batch.max.rows=$BATCH_MAX_ROWS, tasks.max=1; select ceiling: one \`SELECT * ORDER BY id\` reading every column, fetch size $BATCH_MAX_ROWS."
  echo "Sink: batch.size 3000, auto.create, a fresh table per round, upsert with pk.mode=record_value; insert ceiling: \`INSERT\` batches of 3000 rows, one transaction each, into a table with the same columns."
  echo "H2: file database, same JVM as the worker. PostgreSQL: throw-away cluster on loopback, fsync=off, synchronous_commit=off."
  echo "Load average (1/5/15 min) — this machine is shared, so the numbers are noisy: $(printf '%s; ' "${LOADS[@]}" | sed 's/; $//')."
  echo
  echo "| database | workload | rows/s | min–max | ceiling rows/s | ratio to ceiling |"
  echo "| --- | --- | ---: | ---: | ---: | ---: |"
  for db in $DATABASES; do
    for w in "source bulk" "source incrementing" "sink insert, exactly.once off" "sink insert, exactly.once on" \
             "sink upsert, exactly.once off" "sink upsert, exactly.once on"; do
      read -r m lo hi <<<"${RESULT["$db|$w"]:-failed failed failed}"
      if [[ "$w" == source* ]]; then c="select ceiling"; else c="insert ceiling"; fi
      read -r cm _ _ <<<"${RESULT["$db|$c"]:-failed failed failed}"
      echo "| $db | $w | $(fmt "$m") | $(fmt "$lo")–$(fmt "$hi") | $(fmt "$cm") | $(ratio_to "$m" "$cm") |"
    done
  done
  table_end "Failures"
} >"$RUN/results.md"
echo
cat "$RUN/results.md"
if [[ "$(echo $ran)" == "$(echo $DATABASES)" && "$DATABASES" == *h2* && "$DATABASES" == *postgresql* ]]; then
  cp "$RUN/results.md" "$BENCH/results/jdbc-latest.md"; log "table written to bench/results/jdbc-latest.md"
else
  log "not every database ran: table left in $RUN_REL/results.md"
fi
