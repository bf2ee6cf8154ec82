#!/usr/bin/env python3
"""The targets of issue 8, each with its measured ratio, from one GPU suite run's JSON files.

  python3 bench/issue8-targets.py RAW_DIR > targets.md

RAW_DIR is bench/gpu-suite.sh's raw folder: vant-bench.json (TF32 kernels, op-by-op steps), vant-bench-graph.json
(steps replayed as CUDA graphs), pytorch.json (the PyTorch peer, same run), and when present vant-bench-k32.json
(the K32 TF32 forwards: kernels and graph steps), vant-bench-wgmma.json (the wgmma forwards, tile by output width: kernels
and graph steps), vant-bench-wgmma64.json (128 x 64 wgmma tiles everywhere: kernels), vant-bench-wgmma256.json (linear
forwards on 128 x 256 wgmma tiles: the 4096^3 row), vant-bench-rz.json and vant-bench-wgmma-rz.json (--math tf32rz, the
operands truncated by the tensor cores instead of rounded in the k loops: K16 and wgmma; kernels and graph steps) and
vant-bench-wgmma-late.json (the
wgmma forwards with VANT_EARLY_NOISE=off: the noise drawn in the epilogue; kernels and graph steps) and
vant-bench-unfused.json (graph steps with VANT_FUSIONS=off: the residual blocks unfused). Missing inputs leave their rows
out, saying so.
"""
import json
import math
import os
import sys


def load(raw, name):
    p = os.path.join(raw, name)
    return json.load(open(p)) if os.path.exists(p) else None


def kernels(v):
    return {k["name"]: k for k in v["kernels"]} if v else {}


def train(v, mode, batch=128):
    """The ResNet-18 training row (the targets and the peer are about the paper's ResNet-18; vant bench --model
    resnet20 rows are left out)."""
    for t in (v or {}).get("train", []):
        if t["mode"] == mode and t["batch"] == batch and t.get("model", "resnet18") == "resnet18":
            return t
    return None


def peer_train(p, math_mode, mode, batch=128):
    for t in p["math"][math_mode]["train"]:
        if t["mode"] == mode and t["batch"] == batch:
            return t
    return None


def paired(d, key, a, b, bound=None):
    """The ratio measured in alternating rounds (median, quartiles) when the run has it, else the ratio of medians.
    With a bound that lies between the quartiles, the text says so: the verdict (on the median) is then within the
    rounds' spread."""
    q = d.get(key)
    if q:
        text = f" (rounds' quartiles {q['p25']:.3f}-{q['p75']:.3f}"
        if bound is not None and q["p25"] <= bound <= q["p75"]:
            text += f"; {bound} lies between them: within the spread"
        return q["median"], text + ")"
    return a / b, ""


def row(target, bound, measured, ratio, ok):
    return f"| {target} | {bound} | {measured} | {ratio} | {'met' if ok else '**missed**'} |"


def noise_rows(label, ks):
    out = []
    for name in ["stem", "layer1", "layer2.down", "layer2", "layer3.down", "layer3", "layer4.down", "layer4", "fc", "gemm4096"]:
        if name in ks:
            k = ks[name]
            r, spread = paired(k, "noiseCost", k["fused"]["medianSeconds"], k["noiseOff"]["medianSeconds"], 1.03)
            out.append((name, r, spread))
    if not out:
        return []
    worst = max(out, key=lambda x: x[1])
    listing = ", ".join(f"{n} {r:.3f}x" for n, r, _ in out)
    return [row(f"noise cost, fused noisy kernel / noise off ({label})", "<= 1.03x each",
                listing, f"worst {worst[1]:.3f}x ({worst[0]}){worst[2]}", worst[1] <= 1.03)]


def main():
    raw = sys.argv[1]
    v, g, k32, p = load(raw, "vant-bench.json"), load(raw, "vant-bench-graph.json"), load(raw, "vant-bench-k32.json"), load(raw, "pytorch.json")
    wg, wg64 = load(raw, "vant-bench-wgmma.json"), load(raw, "vant-bench-wgmma64.json")
    wg256 = load(raw, "vant-bench-wgmma256.json")
    late = load(raw, "vant-bench-wgmma-late.json")
    rz, wgrz = load(raw, "vant-bench-rz.json"), load(raw, "vant-bench-wgmma-rz.json")
    if not v or not p:
        print(f"issue 8 targets: need vant-bench.json and pytorch.json in {raw}")
        return 1
    print("| target (issue 8) | bound | measured | ratio | |")
    print("|---|---|---|---|---|")
    variants = [("TF32 K16", v, g)] + ([("TF32 K32", k32, k32)] if k32 else []) \
        + ([("TF32 wgmma", wg, wg)] if wg else []) + ([("TF32 wgmma 128x64", wg64, wg64)] if wg64 else []) \
        + ([("TF32 wgmma, linear 128x256", wg256, wg256)] if wg256 else []) \
        + ([("TF32 wgmma, noise in the epilogue", late, late)] if late else []) \
        + ([("TF32RZ K16 (operands truncated)", rz, rz)] if rz else []) \
        + ([("TF32RZ wgmma (operands truncated)", wgrz, wgrz)] if wgrz else [])
    ptf = p["math"]["tf32"]
    for label, kv, gv in variants:
        ks = kernels(kv)
        for r in noise_rows(label, ks):
            print(r)
        if "gemm4096" in ks:
            t = ks["gemm4096"]["fused"]["medianSeconds"] * 1e3
            c = ptf["matmul"]["ms"]
            print(row(f"TF32 noisy matmul 4096^3 vs cuBLAS TF32 without noise ({label})", ">= 70%",
                      f"vant {t:.3f} ms, cuBLAS {c:.3f} ms", f"{100 * c / t:.0f}%", c / t >= 0.70))
        convs = [(c["layer"], c["ms"]) for c in ptf["conv"]]
        rs = [(n, ms / (ks[n]["fused"]["medianSeconds"] * 1e3)) for n, ms in convs if n in ks]
        if rs:
            gm = math.exp(sum(math.log(r) for _, r in rs) / len(rs))
            print(row(f"noisy conv2d forward vs cuDNN TF32 without noise, geometric mean of {len(rs)} layers ({label})",
                      ">= 80%", ", ".join(f"{n} {100 * r:.0f}%" for n, r in rs), f"{100 * gm:.0f}%", gm >= 0.80))
        for gl, tv in [("graph-replayed", gv), ("op by op", kv if kv is not gv else None)]:
            if not tv:
                continue
            none, vant = train(tv, "none"), train(tv, "vant")
            if not none or not vant:
                continue
            if gl == "graph-replayed":  # op by op the host issues slower than the device runs: no measure of the noise
                r, spread = paired(vant, "vsNone", vant["secondsPerStep"], none["secondsPerStep"], 1.03)
                print(row(f"VANT training step / no-noise step, batch 128 ({label}, {gl})", "<= 1.03x",
                          f"{vant['secondsPerStep'] * 1e3:.2f} / {none['secondsPerStep'] * 1e3:.2f} ms", f"{r:.3f}x{spread}",
                          r <= 1.03))
            for pm in ["tf32", "fp32"]:
                pv, pn = peer_train(p, pm, "vant"), peer_train(p, pm, "none")
                rv = vant["imagesPerSecond"] / pv["images_per_s"]
                print(row(f"ResNet-18 VANT images/s vs the PyTorch peer with the paper's noise ({label}, {gl}; PyTorch {pm})",
                          ">= 2x", f"{vant['imagesPerSecond']:.0f} vs {pv['images_per_s']:.0f}", f"{rv:.2f}x", rv >= 2))
                rn = none["imagesPerSecond"] / pn["images_per_s"]
                print(row(f"ResNet-18 without noise vs PyTorch eager ({label}, {gl}; PyTorch {pm})", ">= 1x",
                          f"{none['imagesPerSecond']:.0f} vs {pn['images_per_s']:.0f}", f"{rn:.2f}x", rn >= 1))
            h = vant["hostSecondsPerStep"] / vant["secondsPerStep"]
            print(row(f"host time per VANT step / device time, batch 128 ({label}, {gl})", "<= 5%",
                      f"{vant['hostSecondsPerStep'] * 1e3:.2f} / {vant['secondsPerStep'] * 1e3:.2f} ms", f"{100 * h:.1f}%", h <= 0.05))
    fusion_rows(v, g, load(raw, "vant-bench-unfused.json"))
    return 0


def fusion_rows(v, g, unfused):
    """The residual-block fusions ("measure each: keep what pays"): each fusion against the launches it replaced
    (vant-bench.json's fusion table), and the graph-replayed step with VANT_FUSIONS=off (part 5b) against part 5's."""
    for f in (v or {}).get("fusions", []):
        r, spread = paired(f, "gain", f["unfused"]["medianSeconds"], f["fused"]["medianSeconds"], 1.0)
        print(row(f"fusion {f['name']} ({f['shape']}): unfused / fused time", "> 1x (pays)",
                  f"fused {f['fused']['medianSeconds'] * 1e6:.1f} µs, unfused {f['unfused']['medianSeconds'] * 1e6:.1f} µs",
                  f"{r:.3f}x{spread}", r > 1))
    for mode in ["none", "vant"]:
        on, off = train(g, mode), train(unfused, mode)
        if on and off:
            r = off["secondsPerStep"] / on["secondsPerStep"]
            launches = f"; launches {off.get('launchesPerStep')} vs {on.get('launchesPerStep')}" if on.get("launchesPerStep") else ""
            print(row(f"residual-block fusions, step with VANT_FUSIONS=off / on (batch 128, noise {mode}, graph-replayed, TF32 K16)",
                      "> 1x (pays)", f"off {off['secondsPerStep'] * 1e3:.3f} ms, on {on['secondsPerStep'] * 1e3:.3f} ms{launches}",
                      f"{r:.3f}x", r > 1))


if __name__ == "__main__":
    sys.exit(main())
