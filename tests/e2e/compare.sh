# clusterscope compare (outputs.md §6) on generated clusters: exit statuses,
# the named regression, and compare.csv / compare.xlsx holding the same rows.
source "$(dirname "$0")/lib/common.sh"

gen "$CS_TMP/base" --ranks 8 --tp 4 --steps 2
gen "$CS_TMP/slow" --ranks 8 --tp 4 --steps 2 --slow-rank 5 --slow-factor 3
run_cs 2 -d "$CS_TMP/base" -o "$CS_TMP/base" --export_type json --quiet
run_cs 1 -d "$CS_TMP/slow" -o "$CS_TMP/slow" --export_type json --quiet
base_json="$CS_TMP/base/cluster_analysis_output/summary.json"
check "base summary" test -s "$base_json"

# cmpr ARGS... : compare without mpirun; stdout to $CS_TMP/out, stderr to $CS_TMP/err, prints the status
cmpr() { set +e; "$CS_BIN" compare "$@" >"$CS_TMP/out" 2>"$CS_TMP/err" </dev/null; echo $?; set -e; }

# identical inputs, as a folder and as the file
check_eq "identical" "$(cmpr "$CS_TMP/base" "$base_json")" 0
check_eq "identical: last line" "$(tail -n 1 "$CS_TMP/out")" "regressions: 0"
check "identical: header" grep -q '^metric  *family  *base  *new  *change_pct  *threshold_pct  *status$' "$CS_TMP/out"
check "identical: no regression row" bash -c "! grep -q ' regression$' '$CS_TMP/out'"

# the slow rank regresses: exit 1, its compute time named
check_eq "slow rank" "$(cmpr "$CS_TMP/base" "$CS_TMP/slow")" 1
check "slow rank: computing_us named" grep -q '^ranks\[5\]\.computing_us  *time .* regression$' "$CS_TMP/out"
check "slow rank: step time named" grep -q '^cluster\.step_time_us  *time .* regression$' "$CS_TMP/out"
n=$(grep -c ' regression$' "$CS_TMP/out" || true)
check_eq "slow rank: count" "$(tail -n 1 "$CS_TMP/out")" "regressions: $n"
# reversed, under a threshold nothing reaches: no regression
check_eq "reversed, huge threshold" "$(cmpr "$CS_TMP/slow" "$CS_TMP/base" --threshold 100000)" 0

# bad input: exit 2, the file named
printf '{"schema": "other/1"}\n' >"$CS_TMP/other.json"
check_eq "bad schema" "$(cmpr "$CS_TMP/base" "$CS_TMP/other.json")" 2
check "bad schema: file named" grep -q "other.json" "$CS_TMP/err"
check_eq "missing file" "$(cmpr "$CS_TMP/nope.json" "$CS_TMP/base")" 2
check "missing file: named" grep -q "nope.json" "$CS_TMP/err"
printf 'not json' >"$CS_TMP/garbage.json"
check_eq "not JSON" "$(cmpr "$CS_TMP/base" "$CS_TMP/garbage.json")" 2
check_eq "bad threshold" "$(cmpr "$CS_TMP/base" "$CS_TMP/slow" --threshold speed=5)" 2
check_eq "bad export type" "$(cmpr "$CS_TMP/base" "$CS_TMP/slow" --export_type db)" 2

# csv and excel
check_eq "csv" "$(cmpr "$CS_TMP/base" "$CS_TMP/slow" --export_type csv -o "$CS_TMP/cmp")" 1
check "compare.csv" test -s "$CS_TMP/cmp/compare.csv"
table_rows=$(($(wc -l <"$CS_TMP/out") - 2))   # header and "regressions: N"; no notes here
check_eq "csv rows = printed rows" "$(rows "$CS_TMP/cmp/compare.csv")" "$table_rows"
check_eq "excel" "$(cmpr "$CS_TMP/base" "$CS_TMP/slow" --export_type excel -o "$CS_TMP/cmp")" 1
check "compare.xlsx" test -s "$CS_TMP/cmp/compare.xlsx"

# the workbook read back: one sheet Compare, the CSV's rows, bold frozen
# header, regression rows (and only those) filled #FFC7CE with font #9C0006
check "xlsx = csv" "$PY" - "$CS_TMP/cmp/compare.xlsx" "$CS_TMP/cmp/compare.csv" <<'EOF'
import csv, math, sys
import openpyxl

wb = openpyxl.load_workbook(sys.argv[1])
assert wb.sheetnames == ["Compare"], wb.sheetnames
ws = wb["Compare"]

def same(cell, text):
    v = cell.value
    if v is None:
        return text == ""
    if isinstance(v, (int, float)):
        # libxlsxwriter writes 16 significant digits (%.16G), not the
        # shortest round-trip form: equal within that precision
        return text != "" and math.isclose(v, float(text), rel_tol=1e-15, abs_tol=0.0)
    return v == text

with open(sys.argv[2], newline="") as f:
    want = list(csv.reader(f))
rows = list(ws.iter_rows())
assert len(rows) == len(want), (len(rows), len(want))
for r, (row, w) in enumerate(zip(rows, want)):
    assert len(row) == len(w) and all(same(c, t) for c, t in zip(row, w)), (r, [c.value for c in row], w)
assert ws.freeze_panes == "A2", ws.freeze_panes
assert all(c.font.b for c in ws[1]), "header not bold"
status = want[0].index("status")
for r, row in enumerate(ws.iter_rows(min_row=2), start=1):
    marked = want[r][status] == "regression" or (
        want[r][status] == "missing" and not want[r][0].startswith("modules["))
    for c in row:
        filled = c.fill.fill_type == "solid" and c.fill.fgColor.rgb == "FFFFC7CE"
        assert filled == marked, (r, c.coordinate, c.fill.fgColor.rgb)
        if marked:
            assert c.font.color is not None and c.font.color.rgb == "FF9C0006", c.coordinate
EOF

# an output that cannot be written
check_eq "-o is a file" "$(cmpr "$CS_TMP/base" "$CS_TMP/slow" --export_type csv -o "$CS_TMP/other.json")" 2
finish
