#!/usr/bin/env python3
"""Independent checks of clusterscope's module_statistic outputs.

  check_modules.py truth CLUSTER_DIR OUT_DIR
      every rank's per-module totals (forward rows, summed per path) equal
      the generator's ground truth (ground_truth.json: module_kernel_ns +
      module_comm_ns), exactly.
  check_modules.py xlsx OUT_CSV_DIR OUT_XLSX_DIR
      the workbook's ModuleStatistic sheet equals module_statistic_cluster.csv
      and every per-rank module_statistic_{rank}.xlsx equals its CSV, cell by
      cell (merged cells filled from the cell above), read with openpyxl.
Exit status 0 when everything matches, 1 otherwise (differences printed).
"""
import csv
import json
import math
import os
import re
import sys

failures = []


def fail(msg):
    failures.append(msg)
    if len(failures) <= 20:
        print("FAIL:", msg)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def check_truth(cluster, out):
    truth = json.load(open(os.path.join(cluster, "ground_truth.json")))
    mod_dir = os.path.join(out, "cluster_analysis_output", "ModuleStatistic")
    checked = 0
    for info in truth["rank_info"]:
        rank = info["rank"]
        want = dict(info["module_kernel_ns"])
        for path, ns in info.get("module_comm_ns", {}).items():
            want[path] = want.get(path, 0) + ns
        path = os.path.join(mod_dir, "module_statistic_%d.csv" % rank)
        if not want:
            if os.path.exists(path):
                fail("rank %d: no module truth but %s exists" % (rank, path))
            continue
        rows = read_csv(path)
        got = {}
        for r in rows[1:]:
            parent, module, total = r[0], r[1], float(r[4])
            if module.startswith("[Backward]"):
                continue
            key = parent + "/" + module if parent else module
            got[key] = got.get(key, 0.0) + total
        for key in sorted(set(want) | set(got)):
            if abs(got.get(key, 0.0) - want.get(key, 0)) > 1e-6:
                fail("rank %d module %s: clusterscope %r, ground truth %r" % (rank, key, got.get(key), want.get(key)))
        checked += 1
    print("truth: %d ranks checked" % checked)


def same_cell(x, c):
    """x: openpyxl value; c: CSV text."""
    if x is None:
        return c == ""
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        try:
            v = float(c)
        except ValueError:
            return False
        return abs(x - v) <= 1e-12 * max(1.0, abs(x), abs(v))
    return str(x) == c


def compare_sheet(ws, rows, label, merged=False):
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    if merged:
        # a merged range shows its value in the top cell only: spread it, and
        # only there (an unmerged empty cell stays empty)
        for rng in ws.merged_cells.ranges:
            top = values[rng.min_row - 1][rng.min_col - 1]
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    values[r - 1][c - 1] = top
    if len(values) != len(rows):
        fail("%s: %d rows in the sheet, %d in the CSV" % (label, len(values), len(rows)))
    for i, (xr, cr) in enumerate(zip(values, rows)):
        for j, c in enumerate(cr):
            x = xr[j] if j < len(xr) else None
            if not same_cell(x, c):
                fail("%s row %d col %d: xlsx %r, csv %r" % (label, i + 1, j + 1, x, c))


def check_xlsx(csv_out, xlsx_out):
    import openpyxl
    cdir = os.path.join(csv_out, "cluster_analysis_output")
    xdir = os.path.join(xlsx_out, "cluster_analysis_output")
    wb = openpyxl.load_workbook(os.path.join(xdir, "cluster_analysis.xlsx"))
    ws = wb["ModuleStatistic"]
    rows = read_csv(os.path.join(cdir, "ModuleStatistic", "module_statistic_cluster.csv"))
    # the chart-data block to the right of the table is not part of the CSV
    compare_sheet(ws, rows, "ModuleStatistic sheet")
    n = 0
    for name in sorted(os.listdir(os.path.join(cdir, "ModuleStatistic"))):
        m = re.match(r"module_statistic_(\d+)\.csv$", name)
        if not m:
            continue
        path = os.path.join(xdir, "ModuleStatistic", "module_statistic_%s.xlsx" % m.group(1))
        wbr = openpyxl.load_workbook(path)
        if wbr.sheetnames != ["Sheet1"]:
            fail("%s: sheets %r" % (path, wbr.sheetnames))
        compare_sheet(wbr["Sheet1"], read_csv(os.path.join(cdir, "ModuleStatistic", name)), path, merged=True)
        n += 1
    print("xlsx: cluster sheet and %d per-rank workbooks checked" % n)


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("truth", "xlsx"):
        print(__doc__)
        return 2
    if sys.argv[1] == "truth":
        check_truth(sys.argv[2], sys.argv[3])
    else:
        check_xlsx(sys.argv[2], sys.argv[3])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
