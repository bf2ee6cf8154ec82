#!/usr/bin/env python3
"""ThreadSanitizer logs of native/emu/racecheck.sh -> one entry per distinct race in the emulated driver.

usage: racecheck-report.py LIBCUDA LOG...

TSan prints frames of the emulated driver as `(path/libcuda.so.1+0xOFFSET)` without names; each such frame is
symbolized with addr2line (inlined frames included, so a kernel's lambda shows the kernel and its source line).
Reports with no frame in the driver (the JVM's own, the launcher's) are counted, not shown. Distinct races are keyed
by the first driver source line of each of the two accesses; each is printed once with the number of reports:
  RACE <count>x <access 1 line> | <access 2 line>
followed by the first such report, symbolized.
"""
import os
import re
import subprocess
import sys
from collections import OrderedDict

FRAME = re.compile(r"\((\S*libcuda\.so\.1)\+(0x[0-9a-f]+)\)")
SEP = "=================="


def symbolize(lib, offsets):
    """offset -> list of 'function file:line' (innermost first), by one addr2line call."""
    if not offsets:
        return {}
    out = subprocess.run(["addr2line", "-f", "-C", "-i", "-e", lib, "-a"] + offsets,
                         capture_output=True, text=True, check=True).stdout.splitlines()
    table, cur = {}, None
    i = 0
    while i < len(out):
        line = out[i]
        if re.fullmatch(r"0x[0-9a-f]+", line):
            cur = "0x%x" % int(line, 16)
            table[cur] = []
            i += 1
            continue
        fn = line
        loc = out[i + 1] if i + 1 < len(out) else "??"
        fn = re.sub(r"\(.*", "", fn)  # drop the argument list of long template names
        table[cur].append("%s %s" % (fn[:120], os.path.relpath(loc) if loc.startswith("/") else loc))
        i += 2
    return table


def main():
    lib, logs = sys.argv[1], [p for p in sys.argv[2:] if os.path.isfile(p)]
    reports = []
    for path in logs:
        text = open(path, errors="replace").read()
        reports += [r.strip() for r in text.split(SEP) if "WARNING: ThreadSanitizer" in r]
    offsets = sorted({"0x%x" % int(m.group(2), 16) for r in reports for m in FRAME.finditer(r)})
    table = symbolize(lib, offsets)

    def expand(report):
        # A stack ends at the emulator's kernel thunk: below it the fiber switches unwind into each other.
        lines, done = [], False
        for line in report.splitlines():
            m = FRAME.search(line)
            if m:
                if done:
                    continue
                for j, f in enumerate(table.get("0x%x" % int(m.group(2), 16), ["??"])):
                    lines.append("    %s %s" % ("  " if j else "->", f))
                    done = done or "emu_runtime" in f
            elif re.match(r"\s+#\d", line) and done:
                continue
            else:
                done = False
                lines.append(line)
        return lines

    def where(syms):
        # The first inlined frame in a kernel's own source (kernels/, the fixtures), else the innermost.
        locs = [f.split(" ", 1)[-1] for f in syms]
        return next((l for l in locs if l.startswith(("kernels/", "tests/"))), locs[0])

    races = OrderedDict()
    other = 0
    for r in reports:
        if not FRAME.search(r):
            other += 1
            continue
        # The two accesses: the blocks that start at an access line ("Write of size", "Previous read of size", ...).
        keys, current = [], None
        for line in r.splitlines():
            if re.match(r"\s*(Previous )?(Atomic )?(read|write|Read|Write) of size", line.strip()):
                current = []
                keys.append(current)
            m = FRAME.search(line)
            if m and current is not None and not current:
                current.append(where(table.get("0x%x" % int(m.group(2), 16), ["??"])))
        key = " | ".join(k[0] if k else "?" for k in keys[:2]) or r.splitlines()[1]
        if key not in races:
            races[key] = [0, expand(r)]
        races[key][0] += 1
    print("ThreadSanitizer reports: %d with a frame in the emulated driver (%d distinct), %d elsewhere (not shown)"
          % (sum(c for c, _ in races.values()), len(races), other))
    for key, (count, lines) in races.items():
        print()
        print("RACE %dx %s" % (count, key))
        print("\n".join(lines))


if __name__ == "__main__":
    main()
