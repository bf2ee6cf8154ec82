#!/usr/bin/env python3
"""Turns the JMH JSON of bench/cpu-conv.sh into a Markdown table (time, GFLOP/s, ratio to SGEMM).

The benchmarks run in SampleTime mode (every call timed). The table gives the median and the minimum
time of the calls; GFLOP/s and the ratio use the minimum, the best estimate of the uncontended speed
on a shared machine (the median shows how much other jobs got in the way).
"""
import json, os, sys

SHAPES = {  # n, h, w, c, k, r, s (stride 1, pad 1: P = H, Q = W)
    "stem": (128, 32, 32, 3, 64, 3, 3), "layer1": (128, 16, 16, 64, 64, 3, 3),
    "layer2": (128, 8, 8, 128, 128, 3, 3), "layer3": (128, 4, 4, 256, 256, 3, 3),
    "layer4": (128, 2, 2, 512, 512, 3, 3)}

def flops(layer):
    n, h, w, c, k, r, s = SHAPES[layer]
    return 2.0 * n * h * w * k * r * s * c

def load(path):
    if not os.path.exists(path):
        return []
    return json.load(open(path))

def stats(m):
    pc = m["scorePercentiles"]
    return (pc["50.0"], pc["0.0"])

d = sys.argv[1]
conv, clean = {}, {}
for row in load(f"{d}/conv.json") + load(f"{d}/conv-clean.json"):
    p = row["params"]; m = row["primaryMetric"]
    pass_ = row["benchmark"].rsplit(".", 1)[1]
    target = clean if p["epilogue"] == "clean" else conv
    target[(p["layer"], pass_)] = stats(m)
sgemm = {}
for name in ("sgemm.json", "sgemm-chunked.json"):
    for row in load(f"{d}/{name}"):
        p = row["params"]; m = row["primaryMetric"]
        sgemm[(p["layer"], p["pass"], p["mode"])] = stats(m)

def fmt(t):
    return f"{t[0]:.1f} / {t[1]:.1f}"

print("| layer | pass | conv ms (median / min) | conv GFLOP/s | SGEMM blas ms (median / min) | SGEMM GFLOP/s | ratio conv/SGEMM | SGEMM chunked ms (median / min) | ratio conv/best SGEMM | forward, noise off ms (median / min) |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for layer in SHAPES:
    for pass_ in ("forward", "backwardData", "backwardWeight"):
        c = conv.get((layer, pass_)); s = sgemm.get((layer, pass_, "blas")); ch = sgemm.get((layer, pass_, "chunked"))
        cl = clean.get((layer, pass_))
        f = flops(layer) / 1e9
        cg = f / (c[1] / 1e3) if c else float("nan")
        sg = f / (s[1] / 1e3) if s else float("nan")
        best = min(s[1], ch[1]) if (s and ch) else (s[1] if s else float("nan"))
        bg = f / (best / 1e3)
        print(f"| {layer} | {pass_} | {fmt(c) if c else '-'} | {cg:.1f} | {fmt(s) if s else '-'} | {sg:.1f} | "
              f"{cg / sg:.2f} | {fmt(ch) if ch else '-'} | {cg / bg:.2f} | {fmt(cl) if cl else '-'} |")
