#!/usr/bin/env python3
"""Validates a summary.json against outputs.md §5 (schema clusterscope.summary/1):
keys in exactly the documented order, types, no null but input.skipped[].rank,
layout of json.dumps(indent=2) plus a final newline, and the relations the
definitions imply (cluster step time = max over ranks, means of the rest).

  check_summary.py SUMMARY.json
"""
import json
import sys

TOP = ["schema", "tool_version", "input", "cluster", "ranks", "stragglers", "modules", "warnings"]
INPUT = ["dir", "ranks", "hosts", "steps", "step_ids", "skipped"]
METRICS = ["step_time_us", "computing_us", "communication_not_overlapped_us", "free_us", "wait_ratio",
           "synchronization_ratio", "bandwidth_gbps"]
BANDS = ["RDMA", "HCCS", "PCIE", "SDMA", "SIO"]
errors = []


def check(cond, msg):
    if not cond:
        errors.append(msg)


def in_order(keys, allowed, where):
    pos = [allowed.index(k) for k in keys if k in allowed]
    check(all(k in allowed for k in keys), "%s: unknown keys %r" % (where, [k for k in keys if k not in allowed]))
    check(pos == sorted(pos), "%s: keys out of order %r" % (where, keys))


def metrics(obj, where):
    in_order(list(obj), (["rank"] if "rank" in obj else []) + METRICS, where)
    for k, v in obj.items():
        if k == "bandwidth_gbps":
            in_order(list(v), BANDS, where + ".bandwidth_gbps")
            check(all(isinstance(x, float) for x in v.values()), where + ": bandwidth not doubles")
        elif k != "rank":
            check(isinstance(v, float), "%s.%s is not a double" % (where, k))


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    doc = json.loads(text)
    check(text == json.dumps(doc, indent=2, ensure_ascii=False) + "\n", "layout differs from json.dumps(indent=2)")
    keys = list(doc)
    for k in ("schema", "tool_version", "input", "cluster", "ranks", "warnings"):
        check(k in doc, "missing " + k)
    in_order(keys, TOP, "top")
    check(doc.get("schema") == "clusterscope.summary/1", "schema")
    inp = doc["input"]
    check(list(inp) == INPUT, "input keys %r" % list(inp))
    check(inp["step_ids"] == sorted(inp["step_ids"]), "step_ids not ascending")
    check(inp["steps"] == (len(inp["step_ids"]) or 1), "steps != len(step_ids)")
    for s in inp["skipped"]:
        check(list(s) == ["rank", "path", "analysis", "reason"], "skipped keys %r" % list(s))
    metrics(doc["cluster"], "cluster")
    ranks = doc["ranks"]
    check([r["rank"] for r in ranks] == sorted(r["rank"] for r in ranks), "ranks not ascending")
    check(len(ranks) == inp["ranks"], "input.ranks != len(ranks)")
    for r in ranks:
        metrics(r, "ranks[%d]" % r["rank"])
    timed = [r for r in ranks if "step_time_us" in r]
    if timed:
        check(doc["cluster"]["step_time_us"] == max(r["step_time_us"] for r in timed), "cluster step time != max")
        mean = sum(r["computing_us"] for r in timed) / len(timed)
        check(abs(doc["cluster"]["computing_us"] - mean) <= 1e-9 * max(1, mean), "cluster computing != mean")
    for s in doc.get("stragglers", []):
        check(list(s) == ["rank", "wait_caused_us", "reason"] and s["wait_caused_us"] > 0, "straggler %r" % s)
    mods = doc.get("modules", [])
    check(len(mods) <= 10, "more than 10 modules")
    sums = [m["total_kernel_us"] for m in mods]
    check(sums == sorted(sums, reverse=True), "modules not by total descending")
    check("null" not in text.replace('"rank": null', ""), "a null metric")
    for e in errors:
        print("FAIL:", e)
    print("summary: %d problems" % len(errors))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
