#!/usr/bin/env python3
"""Rebuilds data/fashion-mnist-demo/: the first 9000 training and first 2000 test images of Fashion-MNIST,
as gzipped IDX files with the original names, from the full set (default: Debian's dataset-fashion-mnist).

The demo trains on exactly these images whether it reads this subset or the full set (it uses the first
N images of each split), so its results do not depend on which one a machine has.
Usage: data/make-fashion-mnist-demo.py [FULL_DIR]
"""
import gzip
import os
import struct
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
DST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fashion-mnist-demo")
FILES = {"train-images-idx3-ubyte.gz": 9000, "train-labels-idx1-ubyte.gz": 9000,
         "t10k-images-idx3-ubyte.gz": 2000, "t10k-labels-idx1-ubyte.gz": 2000}


def first(name, n):
    data = gzip.open(os.path.join(SRC, name)).read()
    magic = struct.unpack(">I", data[:4])[0]
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    if dims[0] < n:
        sys.exit(f"{name}: has {dims[0]} items, need {n}")
    per = 1
    for d in dims[1:]:
        per *= d
    start = 4 + 4 * ndim
    return struct.pack(">I", magic) + struct.pack(">" + "I" * ndim, n, *dims[1:]) + data[start:start + n * per]


os.makedirs(DST, exist_ok=True)
for name, n in FILES.items():
    tmp = os.path.join(DST, name + ".tmp")
    with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0, filename="") as f:
        f.write(first(name, n))
    os.replace(tmp, os.path.join(DST, name))  # never leave a half-written file under the real name
    print(f"{name}: first {n}")
