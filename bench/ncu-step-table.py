#!/usr/bin/env python3
"""Where a training step's device time goes, from an Nsight Compute CSV of every kernel of a few steps.

  ncu --csv --clock-control none --metrics gpu__time_duration.sum --target-processes all <vant bench ...> > steps.csv
  python3 bench/ncu-step-table.py steps.csv STEPS > table.md

STEPS: how many training steps the profiled run launched (vant bench's train row runs 3 + 5 + windows x steps);
times are divided by it. Prints a Markdown table per kernel name (time per step, share, launches per step) and
the 25 costliest (kernel, grid, block) launch shapes. ncu serializes kernels and adds no overlap, so the sum is
the device time of a step with no concurrency, close to the step time of a single-stream trainer.
"""
import csv
import sys
from collections import defaultdict

UNIT = {"nsecond": 1e-3, "ns": 1e-3, "usecond": 1.0, "us": 1.0, "msecond": 1e3, "ms": 1e3, "second": 1e6, "s": 1e6}


def main():
    path, steps = sys.argv[1], float(sys.argv[2])
    rows = []
    with open(path, newline="") as f:
        lines = [l for l in f if l.startswith('"')]  # ncu prints its own log lines (==PROF==) around the CSV
    for r in csv.DictReader(lines):
        if r.get("Metric Name") != "gpu__time_duration.sum":
            continue
        us = float(r["Metric Value"].replace(",", "")) * UNIT.get(r["Metric Unit"], float("nan"))
        rows.append((r["Kernel Name"].split("(")[0], r.get("Grid Size", ""), r.get("Block Size", ""), us))
    if not rows:
        print("no gpu__time_duration rows in " + path)
        return 1
    total = sum(r[3] for r in rows)
    by_name = defaultdict(lambda: [0.0, 0])
    by_shape = defaultdict(lambda: [0.0, 0])
    for name, grid, block, us in rows:
        by_name[name][0] += us
        by_name[name][1] += 1
        by_shape[(name, grid, block)][0] += us
        by_shape[(name, grid, block)][1] += 1
    print(f"{len(rows)} kernels over {steps:g} steps: {total / steps / 1e3:.3f} ms of kernel time per step\n")
    print("| kernel | µs per step | share | launches per step | µs per launch |")
    print("|---|---:|---:|---:|---:|")
    for name, (us, n) in sorted(by_name.items(), key=lambda kv: -kv[1][0]):
        print(f"| {name} | {us / steps:.1f} | {100 * us / total:.1f}% | {n / steps:g} | {us / n:.2f} |")
    print("\n| kernel | grid | block | µs per launch | launches per step | µs per step |")
    print("|---|---|---|---:|---:|---:|")
    for (name, grid, block), (us, n) in sorted(by_shape.items(), key=lambda kv: -kv[1][0])[:25]:
        print(f"| {name} | {grid} | {block} | {us / n:.2f} | {n / steps:g} | {us / steps:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
