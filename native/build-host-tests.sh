#!/usr/bin/env bash
# Builds the host (g++) programs that check kernels/*.cuh and runs them: Philox known answers, the GPU's
# Box-Muller arithmetic on every contract input, FastDiv against the hardware division, the TF32 roundings.
#
#   native/build-host-tests.sh OUT_DIR        (run by Maven in process-test-classes)
#
# OUT_DIR/philox_check is then run again by the Java tests (dev.vant.random.PhiloxNativeTest), which
# compare its stream with the Java generator word for word.
set -euo pipefail
out=$1
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
CXX=${CXX:-g++}
command -v "$CXX" >/dev/null || { echo "[vant] ERROR: $CXX not found: the host checks of kernels/*.cuh need a C++ compiler" >&2; exit 1; }

# build NAME HEADER... : native/NAME.cpp -> $out/NAME, rebuilt when it or a header it checks is newer.
# -ffp-contract=off: one rounding per operation, as the GPU's __f*_rn intrinsics (kernels/box_muller.cuh).
build() {
  local name=$1; shift
  local bin=$out/$name src=$root/native/$name.cpp dep stale=0
  [[ -x $bin && ! $bin -ot $src ]] || stale=1
  for dep in "$@"; do [[ $bin -ot $root/kernels/$dep ]] && stale=1; done
  if (( stale )); then
    "$CXX" -std=c++17 -O2 -Wall -Wextra -Wno-unknown-pragmas -Werror -ffp-contract=off -I "$root/kernels" \
      -o "$bin.tmp" "$src" -lm
    mv "$bin.tmp" "$bin"
  fi
}

build philox_check philox.cuh box_muller.cuh
echo "[vant] philox.cuh known answers (g++):"
"$out/philox_check" kat

build box_muller_check box_muller.cuh philox.cuh
echo "[vant] box_muller.cuh (the GPU's Gaussian arithmetic) on every contract input vs double precision (g++):"
"$out/box_muller_check"

build fastdiv_check fastdiv.cuh
echo "[vant] fastdiv.cuh against the hardware division (g++):"
"$out/fastdiv_check"

build tf32_check ptx.cuh
echo "[vant] ptx.cuh's TF32 roundings (the GEMM k loops' and cvt.rna's host twins) against each other and double precision (g++):"
"$out/tf32_check"
