#!/usr/bin/env bash
# Builds the host (g++) programs that check kernels/*.cuh, and runs the known-answer check.
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

bin=$out/philox_check
if [[ ! -x $bin || $bin -ot $root/native/philox_check.cpp || $bin -ot $root/kernels/philox.cuh || $bin -ot $root/kernels/box_muller.cuh ]]; then
  "$CXX" -std=c++17 -O2 -Wall -Wextra -Wno-unknown-pragmas -Werror -ffp-contract=off -I "$root/kernels" \
    -o "$bin.tmp" "$root/native/philox_check.cpp" -lm
  mv "$bin.tmp" "$bin"
fi
echo "[vant] philox.cuh known answers (g++):"
"$bin" kat

bbin=$out/box_muller_check
if [[ ! -x $bbin || $bbin -ot $root/native/box_muller_check.cpp || $bbin -ot $root/kernels/box_muller.cuh || $bbin -ot $root/kernels/philox.cuh ]]; then
  # -ffp-contract=off: one rounding per operation, as the GPU's __f*_rn intrinsics (kernels/box_muller.cuh).
  "$CXX" -std=c++17 -O2 -Wall -Wextra -Wno-unknown-pragmas -Werror -ffp-contract=off -I "$root/kernels" \
    -o "$bbin.tmp" "$root/native/box_muller_check.cpp" -lm
  mv "$bbin.tmp" "$bbin"
fi
echo "[vant] box_muller.cuh (the GPU's Gaussian arithmetic) on every contract input vs double precision (g++):"
"$bbin"

fbin=$out/fastdiv_check
if [[ ! -x $fbin || $fbin -ot $root/native/fastdiv_check.cpp || $fbin -ot $root/kernels/fastdiv.cuh ]]; then
  "$CXX" -std=c++17 -O2 -Wall -Wextra -Wno-unknown-pragmas -Werror -I "$root/kernels" \
    -o "$fbin.tmp" "$root/native/fastdiv_check.cpp"
  mv "$fbin.tmp" "$fbin"
fi
echo "[vant] fastdiv.cuh against the hardware division (g++):"
"$fbin"
