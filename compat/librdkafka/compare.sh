#!/usr/bin/env bash
# Kafka's and Sluice's latest librdkafka suite results side by side (compat/results/librdkafka-*-latest.md):
# every entry whose results differ, the entries that pass on Kafka and not on Sluice first.
#   compat/librdkafka/compare.sh [KAFKA_MD SLUICE_MD]
set -euo pipefail
RESULTS="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/results"
K="${1:-$RESULTS/librdkafka-kafka-latest.md}"
S="${2:-$RESULTS/librdkafka-sluice-latest.md}"
for f in "$K" "$S"; do [[ -f "$f" ]] || { echo "missing $f (run compat/librdkafka/run.sh first)" >&2; exit 1; }; done

# rows "| test | result | s | detail |" -> "test<TAB>result<TAB>detail"
rows() { awk -F' \\| ' '/^\| [0-9][0-9][0-9][0-9]_/ { t = substr($1, 3); gsub(/\*/, "", $2); d = $4; sub(/ \|$/, "", d); print t "\t" $2 "\t" d }' "$1"; }

join -t $'\t' -a1 -a2 -e '-' -o 0,1.2,2.2,2.3 <(rows "$K" | sort) <(rows "$S" | sort) | awk -F'\t' '
  BEGIN { print "| test | Kafka | Sluice | Sluice detail |"; print "| --- | --- | --- | --- |" }
  $2 == "pass" && $3 != "pass" { worse[++w] = sprintf("| %s | %s | **%s** | %s |", $1, $2, $3, $4); next }
  $2 != $3 { other[++o] = sprintf("| %s | %s | %s | %s |", $1, $2, $3, $4) }
  END {
    for (i = 1; i <= w; i++) print worse[i]
    for (i = 1; i <= o; i++) print other[i]
    printf "\n%d entries pass on Kafka and not on Sluice; %d more differ otherwise.\n", w, o
  }'
