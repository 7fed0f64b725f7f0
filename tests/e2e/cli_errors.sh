# Exit codes and messages of the command line (outputs.md §2).
source "$(dirname "$0")/lib/common.sh"
in="$CS_TMP/cluster"
gen "$in" --ranks 4 --tp 2 --steps 1

code() { set +e; "$@" >/dev/null 2>&1; echo $?; set -e; }

check_eq "no -d" "$(code "$CS_BIN")" 2
check_eq "unknown flag" "$(code "$CS_BIN" -d "$in" --bogus)" 2
check_eq "unknown mode" "$(code "$CS_BIN" -d "$in" -m nosuchmode)" 2
"$CS_BIN" -d "$in" -m nosuchmode 2>"$CS_TMP/err" || true
check "unknown mode lists the modes" grep -q "available modes: all" "$CS_TMP/err"
check_eq "missing folder" "$(code "$CS_BIN" -d "$CS_TMP/nope")" 2
check "missing folder not created" test ! -e "$CS_TMP/nope"
mkdir -p "$CS_TMP/empty"
check_eq "empty folder" "$(code "$CS_BIN" -d "$CS_TMP/empty")" 2
touch "$CS_TMP/afile"
check_eq "-o is a file" "$(code "$CS_BIN" -d "$in" -o "$CS_TMP/afile")" 2
check_eq "help" "$(code "$CS_BIN" --help)" 0
check "version" bash -c "'$CS_BIN' -V | grep -q '^clusterscope [0-9]'"
check_eq "good run" "$(code run_cs 2 -d "$in" -o "$CS_TMP/o1")" 0
check "db written" test -s "$CS_TMP/o1/cluster_analysis_output/cluster_analysis.db"
check "summary written" test -s "$CS_TMP/o1/cluster_analysis_output/summary.json"
check "progress lines" grep -q '^clusterscope: discover: 4 rank folders (0 skipped), ' "$CS_TMP/stderr"

# --rank_list with an id that does not exist: the rest analysed, exit 3
set +e; run_cs 2 -d "$in" -o "$CS_TMP/o2" --export_type csv --rank_list 0,2,9; rc=$?; set -e
check_eq "rank_list with unknown id" "$rc" 3
check "skipped line on stderr" grep -q '^clusterscope: skipped: rank 9 (discover): ' "$CS_TMP/stderr"
check_eq "only listed ranks" "$(cut -d, -f3 "$CS_TMP/o2/cluster_analysis_output/cluster_step_trace_time.csv" | sort -u | tr '\n' ' ')" "0 2 Index "
check "skipped.csv" grep -q '^9,,discover,' "$CS_TMP/o2/cluster_analysis_output/skipped.csv"

# a corrupt rank: the others still analysed, exit 3, file named
db=$(find "$in" -name 'ascend_pytorch_profiler_3.db')
cp "$db" "$CS_TMP/saved.db"
head -c 2048 "$CS_TMP/saved.db" >"$db"
set +e; run_cs 2 -d "$in" -o "$CS_TMP/o3" --export_type csv; rc=$?; set -e
check_eq "corrupt rank exit" "$rc" 3
check "corrupt rank named" grep -q "skipped: rank 3 (read): .*ascend_pytorch_profiler_3.db" "$CS_TMP/stderr"
check_eq "other ranks analysed" "$(grep -c ',rank,' "$CS_TMP/o3/cluster_analysis_output/cluster_step_trace_time.csv")" 3
cp "$CS_TMP/saved.db" "$db"

# --step_id: an existing step, and one no rank has
check_eq "step_id 1" "$(code run_cs 1 -d "$in" -o "$CS_TMP/o4" --export_type csv --step_id 1)" 0
check_eq "step_id 1 rows" "$(grep -c ',rank,' "$CS_TMP/o4/cluster_analysis_output/cluster_step_trace_time.csv")" 4
check_eq "step_id 99" "$(code run_cs 1 -d "$in" -o "$CS_TMP/o5" --export_type csv --step_id 99)" 2
check "step_id 99 message" grep -q "no rank has this step; step ids found: 1" "$CS_TMP/stderr"
check "fatal error: the -o folder it made is gone" test ! -e "$CS_TMP/o5"
mkdir -p "$CS_TMP/o6"
check_eq "step_id 99 into an existing -o" "$(code run_cs 1 -d "$in" -o "$CS_TMP/o6" --step_id 99)" 2
check "fatal error: an existing -o stays, empty" test -d "$CS_TMP/o6" -a ! -e "$CS_TMP/o6/cluster_analysis_output"
# --progress bar (forced without a terminal): the live line, redrawn with \r,
# then the phase lines; --progress none: nothing but the report
# (under mpirun the processes get a terminal on stdout from Open MPI, so the bar
# may land there: look at both streams)
run_cs 3 -d "$in" -o "$CS_TMP/o7" --progress bar >"$CS_TMP/stdout"
check "bar line" grep -q $'\rclusterscope: read [0-9]*/4 ranks, ' "$CS_TMP/stderr" "$CS_TMP/stdout"
check "bar then phase line" grep -q '^clusterscope: read: 4 ranks (0 skipped), ' <(tr '\r' '\n' <"$CS_TMP/stderr")
run_cs 2 -d "$in" -o "$CS_TMP/o8" --progress none
check "progress none" test "$(grep -c -E '^clusterscope: (discover|read|merge|write):' "$CS_TMP/stderr")" -eq 0
# absurd distributed_args: a clear note, no parallel indices, no crash
gen "$CS_TMP/wild" --ranks 4 --tp 2 --steps 1
meta=$(find "$CS_TMP/wild" -name profiler_metadata.json | sort | head -1)
"$PY" - "$meta" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["distributed_args"].update(world_size=2**61, tensor_model_parallel_size=2**61)
json.dump(d, open(sys.argv[1], "w"))
PYEOF
check_eq "absurd world_size: exit" "$(code run_cs 1 -d "$CS_TMP/wild" -o "$CS_TMP/o9" --export_type csv)" 0
check "absurd world_size: note" grep -q 'world_size 2305843009213693952 is not plausible' "$CS_TMP/stderr"
# a STRING_IDS without its value column: the reason names it, nothing garbled
db0=$(find "$CS_TMP/wild" -name 'ascend_pytorch_profiler_1.db')
sqlite3 "$db0" "ALTER TABLE STRING_IDS RENAME COLUMN value TO val"
set +e; run_cs 1 -d "$CS_TMP/wild" -o "$CS_TMP/o10" -m module_statistic --export_type csv; set -e
check "renamed column named in the reason" grep -q 'skipped: rank 1 (module_statistic): .*STRING_IDS.*value' "$CS_TMP/stderr"
# quiet: no progress lines
run_cs 1 -d "$in" -o "$CS_TMP/o6" --quiet
check "quiet" test ! -s "$CS_TMP/stderr"
finish
