#!/usr/bin/env python3
"""Static instruction counts of the GEMM k loops, from SASS (no GPU needed): for each kernel named, the loop that
holds the most tensor-core instructions (HMMA / HGMMA; FFMA for the FP32 kernels) and, among those, the shortest
(the TF32 kernels instantiate one k loop per copy width; the shortest is the 16-byte path's), with its instruction
mix. An issue-bound loop (Nsight Compute, layer1 forward, 2026-11-28) runs about as fast as it issues, so
"other instructions per HMMA" is the number to bring down between GPU runs.

  cuobjdump -sass kernels.cubin > k.sass        # bench/sass-mainloop.sh does the build and the disassembly
  python3 bench/sass-mainloop.py k.sass noisy_conv2d_forward_tf32 conv2d_backward_data_tf32 ...

Prints one Markdown table row per kernel: kernel | SASS instructions in the (--math tf32) loop | in its --math tf32rz
twin, the loop instantiated without the rounding of the operands to TF32 (ptx::tf32_operand: FSETP.GEU |x|, +INF then a
predicated add of half an ulp) | matrix instructions | other per matrix instruction (tf32 loop) | the most frequent
opcodes.
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


def loops(ins, tensor):
    """(start, end) of every loop with the most matrix instructions (tensor-core ones if `tensor`, else FFMA)."""
    found, most = [], 0
    for i, (a, t) in enumerate(ins):
        m = re.search(r"\bBRA\b.*?(0x[0-9a-f]+)", t)
        if not m:
            continue
        target = int(m.group(1), 16)
        if target > a:  # a forward branch
            continue
        s = next(j for j in range(i + 1) if ins[j][0] >= target)  # (a target the listing hides: the next it shows)
        mma = matrix_ops(Counter(opcode(x) for _, x in ins[s:i + 1]), tensor)
        if mma and mma >= most:
            if mma > most:
                found, most = [], mma
            found.append((s, i))
    return found


def rounds(ins, loop):
    """Whether the loop rounds operands to TF32 (ptx::tf32_operand: FSETP.GEU |x|, +INF, then half an ulp added)."""
    return any("FSETP.GEU" in t and "+INF" in t for _, t in ins[loop[0]:loop[1] + 1])


def k_loops(ins, tensor):
    """The 16-byte k loops, as (the --math tf32 loop, the tf32rz loop or None): among the loops with the most matrix
    instructions the shortest that rounds its operands and the shortest that does not (the TF32 kernels instantiate one
    loop per copy width and, for the 16-byte one, per rounding choice). FP32 kernels: (the shortest, None)."""
    found = loops(ins, tensor)
    if not found:
        return None, None
    size = lambda l: l[1] - l[0]
    rnd = [l for l in found if rounds(ins, l)]
    plain = [l for l in found if not rounds(ins, l)]
    if not rnd:
        return min(plain, key=size), None
    return min(rnd, key=size), (min(plain, key=size) if plain else None)


def main():
    path, names = sys.argv[1], sys.argv[2:]
    text = open(path).read()
    print("| kernel | SASS instructions in the k loop | in its tf32rz twin | matrix instructions | other per matrix instruction "
          "| most frequent |")
    print("|---|---:|---:|---:|---:|---|")
    for name, ins in functions(text):
        if names and name not in names:
            continue
        tensor = any(opcode(x) in ("HMMA", "HGMMA") for _, x in ins)  # else an FFMA kernel (the exact FP32 GEMMs)
        loop, rz = k_loops(ins, tensor)
        if loop is None:
            print(f"| {name} | no loop | | | | |")
            continue
        body = [x for _, x in ins[loop[0]:loop[1] + 1]]
        ops = Counter(opcode(x) for x in body)
        mma = matrix_ops(ops, tensor)
        common = ", ".join(f"{k} {v}" for k, v in ops.most_common(8))
        rz_n = rz[1] - rz[0] + 1 if rz else ""
        print(f"| {name} | {len(body)} | {rz_n} | {mma} | {(len(body) - mma) / mma:.1f} | {common} |")


if __name__ == "__main__":
    main()
