#!/usr/bin/env python3
"""Static instruction counts of the GEMM k loops, from SASS (no GPU needed): for each kernel named, the loop that
holds the most tensor-core instructions (HMMA / HGMMA; FFMA for the FP32 kernels) and, among those, the shortest
(the TF32 kernels instantiate one k loop per copy width; the shortest is the 16-byte path's), with its instruction
mix. An issue-bound loop (Nsight Compute, layer1 forward, 2026-11-28) runs about as fast as it issues, so
"other instructions per HMMA" is the number to bring down between GPU runs.

  cuobjdump -sass kernels.cubin > k.sass        # bench/sass-mainloop.sh does the build and the disassembly
  python3 bench/sass-mainloop.py k.sass noisy_conv2d_forward_tf32 conv2d_backward_data_tf32 ...

Prints one Markdown table row per kernel: kernel | SASS instructions in the loop | matrix instructions | other
per matrix instruction | the most frequent opcodes.
"""
import re
import sys
from collections import Counter


def functions(text):
    for part in re.split(r"\n\s*Function : ", text)[1:]:
        name = part.split("\n", 1)[0].strip()
        ins = []
        for line in part.split("\n"):
            m = re.match(r"\s*/\*([0-9a-f]{4,})\*/\s+(.*?);", line)
            if m:
                ins.append((int(m.group(1), 16), m.group(2).strip()))
        yield name, ins


def opcode(instr):
    instr = re.sub(r"^@!?U?P\w+\s+", "", instr)  # predicate guard
    return instr.split()[0].split(".")[0]


def matrix_ops(ops, tensor):
    return ops["HMMA"] + ops["HGMMA"] if tensor else ops["FFMA"]


def k_loop(ins, tensor):
    """(start, end) of the loop with the most matrix instructions (tensor-core ones if `tensor`, else FFMA), the
    shortest such; None without loops."""
    at = {a: i for i, (a, _) in enumerate(ins)}
    best = None
    for i, (a, t) in enumerate(ins):
        m = re.search(r"\bBRA\b.*?(0x[0-9a-f]+)", t)
        if not m:
            continue
        target = int(m.group(1), 16)
        if target > a or target not in at:  # forward branch, or a target the listing does not show
            continue
        s = at[target]
        ops = Counter(opcode(x) for _, x in ins[s:i + 1])
        mma = matrix_ops(ops, tensor)
        key = (mma, -(i - s))
        if mma and (best is None or key > best[0]):
            best = (key, s, i)
    return None if best is None else (best[1], best[2])


def main():
    path, names = sys.argv[1], sys.argv[2:]
    text = open(path).read()
    print("| kernel | SASS instructions in the k loop | matrix instructions | other per matrix instruction | most frequent |")
    print("|---|---:|---:|---:|---|")
    for name, ins in functions(text):
        if names and name not in names:
            continue
        tensor = any(opcode(x) in ("HMMA", "HGMMA") for _, x in ins)  # else an FFMA kernel (the exact FP32 GEMMs)
        loop = k_loop(ins, tensor)
        if loop is None:
            print(f"| {name} | no loop | | | |")
            continue
        body = [x for _, x in ins[loop[0]:loop[1] + 1]]
        ops = Counter(opcode(x) for x in body)
        mma = matrix_ops(ops, tensor)
        common = ", ".join(f"{k} {v}" for k, v in ops.most_common(8))
        print(f"| {name} | {len(body)} | {mma} | {(len(body) - mma) / mma:.1f} | {common} |")


if __name__ == "__main__":
    main()
