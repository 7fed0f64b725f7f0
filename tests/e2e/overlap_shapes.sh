# Overlap end to end on generated clusters of several shapes: every run
# succeeds, has the expected rows, and agrees with the independent Python
# reference (tests/tools/overlap_ref.py) value by value.
source "$(dirname "$0")/lib/common.sh"
ref="$CS_SRC/tests/tools/overlap_ref.py"
cmp_csv="$CS_SRC/tests/tools/compare_csv.py"

shape() { # shape NAME EXPECTED_RANK_ROWS EXPECTED_STAGE_ROWS GEN_ARGS...
  local name=$1 want_rank=$2 want_stage=$3; shift 3
  local in="$CS_TMP/$name" out="$CS_TMP/$name.out"
  gen "$in" "$@"
  check "$name: exit 0" run_cs 2 -d "$in" -o "$out" --export_type csv --quiet
  local csv="$out/cluster_analysis_output/cluster_step_trace_time.csv"
  check_eq "$name: rank rows" "$(grep -c ',rank,' "$csv")" "$want_rank"
  check_eq "$name: stage rows" "$(grep -c ',stage,' "$csv" || true)" "$want_stage"
  python3 "$ref" "$in" >"$CS_TMP/$name.ref.csv"
  check "$name: equals the Python reference" python3 "$cmp_csv" "$CS_TMP/$name.ref.csv" "$csv"
}

# tp=4 dp=2, 2 steps: 8 ranks x 2 steps, no pipeline -> no stage rows
shape tp_dp 16 0 --ranks 8 --tp 4 --steps 2
# tp only
shape tp_only 8 0 --ranks 4 --tp 4 --steps 2
# tp=4 pp=2 dp=2: 2 stages x 2 steps
shape tp_pp 32 4 --ranks 16 --tp 4 --pp 2 --steps 2
# vLLM-style inference: no steps -> one row per rank with an empty step
shape infer 4 0 --workload infer --ranks 4 --tp 4 --steps 3
# a single card
shape one_rank 2 0 --ranks 1 --tp 1 --steps 2
# hundreds of ranks on 32 hosts: tp=8 pp=2 dp=16, one step
shape hundreds 256 2 --ranks 256 --tp 8 --pp 2 --steps 1 --layers 2

# The inference rows have an empty step, as the reference writes them.
check "infer: empty step cell" grep -q '^,rank,0,' "$CS_TMP/infer.out/cluster_analysis_output/cluster_step_trace_time.csv"
# The slow rank computes longer than its peers in every step.
gen "$CS_TMP/slow" --ranks 8 --tp 4 --steps 2 --slow-rank 5 --slow-factor 3
run_cs 1 -d "$CS_TMP/slow" -o "$CS_TMP/slow.out" --export_type csv --quiet
top=$(awk -F, 'NR>1 && $2=="rank" {print $4, $3}' "$CS_TMP/slow.out/cluster_analysis_output/cluster_step_trace_time.csv" | sort -g | tail -1 | cut -d' ' -f2)
check_eq "slow rank computes most" "$top" 5
finish
