# slow_rank and hccl_sum end to end (analyses.md §2.e, §2.f; outputs.md §2):
# the injected slow rank gets the most votes; hccl_sum writes rows in every
# form, the same CSV bytes for any process count; hccl_sum has no Excel form.
source "$(dirname "$0")/lib/common.sh"
in="$CS_TMP/cluster"
slow=5
gen "$in" --ranks 8 --tp 4 --steps 2 --slow-rank "$slow" --slow-factor 3
out_of() { echo "$CS_TMP/$1/cluster_analysis_output"; }
code() { set +e; "$@" >/dev/null 2>&1; echo $?; set -e; }

# slow_rank, db: the slow rank leads SlowRank
check "slow_rank db run" run_cs 2 -d "$in" -o "$CS_TMP/sr_db" -m slow_rank --quiet
db="$(out_of sr_db)/cluster_analysis.db"
check_eq "slow rank has the largest count" \
  "$("$PY" -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT rankId FROM SlowRank ORDER BY slowAffectCount DESC, rankId LIMIT 1").fetchone()[0])' "$db")" "$slow"
check "SlowOpStats has rows" "$PY" -c 'import sqlite3,sys; sys.exit(0 if sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM SlowOpStats").fetchone()[0] > 0 else 1)' "$db"

# slow_rank, csv: same votes for P=1 and P=2, (Us) headers, µs divided once
check "slow_rank csv P=1" run_cs 1 -d "$in" -o "$CS_TMP/sr1" -m slow_rank --export_type csv --quiet
check "slow_rank csv P=2" run_cs 2 -d "$in" -o "$CS_TMP/sr2" -m slow_rank --export_type csv --quiet
for f in rank_stats.csv slow_op_stats.csv; do
  check "slow_rank $f identical for P=1, P=2" cmp "$(out_of sr1)/SlowRankAnalysis/$f" "$(out_of sr2)/SlowRankAnalysis/$f"
done
check_eq "rank_stats header" "$(head -1 "$(out_of sr1)/SlowRankAnalysis/rank_stats.csv")" "rankId,slowAffectCount"
check_eq "slow_op_stats header" "$(head -1 "$(out_of sr1)/SlowRankAnalysis/slow_op_stats.csv")" \
  "SlowRank,OpName,GroupName,Timestamp,Count,Mean(Us),Std(Us),Min(Us),Q1(Us),Median(Us),Q3(Us),Max(Us),Sum(Us)"
check "csv Mean(Us) equals the db MeanNs (µs, divided once)" "$PY" -c '
import csv, sqlite3, sys
db = {(r[0], r[1], r[2]): r[3] for r in sqlite3.connect(sys.argv[1]).execute("SELECT OpName, GroupName, Timestamp, MeanNs FROM SlowOpStats")}
rows = list(csv.DictReader(open(sys.argv[2])))
ok = rows and all(abs(float(r["Mean(Us)"]) - db[(r["OpName"], r["GroupName"], int(r["Timestamp"]))]) < 1e-9 for r in rows)
sys.exit(0 if ok else 1)' "$db" "$(out_of sr1)/SlowRankAnalysis/slow_op_stats.csv"

# slow_rank, excel: the blocks in the Stragglers sheet
check "slow_rank excel run" run_cs 2 -d "$in" -o "$CS_TMP/sr_x" -m slow_rank --export_type excel --quiet
x="$(out_of sr_x)/cluster_analysis.xlsx"
check "workbook has a Stragglers sheet" bash -c "unzip -p '$x' xl/workbook.xml | grep -q 'name=\"Stragglers\"'"
for h in 'Slow Affect Count' SlowOpStats 'Timestamp(ns)'; do
  check "Stragglers sheet holds $h" bash -c "unzip -p '$x' 'xl/worksheets/sheet*.xml' | grep -qF '$h'"
done

# hccl_sum
check "hccl_sum db run" run_cs 2 -d "$in" -o "$CS_TMP/hs_db" -m hccl_sum --quiet
for t in HcclAllRankStats HcclPerRankStats HcclTopOpStats HcclGroupNameMap; do
  check "$t has rows" "$PY" -c 'import sqlite3,sys; sys.exit(0 if sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM " + sys.argv[2]).fetchone()[0] > 0 else 1)' "$(out_of hs_db)/cluster_analysis.db" "$t"
done
check "HcclTopOpStats has at most 15 rows" "$PY" -c 'import sqlite3,sys; sys.exit(0 if sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM HcclTopOpStats").fetchone()[0] <= 15 else 1)' "$(out_of hs_db)/cluster_analysis.db"
check "hccl_sum csv P=1" run_cs 1 -d "$in" -o "$CS_TMP/hs1" -m hccl_sum --export_type csv --top_num 3 --quiet
check "hccl_sum csv P=2" run_cs 2 -d "$in" -o "$CS_TMP/hs2" -m hccl_sum --export_type csv --top_num 3 --quiet
for f in all_stats.csv rank_stats.csv top_op_stats.csv group_name_map.csv; do
  check "HcclSum/$f has rows" test "$(rows "$(out_of hs1)/HcclSum/$f")" -gt 0
  check "HcclSum/$f identical for P=1, P=2" cmp "$(out_of hs1)/HcclSum/$f" "$(out_of hs2)/HcclSum/$f"
done
check_eq "--top_num 3" "$(rows "$(out_of hs1)/HcclSum/top_op_stats.csv")" 3
check_eq "all_stats header" "$(head -1 "$(out_of hs1)/HcclSum/all_stats.csv")" \
  "OpType,Count,Mean(Us),Std(Us),Min(Us),Q1(Us),Median(Us),Q3(Us),Max(Us),Sum(Us)"
check_eq "hccl_sum excel is a usage error" "$(code "$CS_BIN" -d "$in" -o "$CS_TMP/hs_x" -m hccl_sum --export_type excel)" 2
"$CS_BIN" -d "$in" -o "$CS_TMP/hs_x" -m hccl_sum --export_type excel 2>"$CS_TMP/err" || true
check "message names the accepted values" grep -q 'db, csv, text or json' "$CS_TMP/err"
check "nothing written" test ! -e "$(out_of hs_x)/cluster_analysis.xlsx"
# --step_id: the STEP_TIME window; an id no rank has is fatal
check "hccl_sum --step_id 1" run_cs 1 -d "$in" -o "$CS_TMP/hs_s1" -m hccl_sum --step_id 1 --export_type csv --quiet
check_eq "slow_rank --step_id 99" "$(code "$CS_BIN" -d "$in" -o "$CS_TMP/sr_s99" -m slow_rank --step_id 99)" 2
finish
