# summary.json follows its documented, versioned schema (outputs.md §5) on a
# training cluster, an inference cluster and a run with skipped ranks.
source "$(dirname "$0")/lib/common.sh"
chk="$CS_SRC/tests/tools/check_summary.py"
gen "$CS_TMP/train" --ranks 8 --tp 4 --pp 2 --steps 2 --slow-rank 6
run_cs 2 -d "$CS_TMP/train" -o "$CS_TMP/t.out" --export_type json --quiet
s="$CS_TMP/t.out/cluster_analysis_output/summary.json"
check "train: schema" "$PY" "$chk" "$s"
check "train: only summary.json with json" test "$(ls "$CS_TMP/t.out/cluster_analysis_output")" = summary.json
check "train: stragglers name rank 6 first" "$PY" -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["stragglers"][0]["rank"] != 6)' "$s"
gen "$CS_TMP/infer" --workload infer --ranks 4 --tp 4 --steps 3
run_cs 1 -d "$CS_TMP/infer" -o "$CS_TMP/i.out" --export_type json --quiet
check "infer: schema" "$PY" "$chk" "$CS_TMP/i.out/cluster_analysis_output/summary.json"
check "infer: no step ids, one step" grep -q '"step_ids": \[\]' "$CS_TMP/i.out/cluster_analysis_output/summary.json"
set +e; run_cs 1 -d "$CS_TMP/train" -o "$CS_TMP/r.out" --export_type json --rank_list 0,1,42 --quiet; set -e
check "skipped: schema" "$PY" "$chk" "$CS_TMP/r.out/cluster_analysis_output/summary.json"
check "skipped: lists rank 42" grep -q '"rank": 42' "$CS_TMP/r.out/cluster_analysis_output/summary.json"
finish
