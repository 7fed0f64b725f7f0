# module_statistic end to end: totals equal the generator's ground truth, the
# workbooks read back by openpyxl equal the CSVs cell by cell, the anomalies
# of analyses.md §2.a give the documented notes, skips and exit codes.
source "$(dirname "$0")/lib/common.sh"
tools="$CS_SRC/tests/tools"
in="$CS_TMP/train"
gen "$in" --ranks 8 --tp 4 --steps 2 --layers 2

check "csv run" run_cs 2 -m module_statistic -d "$in" -o "$CS_TMP/csv" --export_type csv --quiet
mod="$CS_TMP/csv/cluster_analysis_output/ModuleStatistic"
check_eq "per-rank CSVs" "$(ls "$mod" | grep -c '^module_statistic_[0-9]*\.csv$')" 8
check "totals equal the ground truth" "$PY" "$tools/check_modules.py" truth "$in" "$CS_TMP/csv"
check_eq "cluster view header" "$(head -1 "$mod/module_statistic_cluster.csv")" \
  "Parent Module,Module,Op Name,Kernel List,Ranks,Min(ns),Mean(ns),Max(ns),Max Rank,Rank 0,Rank 1,Rank 2,Rank 3,Rank 4,Rank 5,Rank 6,Rank 7"
# every rank runs the same model: each row is on all 8 ranks
check_eq "rows on every rank" "$("$PY" -c 'import csv,sys; print(sum(1 for r in list(csv.reader(open(sys.argv[1])))[1:] if r[4] != "8"))' "$mod/module_statistic_cluster.csv")" 0
check "backward modules" grep -q '\[Backward\]' "$mod/module_statistic_0.csv"

check "excel run" run_cs 3 -m module_statistic -d "$in" -o "$CS_TMP/xlsx" --export_type excel --quiet
check "xlsx equals csv" "$PY" "$tools/check_modules.py" xlsx "$CS_TMP/csv" "$CS_TMP/xlsx"
check "text run" run_cs 1 -m module_statistic -d "$in" -o "$CS_TMP/text" --export_type text --quiet
check_eq "text: reference xlsx per rank" "$(ls "$CS_TMP/text/cluster_analysis_output/ModuleStatistic" | grep -c 'xlsx$')" 8

check "db run" run_cs 2 -m module_statistic -d "$in" -o "$CS_TMP/db" --quiet
db="$CS_TMP/db/cluster_analysis_output/cluster_analysis.db"
check_eq "db rows = csv rows" "$(sqlite3 "$db" 'SELECT count(*) FROM ModuleStatistic')" \
  "$(cat "$mod"/module_statistic_[0-9]*.csv | grep -vc '^Parent Module,')"
check_eq "db schema" "$(sqlite3 "$db" "SELECT group_concat(name || ' ' || type, ', ') FROM pragma_table_info('ModuleStatistic')")" \
  "parentModule TEXT, module TEXT, opName TEXT, kernelList TEXT, totalKernelDuration(ns) REAL, avgKernelDuration(ns) REAL, opCount INTEGER, rankID INTEGER"
check_eq "cluster table rank columns" "$(sqlite3 "$db" "SELECT count(*) FROM pragma_table_info('ModuleStatisticCluster') WHERE name LIKE 'rank\_%' ESCAPE '\\'")" 8

# the same for any number of processes
for np in 1 4; do
  run_cs "$np" -m module_statistic -d "$in" -o "$CS_TMP/csv$np" --export_type csv --quiet
  check "P=$np equals P=2" diff -r -x summary.json "$CS_TMP/csv" "$CS_TMP/csv$np"
done

# --step_id: each step's op counts add up to the whole profile's
opcount() { "$PY" -c 'import csv,sys; print(sum(int(r[6]) for r in list(csv.reader(open(sys.argv[1])))[1:]))' "$1"; }
for s in 1 2; do
  run_cs 1 -m module_statistic -d "$in" -o "$CS_TMP/step$s" --export_type csv --step_id "$s" --quiet
done
check_eq "step 1 + step 2 = all" \
  "$(( $(opcount "$CS_TMP/step1/cluster_analysis_output/ModuleStatistic/module_statistic_0.csv") + \
       $(opcount "$CS_TMP/step2/cluster_analysis_output/ModuleStatistic/module_statistic_0.csv") ))" \
  "$(opcount "$mod/module_statistic_0.csv")"
set +e; run_cs 1 -m module_statistic -d "$in" -o "$CS_TMP/step9" --export_type csv --step_id 9; rc=$?; set -e
check_eq "no rank has step 9" "$rc" 2

# rank 3 profiled without the nn.Module patch, rank 5 in graph mode
gen "$CS_TMP/mixed" --ranks 8 --tp 4 --steps 1 --layers 2 --no-module-ranges 3 --graph-mode-rank 5
set +e; run_cs 2 -m module_statistic -d "$CS_TMP/mixed" -o "$CS_TMP/mixed.out" --export_type csv; rc=$?; set -e
check_eq "mixed: partial" "$rc" 3
check "mixed: rank 3 reason" grep -q 'skipped: rank 3 (module_statistic): no Module ranges (profiled without the nn.Module patch?)' "$CS_TMP/stderr"
check "mixed: rank 5 reason" grep -q 'skipped: rank 5 (module_statistic): no framework-to-kernel links: graphs captured before profiling started?' "$CS_TMP/stderr"
check "mixed: no file for rank 3" test ! -e "$CS_TMP/mixed.out/cluster_analysis_output/ModuleStatistic/module_statistic_3.csv"
check_eq "mixed: 6 rank files" "$(ls "$CS_TMP/mixed.out/cluster_analysis_output/ModuleStatistic" | grep -c '^module_statistic_[0-9]*\.csv$')" 6

# nobody patched nn.Module: -m all notes it and carries on; -m module_statistic fails
gen "$CS_TMP/none" --ranks 4 --tp 4 --steps 1 --layers 1 --no-module-ranges all
set +e; run_cs 1 -d "$CS_TMP/none" -o "$CS_TMP/none.all" --export_type csv; rc=$?; set -e
check_eq "no ranges, -m all: exit" "$rc" 0
check "no ranges, -m all: note" grep -qx 'clusterscope: module_statistic: no rank has Module ranges (profiled without the nn.Module patch?)' "$CS_TMP/stderr"
check "no ranges, -m all: no module files" test ! -e "$CS_TMP/none.all/cluster_analysis_output/ModuleStatistic"
set +e; run_cs 1 -m module_statistic -d "$CS_TMP/none" -o "$CS_TMP/none.mod" --export_type csv; rc=$?; set -e
check_eq "no ranges, -m module_statistic: exit" "$rc" 2
finish
