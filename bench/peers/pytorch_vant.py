#!/usr/bin/env python3
"""PyTorch peer for vant's GPU benchmarks (bench/gpu-suite.sh runs it on a GPU host).

What a researcher would write today: the paper's noise operators as plain PyTorch modules
(`x + sigma * torch.randn_like(x)`, sigma per sample) in the paper's ResNet-18 with the same noise
points as vant (DESIGN.md section 1: input, after every conv before its BN, after every ReLU, after both
pools, on the logits; one ReLU+noise operator per block applied after each of its ReLUs), and
cuBLAS / cuDNN microbenchmarks with and without the separate noise add.

Timing: CUDA events, warm-up, median of many runs; GEMM/conv inputs rotated over enough buffers to
exceed 3x the L2 cache (the rule of vant's runner); random data, never zeros. Training: median over
windows of back-to-back steps between events (as vant's runner), host time per step measured with an
idle device queue. Shapes, noise levels, bias and the linear layer's y = x w^T + b match `vant bench`.

  python3 bench/peers/pytorch_vant.py --out results.json [--quick]

Prints Markdown tables and writes every number to --out (JSON) for the suite's report.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---- the paper's noise operators -----------------------------------------------------------------

class NoiseLevel:
    """Holds the current per-sample sigma [N] (or None for no noise), shared by all noise points."""

    def __init__(self):
        self.sigma = None


class Noise(nn.Module):
    """x + sigma[n] * N(0, 1), fresh every call; backward is the identity (noise is a constant)."""

    def __init__(self, level):
        super().__init__()
        self.level = level

    def forward(self, x):
        s = self.level.sigma
        if s is None:
            return x
        return x + s.view(-1, *([1] * (x.dim() - 1))) * torch.randn_like(x)


class ReluNoise(nn.Module):
    def __init__(self, level):
        super().__init__()
        self.noise = Noise(level)

    def forward(self, x):
        return self.noise(F.relu(x))


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, level, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=True)
        self.n1 = Noise(level)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=True)
        self.n2 = Noise(level)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu = ReluNoise(level)  # one operator, applied after both ReLUs
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), Noise(level), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = self.relu(self.bn1(self.n1(self.conv1(x))))
        out = self.bn2(self.n2(self.conv2(out)))
        return self.relu(out + self.shortcut(x))


class ResNet18(nn.Module):
    def __init__(self, level, in_ch=3, classes=10, image=32):
        super().__init__()
        big = image >= 224
        self.inp = Noise(level)
        self.conv1 = nn.Conv2d(in_ch, 64, 7 if big else 3, 2 if big else 1, 3 if big else 1, bias=True)
        self.n1 = Noise(level)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = ReluNoise(level)
        self.pool = nn.MaxPool2d(3, 2, 1)
        self.npool = Noise(level)
        layers, cin = [], 64
        for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            layers.append(nn.Sequential(BasicBlock(level, cin, cout, stride), BasicBlock(level, cout, cout, 1)))
            cin = cout
        self.layers = nn.Sequential(*layers)
        self.navg = Noise(level)
        self.fc = nn.Linear(512, classes)
        self.nfc = Noise(level)

    def forward(self, x):
        x = self.npool(self.pool(self.relu(self.bn1(self.n1(self.conv1(self.inp(x)))))))
        x = self.layers(x)
        x = self.navg(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))
        return self.nfc(self.fc(x))


# ---- timing ----------------------------------------------------------------------------------------

def time_cuda(fn, warmup=10, reps=50, min_sample_ms=0.5, max_per_sample=200):
    """Median ms per call of fn() between CUDA events, after warm-up: each of `reps` samples is k
    back-to-back calls, k chosen so a sample lasts at least min_sample_ms (vant's EventTimer, same rule)."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    a.record()
    fn()
    b.record()
    b.synchronize()
    k = max(1, min(max_per_sample, math.ceil(min_sample_ms / max(a.elapsed_time(b), 1e-4))))
    times = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        for _ in range(k):
            fn()
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b) / k)
    return statistics.median(times)


def rotating(make, set_bytes, l2_bytes, max_sets=64, budget=2 << 30):
    """Enough independent copies of an input set to exceed the L2 cache three times over (at least 2),
    within max_sets and a memory budget: the same rule as vant's EventTimer.rotatingSets."""
    want = max(2, math.ceil(3 * l2_bytes / max(1, set_bytes)))
    fit = max(1, budget // max(1, set_bytes))
    return [make() for _ in range(max(1, min(want, max_sets, fit)))]


def time_windows(step, windows=7, steps=5, warmup=3):
    """Median ms per step over `windows` windows of `steps` back-to-back steps between CUDA events
    (training throughput: the host may run ahead of the device, as in a real training loop)."""
    for _ in range(warmup):
        step()
    torch.cuda.synchronize()
    per = []
    for _ in range(windows):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        for _ in range(steps):
            step()
        b.record()
        b.synchronize()
        per.append(a.elapsed_time(b) / steps)
    return statistics.median(per)


def host_ms(step, n=5):
    """Median host time to issue one step with an idle device queue (vant measures it the same way)."""
    t = []
    for _ in range(n):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        step()
        t.append(1e3 * (time.perf_counter() - t0))
    torch.cuda.synchronize()
    return statistics.median(t)


# ---- benchmarks ------------------------------------------------------------------------------------

RESNET18_CONVS = [  # (name, C, K, H=W of the input, R, stride) at 3x32x32, batch 128
    ("stem", 3, 64, 32, 3, 1),
    ("layer1", 64, 64, 16, 3, 1),
    ("layer2.down", 64, 128, 16, 3, 2),
    ("layer2", 128, 128, 8, 3, 1),
    ("layer3.down", 128, 256, 8, 3, 2),
    ("layer3", 256, 256, 4, 3, 1),
    ("layer4.down", 256, 512, 4, 3, 2),
    ("layer4", 512, 512, 2, 3, 1),
]


def bench_conv(dev, l2, batch, reps):
    rows = []
    for name, c, k, hw, r, stride in RESNET18_CONVS:
        def make():
            x = torch.randn(batch, c, hw, hw, device=dev).to(memory_format=torch.channels_last)
            w = (torch.randn(k, c, r, r, device=dev) * 0.05).to(memory_format=torch.channels_last)
            return x, w
        sets = rotating(make, 4 * (batch * c * hw * hw + k * c * r * r), l2)
        bias = torch.randn(k, device=dev) * 0.1
        sigma = torch.rand(batch, device=dev) + 0.1   # per-sample levels in [0.1, 1.1), as vant's runner
        it = [0]

        def plain():
            x, w = sets[it[0] % len(sets)]
            it[0] += 1
            return F.conv2d(x, w, bias, stride, r // 2)

        def noisy():
            y = plain()
            return y + sigma.view(-1, 1, 1, 1) * torch.randn_like(y)

        p = (hw + 2 * (r // 2) - r) // stride + 1
        flops = 2.0 * batch * p * p * k * c * r * r
        t0 = time_cuda(plain, reps=reps)
        t1 = time_cuda(noisy, reps=reps)
        rows.append({"layer": name, "C": c, "K": k, "HW": hw, "stride": stride, "ms": t0, "ms_noise_unfused": t1,
                     "tflops": flops / t0 / 1e9, "input_sets": len(sets)})
    return rows


def bench_linear(dev, l2, name, m, n, k, reps):
    """y = x w^T + bias (F.linear, i.e. cuBLAS addmm), as vant's linearForward; noise sigma 0.5."""
    def make():
        return torch.randn(m, k, device=dev), torch.randn(n, k, device=dev) * 0.05
    sets = rotating(make, 4 * (m * k + n * k), l2)
    bias = torch.randn(n, device=dev) * 0.1
    it = [0]

    def plain():
        x, w = sets[it[0] % len(sets)]
        it[0] += 1
        return F.linear(x, w, bias)

    def noisy():
        y = plain()
        return y + 0.5 * torch.randn_like(y)

    t0 = time_cuda(plain, reps=reps)
    t1 = time_cuda(noisy, reps=reps)
    return {"name": name, "m": m, "n": n, "k": k, "ms": t0, "ms_noise_unfused": t1, "tflops": 2.0 * m * n * k / t0 / 1e9,
            "input_sets": len(sets)}


def bench_train(dev, batch, mode, windows, sigma_train=1.0, alpha=0.45, theta=0.45):
    torch.manual_seed(0)
    level = NoiseLevel()
    model = ResNet18(level).to(dev).to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    xs = [torch.randn(batch, 3, 32, 32, device=dev).to(memory_format=torch.channels_last) for _ in range(4)]
    ys = [torch.randint(0, 10, (batch,), device=dev) for _ in range(4)]
    it = [0]
    last = [None]

    def step():
        i = it[0] % 4
        it[0] += 1
        if mode == "none":
            level.sigma = None
        elif mode == "nt":
            level.sigma = torch.full((batch,), sigma_train, device=dev)
        else:  # vant: sigma_i = alpha * sigma_train + theta * |z_i|
            level.sigma = alpha * sigma_train + theta * torch.randn(batch, device=dev).abs()
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(xs[i]), ys[i])
        loss.backward()
        opt.step()
        last[0] = loss

    ms = time_windows(step, windows=windows)
    host = host_ms(step)
    loss = float(last[0])
    if not math.isfinite(loss):
        raise RuntimeError(f"PyTorch training step batch {batch} mode {mode}: loss {loss}")
    return {"batch": batch, "mode": mode, "ms": ms, "images_per_s": batch / ms * 1e3, "host_ms": host, "loss": loss,
            "parameters": sum(p.numel() for p in model.parameters())}


def set_math(mode):
    tf32 = mode == "tf32"
    torch.backends.cudnn.allow_tf32 = tf32          # PyTorch's default for convolutions: True
    torch.backends.cuda.matmul.allow_tf32 = tf32    # PyTorch's default for matmul: False
    torch.backends.cudnn.benchmark = True


def write_json(path, res):
    with open(path + ".tmp", "w") as f:
        json.dump(res, f, indent=2)
    os.replace(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="JSON file for all numbers")
    ap.add_argument("--quick", action="store_true", help="fewer repetitions (the suite's time budget)")
    args = ap.parse_args()
    if not torch.cuda.is_available():
        print("pytorch_vant.py: no CUDA device visible to PyTorch", file=sys.stderr)
        return 2
    dev = torch.device("cuda")
    props = torch.cuda.get_device_properties(dev)
    l2 = getattr(props, "L2_cache_size", 50 * 2 ** 20)
    reps = 20 if args.quick else 50
    windows = 5 if args.quick else 7
    res = {"device": props.name, "torch": torch.__version__, "cuda": torch.version.cuda,
           "cudnn": torch.backends.cudnn.version(), "l2_bytes": l2, "math": {}}
    for math_mode in ("fp32", "tf32"):
        set_math(math_mode)
        mm = [bench_linear(dev, l2, "fc", 128, 10, 512, reps), bench_linear(dev, l2, "gemm4096", 4096, 4096, 4096, reps)]
        r = {"conv": bench_conv(dev, l2, 128, reps), "matmul_list": mm,
             "matmul": {"n": 4096, "ms": mm[1]["ms"], "ms_noise_unfused": mm[1]["ms_noise_unfused"], "tflops": mm[1]["tflops"]},
             "train": []}
        for batch in (128, 512):
            for mode in ("none", "nt", "vant"):
                r["train"].append(bench_train(dev, batch, mode, windows))
        res["math"][math_mode] = r
        write_json(args.out, res)   # after each math mode: a time limit that stops the TF32 half keeps FP32
        print(f"\n## PyTorch {torch.__version__} on {props.name}, math {math_mode}\n")
        print("| conv | C->K | HW | stride | ms | ms + noise (unfused) | TFLOP/s |")
        print("|---|---|---|---|---|---|---|")
        for c in r["conv"]:
            print(f"| {c['layer']} | {c['C']}->{c['K']} | {c['HW']} | {c['stride']} | {c['ms']:.4f} | "
                  f"{c['ms_noise_unfused']:.4f} | {c['tflops']:.1f} |")
        print()
        for m in mm:
            print(f"linear {m['name']} {m['m']}x{m['k']} -> {m['n']}: {m['ms']:.4f} ms ({m['tflops']:.1f} TFLOP/s), "
                  f"+ noise unfused {m['ms_noise_unfused']:.4f} ms")
        print()
        print("| training step ResNet-18 3x32x32 | batch | ms | images/s | host ms |")
        print("|---|---|---|---|---|")
        for t in r["train"]:
            print(f"| {t['mode']} | {t['batch']} | {t['ms']:.2f} | {t['images_per_s']:.0f} | {t['host_ms']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
