#!/usr/bin/env python3
"""Checks cluster_analysis.xlsx through an independent reader (outputs.md §4
"Checking the workbook"): LibreOffice's per-sheet CSV conversion compared with
clusterscope's own CSV export, and the sheet order with openpyxl.

  check_workbook.py LO_CSV_DIR CSV_OUT XLSX
LO_CSV_DIR holds cluster_analysis-<Sheet>.csv (soffice --convert-to csv with
token 12 = -1); CSV_OUT is the -o folder of an --export_type csv run.
"""
import csv
import os
import sys

SHEETS = [
    ("StepTrace", "cluster_step_trace_time.csv"),
    ("CommTime", "CommunicationTimeSum/cluster_communication_time.csv"),
    ("CommBandwidth", "CommunicationTimeSum/cluster_communication_bandwidth.csv"),
    ("CommMatrix", "CommMatrixSum/cluster_communication_matrix.csv"),
    ("ModuleStatistic", "ModuleStatistic/module_statistic_cluster.csv"),
]
ORDER = ["Overview", "StepTrace", "CommTime", "CommBandwidth", "CommMatrix", "Stragglers", "ModuleStatistic",
         "TimeSummary"]
failures = 0


def fail(msg):
    global failures
    failures += 1
    if failures <= 20:
        print("FAIL:", msg)


def same(a, b):
    if a == b:
        return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    return abs(x - y) <= 1e-12 * max(1.0, abs(x), abs(y))


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def main():
    lo_dir, out, xlsx = sys.argv[1:4]
    base = os.path.join(out, "cluster_analysis_output")
    checked = 0
    for sheet, name in SHEETS:
        lo_path = os.path.join(lo_dir, "cluster_analysis-%s.csv" % sheet)
        ref_path = os.path.join(base, name)
        if not os.path.exists(lo_path):
            continue
        lo, ref = rows(lo_path), rows(ref_path)
        ncols = len(ref[0])
        # the chart-data block sits right of the table; rows past the table
        # hold only that block
        lo = [r[:ncols] for r in lo]
        while len(lo) > len(ref) and not any(lo[-1]):
            lo.pop()
        if len(lo) != len(ref):
            fail("%s: %d rows, CSV %d" % (sheet, len(lo), len(ref)))
        for i, (a, b) in enumerate(zip(lo[1:], ref[1:]), start=2):
            for j in range(ncols):
                x = a[j] if j < len(a) else ""
                if not same(x, b[j]):
                    fail("%s row %d col %d: sheet %r, csv %r" % (sheet, i, j + 1, x, b[j]))
        checked += 1
    import openpyxl
    names = openpyxl.load_workbook(xlsx, read_only=True).sheetnames
    expected = [s for s in ORDER if s in names]
    if names != expected or names[0] != "Overview":
        fail("sheet order %r" % names)
    print("workbook: %d sheets compared with the CSV export, order %s" % (checked, names))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
