# Communication and wait attribution end to end: the injected slow rank is
# the top straggler with reason compute on three layouts; Transit + Wait +
# Idle = Elapse on every op row; an injected clock offset is recovered; bad
# inputs give clear notes and skips, not crashes.
source "$(dirname "$0")/lib/common.sh"
out_of() { echo "$CS_TMP/$1.out/cluster_analysis_output"; }

layout() { # layout NAME SLOW GEN_ARGS...
  local name=$1 slow=$2; shift 2
  gen "$CS_TMP/$name" --steps 2 --slow-rank "$slow" --slow-factor 3 "$@"
  check "$name: run" run_cs 2 -d "$CS_TMP/$name" -o "$CS_TMP/$name.out" --export_type csv --quiet
  local s
  s="$(out_of "$name")/Stragglers/cluster_stragglers.csv"
  check_eq "$name: top straggler" "$(sed -n 2p "$s" | cut -d, -f1,6)" "$slow,compute"
  check "$name: transit + wait + idle = elapse" "$PY" -c '
import csv, sys
bad = 0
for r in list(csv.DictReader(open(sys.argv[1]))):
    e, t, w, i = (float(r[k]) for k in ("elapsed_time", "transit_time", "wait_time", "idle_time"))
    if abs(t + w + i - e) > 1e-9 * max(abs(e), abs(t) + abs(w) + abs(i), 1e-12):
        bad += 1
        print(r)
sys.exit(1 if bad else 0)' "$(out_of "$name")/CommunicationTimeSum/cluster_communication_time.csv"
}
layout tp_only 2 --ranks 4 --tp 4
layout tp_dp 5 --ranks 8 --tp 4
layout tp_pp 9 --ranks 16 --tp 4 --pp 2

o=$(out_of tp_pp)
check "matrix has totals" grep -q ',Total Op Info,' "$o/CommMatrixSum/cluster_communication_matrix.csv"
check "bandwidth has HCCS rows" grep -q ',HCCS,' "$o/CommunicationTimeSum/cluster_communication_bandwidth.csv"
check "summary names the straggler" grep -q '"rank": 9' "$o/summary.json"
check "summary has bandwidth" grep -q '"bandwidth_gbps"' "$o/summary.json"

# two hosts, the second one 300 us ahead
gen "$CS_TMP/skew" --ranks 16 --tp 4 --pp 2 --steps 1 --clock-offset-us 1=300
run_cs 1 -d "$CS_TMP/skew" -o "$CS_TMP/skew.out" --export_type csv -m straggler --quiet
off=$(awk -F, '$1 == "node1" {print $3}' "$(out_of skew)/Stragglers/cluster_clock_offsets.csv")
check "offset of node1 is 300 us (got $off)" awk -v x="$off" 'BEGIN { exit !(x > 299 && x < 301) }'
check_eq "node0 is the reference" "$(awk -F, '$1 == "node0" {print $3}' "$(out_of skew)/Stragglers/cluster_clock_offsets.csv")" "0.0"

# bad inputs on a copy: no small tasks on rank 1, ops without group and NULL sizes on rank 2
gen "$CS_TMP/bad" --ranks 4 --tp 4 --steps 1
db() { find "$CS_TMP/bad" -name "ascend_pytorch_profiler_$1.db"; }
sqlite3 "$(db 1)" "DROP TABLE COMMUNICATION_TASK_INFO"
sqlite3 "$(db 2)" "UPDATE COMMUNICATION_OP SET groupName = NULL WHERE opId % 5 = 0; UPDATE COMMUNICATION_TASK_INFO SET size = NULL WHERE rowid % 7 = 0"
set +e; run_cs 2 -d "$CS_TMP/bad" -o "$CS_TMP/bad.out" --export_type csv; rc=$?; set -e
check_eq "bad: partial" "$rc" 3
check "bad: rank 1 skipped for communication" grep -q 'skipped: rank 1 (communication): no COMMUNICATION_TASK_INFO' "$CS_TMP/stderr"
check "bad: ops without group counted" grep -q 'rank 2: [0-9]* ops without a group name left out (communication)' "$CS_TMP/stderr"
check "bad: NULL sizes counted" grep -q 'rank 2: [0-9]* small tasks with a NULL size left out of the bandwidth (communication)' "$CS_TMP/stderr"
check "bad: other ranks have rows" grep -q '^step1,3,' "$(out_of bad)/CommunicationTimeSum/cluster_communication_time.csv"
finish
