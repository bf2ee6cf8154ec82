#!/usr/bin/env bash
# Static instruction counts of the GEMM k loops (bench/sass-mainloop.py) for sm_90, from the working tree's kernels.
# Needs nvcc and a cuobjdump (CUOBJDUMP=...; the H200 machines have one; none ships with this project's CI image).
# An older cuobjdump (e.g. Debian bookworm's CUDA 11.8, non-free) cannot read a CUDA 13 cubin's ELF header:
# VANT_SASS_PATCH_ELF=1 rewrites the header's architecture fields to the old encoding first (the code is unchanged).
#   bash bench/sass-mainloop.sh > table.md
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
nvcc_bin=${NVCC:-nvcc}
cuobjdump_bin=${CUOBJDUMP:-cuobjdump}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
kernels="noisy_conv2d_forward_tf32 conv2d_backward_data_tf32 conv2d_backward_data_s1_tf32 conv2d_backward_weight_tf32 noisy_matmul_forward_tf32
  matmul_backward_data_tf32 matmul_backward_weight_tf32 noisy_conv2d_forward_tf32k32 noisy_matmul_forward_tf32k32
  noisy_conv2d_forward_tf32wg noisy_conv2d_forward_tf32wg128 noisy_matmul_forward_tf32wg noisy_matmul_forward_tf32wg128
  noisy_conv2d_forward_tf32wgz noisy_conv2d_forward_tf32wg128z noisy_matmul_forward_tf32wgz noisy_matmul_forward_tf32wg128z
  conv2d_backward_weight_tf32wg conv2d_backward_weight_tf32wg128 matmul_backward_weight_tf32wg matmul_backward_weight_tf32wg128
  noisy_matmul_forward_tf32wg256 conv2d_backward_data_tf32wg conv2d_backward_data_tf32wg128 conv2d_backward_data_s1_tf32wg
  conv2d_backward_data_s1_tf32wg128 matmul_backward_data_tf32wg matmul_backward_data_tf32wg128"
for f in noisy_conv2d noisy_matmul; do
  "$nvcc_bin" -cubin -std=c++17 -O3 -gencode arch=compute_90a,code=sm_90a -I "$root/kernels" "$root/kernels/$f.cu" \
    -o "$tmp/$f.cubin" 2>/dev/null
  if [[ ${VANT_SASS_PATCH_ELF:-0} == 1 ]]; then
    python3 - "$tmp/$f.cubin" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
struct.pack_into("<I", d, 0x30, 0x5a055a)  # e_flags: sm_90, virtual sm_90, 64-bit addresses (CUDA 11 layout; sm_90a's
                                            # code is sm_90's instruction set plus wgmma, which CUDA 11.8 decodes)
d[7], d[8] = 0x33, 7                        # EI_OSABI / EI_ABIVERSION of CUDA 11 cubins
open(sys.argv[1], "wb").write(d)
PY
  fi
  "$cuobjdump_bin" -sass "$tmp/$f.cubin" >> "$tmp/all.sass"
done
# shellcheck disable=SC2086
python3 "$root/bench/sass-mainloop.py" "$tmp/all.sass" $kernels
