#!/usr/bin/env python3
"""Markdown table of CpuTrainStepBench's JMH JSON (SampleTime, ms): vant vs DJL per noise mode.

Images/s uses the minimum step time (the uncontended estimate on a shared machine); the median is shown
beside it. Ratios: images/s vant / DJL (above 1: vant is faster); time noisy / no-noise per engine.
"""
import json, sys

rows = {}
for r in json.load(open(sys.argv[1])):
    p = r["params"]; pc = r["primaryMetric"]["scorePercentiles"]
    rows[(p["engine"], p["noise"])] = (pc["50.0"], pc["0.0"], int(p["batch"]), r["primaryMetric"]["scoreConfidence"])
batch = next(iter(rows.values()))[2] if rows else 0
print(f"Paper's ResNet-18 (11,177,866 parameters), 3x32x32, batch {batch}: forward with noise at all 41 noise")
print("applications, softmax cross-entropy, backward, Adam (lr 1e-3, weight decay 1e-4). Noise: none; NT (sigma 1.0);")
print("VANT (per-sample sigma_i = 0.45 + 0.45 |z_i|). images/s = batch / minimum step time.")
print()
print("| noise | vant ms/step (median / min) | vant images/s | DJL+PyTorch ms/step (median / min) | DJL+PyTorch images/s | images/s vant / DJL | vant time / no-noise | DJL time / no-noise |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
def cell(k):
    v = rows.get(k)
    return (f"{v[0]:.0f} / {v[1]:.0f}", batch / v[1] * 1e3) if v else ("–", float("nan"))
def ratio(a, b):
    return f"{a / b:.2f}x" if a == a and b == b and b else "–"
for mode in ("none", "nt", "vant"):
    vc, vi = cell(("vant", mode)); dc, di = cell(("djl", mode))
    vn = rows.get(("vant", "none")); dn = rows.get(("djl", "none"))
    vt = rows.get(("vant", mode)); dt = rows.get(("djl", mode))
    f1 = lambda v: f"{v:.1f}" if v == v else "–"
    print(f"| {mode} | {vc} | {f1(vi)} | {dc} | {f1(di)} | {ratio(vi, di)} | "
          f"{ratio(vt[1], vn[1]) if vt and vn else '–'} | {ratio(dt[1], dn[1]) if dt and dn else '–'} |")
