# The output is the same whatever the number of MPI processes: identical CSV
# bytes, an identical sqlite3 .dump of the output database, identical
# summary.json without tool_version and input.dir (outputs.md §2).
source "$(dirname "$0")/lib/common.sh"
in="$CS_TMP/cluster"
gen "$in" --ranks 16 --tp 4 --pp 2 --steps 2
small="$CS_TMP/small"
gen "$small" --ranks 2 --tp 2 --steps 1

strip_summary() { grep -v '"tool_version"\|"dir"' "$1"; }

for np in 1 2 3 4; do
  run_cs "$np" -d "$in" -o "$CS_TMP/csv$np" --export_type csv --quiet
  run_cs "$np" -d "$in" -o "$CS_TMP/db$np" --export_type db --quiet
  sqlite3 "$CS_TMP/db$np/cluster_analysis_output/cluster_analysis.db" .dump >"$CS_TMP/dump$np.sql"
  # more processes than ranks
  run_cs "$np" -d "$small" -o "$CS_TMP/small$np" --export_type csv --quiet
done
for np in 2 3 4; do
  check "csv P=$np equals P=1" diff -r -x summary.json "$CS_TMP/csv1" "$CS_TMP/csv$np"
  check "db dump P=$np equals P=1" cmp "$CS_TMP/dump1.sql" "$CS_TMP/dump$np.sql"
  check "summary P=$np equals P=1" diff <(strip_summary "$CS_TMP/csv1/cluster_analysis_output/summary.json") \
    <(strip_summary "$CS_TMP/csv$np/cluster_analysis_output/summary.json")
  check "2 ranks on P=$np equals P=1" diff -r -x summary.json "$CS_TMP/small1" "$CS_TMP/small$np"
done
check_eq "rank rows" "$(grep -c ',rank,' "$CS_TMP/csv1/cluster_analysis_output/cluster_step_trace_time.csv")" 32
check "db has the step trace" test "$(grep -c 'INSERT INTO ClusterStepTraceTime' "$CS_TMP/dump1.sql")" -eq 36
finish
