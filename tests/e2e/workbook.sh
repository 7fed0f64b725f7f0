# cluster_analysis.xlsx opened by LibreOffice (headless) and openpyxl: every
# table sheet equals the CSV export value by value, sheets in the documented
# order, the Overview holds its blocks and renders to a picture.
source "$(dirname "$0")/lib/common.sh"
in="$CS_TMP/c"
gen "$in" --ranks 8 --tp 4 --pp 2 --steps 2 --slow-rank 3 --slow-factor 3
run_cs 2 -d "$in" -o "$CS_TMP/csv" --export_type csv --quiet || true
run_cs 2 -d "$in" -o "$CS_TMP/xlsx" --export_type excel --quiet || true
book="$CS_TMP/xlsx/cluster_analysis_output/cluster_analysis.xlsx"
check "workbook written" test -s "$book"
profile="file://$CS_TMP/lo_profile"
soffice -env:UserInstallation="$profile" --headless \
  --convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1' \
  --outdir "$CS_TMP/lo" "$book" >"$CS_TMP/lo.log" 2>&1
check "LibreOffice converted every sheet" test -s "$CS_TMP/lo/cluster_analysis-Overview.csv"
check "sheets equal the CSV export" "$PY" "$CS_SRC/tests/tools/check_workbook.py" "$CS_TMP/lo" "$CS_TMP/csv" "$book"
ov="$CS_TMP/lo/cluster_analysis-Overview.csv"
for block in Run Findings Notes Skipped Hosts Groups; do
  check "Overview block $block" grep -q "^$block" "$ov"
done
check "Overview names the slow rank" grep -q 'rank 3 (compute)' "$ov"
check "Overview has four charts" "$PY" -c '
import openpyxl, sys
wb = openpyxl.load_workbook(sys.argv[1])
sys.exit(0 if len(wb["Overview"]._charts) == 4 and len(wb["StepTrace"]._charts) == 1 else 1)' "$book"
soffice -env:UserInstallation="$profile" --headless --convert-to pdf --outdir "$CS_TMP/pdf" "$book" >/dev/null 2>&1
pdftoppm -png -r 96 -singlefile -f 1 -l 1 "$CS_TMP/pdf/cluster_analysis.pdf" "$CS_TMP/overview"
check "Overview renders" test -s "$CS_TMP/overview.png"
finish
