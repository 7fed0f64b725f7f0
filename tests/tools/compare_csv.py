#!/usr/bin/env python3
"""Compare two CSV files cell by cell.

Usage: python3 tests/tools/compare_csv.py A.csv B.csv [--max N]

Same header, same number of rows; a cell that reads as a number in both files must agree
within |a - b| <= 1e-9 * max(1, |a|, |b|) (NaN equals NaN, infinities must be equal);
every other cell must be the same text.  Prints the first differences (row numbers count
the header as row 1) and exits 1 on a mismatch, 0 when the files agree, 2 on usage errors.
Standard library only; both files are streamed.
"""
import argparse
import csv
import math
import sys

REL = 1e-9


def number(cell):
    s = cell.strip()
    if not s:
        return None
    try:
        return float(s)
    except ValueError:
        return None


def cells_equal(a, b):
    if a == b:
        return True
    x, y = number(a), number(b)
    if x is None or y is None:
        return False
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    if math.isinf(x) or math.isinf(y):
        return x == y
    return abs(x - y) <= REL * max(1.0, abs(x), abs(y))


def main():
    ap = argparse.ArgumentParser(description='Compare two CSV files (numbers within 1e-9 relative).')
    ap.add_argument('a')
    ap.add_argument('b')
    ap.add_argument('--max', type=int, default=20, help='differences to print (20)')
    args = ap.parse_args()
    try:
        fa = open(args.a, newline='', encoding='utf-8')
        fb = open(args.b, newline='', encoding='utf-8')
    except OSError as err:
        print('compare_csv: %s' % err, file=sys.stderr)
        return 2
    shown = 0
    diffs = 0

    def report(msg):
        nonlocal shown, diffs
        diffs += 1
        if shown < args.max:
            print(msg)
            shown += 1

    with fa, fb:
        ra, rb = csv.reader(fa), csv.reader(fb)
        ha, hb = next(ra, None), next(rb, None)
        if ha != hb:
            print('header differs:\n  %s: %s\n  %s: %s' % (args.a, ha, args.b, hb))
            return 1
        header = ha or []
        na = nb = 1
        while True:
            xa, xb = next(ra, None), next(rb, None)
            if xa is None or xb is None:
                # count the rest of the longer file
                while xa is not None:
                    na += 1
                    xa = next(ra, None)
                while xb is not None:
                    nb += 1
                    xb = next(rb, None)
                break
            na += 1
            nb += 1
            if len(xa) != len(xb):
                report('row %d: %d cells in %s, %d in %s' % (na, len(xa), args.a, len(xb), args.b))
                continue
            for i, (ca, cb) in enumerate(zip(xa, xb)):
                if not cells_equal(ca, cb):
                    col = header[i] if i < len(header) else '#%d' % (i + 1)
                    key = ','.join(xa[:3])
                    report('row %d [%s] column %s: %r vs %r' % (na, key, col, ca, cb))
        if na != nb:
            report('row count differs: %d rows in %s, %d in %s (header included)' % (na, args.a, nb, args.b))
    if diffs:
        if diffs > shown:
            print('... %d differences in all' % diffs)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
