#!/usr/bin/env python3
"""The failover benches' summary: for each label (proxy and fault) in the result files that
bench/append_workload.py --json wrote, the median of every figure over the runs (rounded) and
its range.
Usage: failover_summary.py RESULT.json ...  (labels in the order they first appear)."""
import json
import statistics
import sys

FIGURES = [("errors", "errors"), ("maybe_applied", "may have been applied"), ("stall_ms", "longest stall ms"),
           ("lost", "lost acknowledged"), ("acked", "acknowledged"), ("read_errors", "read errors"),
           ("read_stall_ms", "longest read stall ms")]


def cell(values):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    median = round(statistics.median(values))
    return "%s (%s-%s)" % (median, min(values), max(values)) if len(values) > 1 else str(median)


def main():
    runs = {}
    for name in sys.argv[1:]:
        with open(name) as f:
            r = json.load(f)
        runs.setdefault(r["label"], []).append(r)
    figures = [(k, title) for k, title in FIGURES if any(r.get(k) is not None for rs in runs.values() for r in rs)]
    rows = [["", "runs"] + [title for _, title in figures]]
    for label, rs in runs.items():
        rows.append([label, str(len(rs))] + [cell([r.get(k) for r in rs]) for k, _ in figures])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print("median (range) over the runs:")
    for row in rows:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip())


if __name__ == "__main__":
    main()
