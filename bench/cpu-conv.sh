#!/usr/bin/env bash
# JMH benchmarks of the fast CPU backend's conv (NoisyConv2dBench) and of the equivalent OpenBLAS SGEMM
# (SgemmBench) at the ResNet-18 shapes, batch 128; writes bench/results/<date>-cpu-conv.md.
# Short on purpose (1 fork, 2 x 1 s warm-up, 5 x 1 s measurement, every call timed): about 6 minutes on 2 cores.
# Usage: bench/cpu-conv.sh [extra JMH args...]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
mvn -q -B -Pbench test-compile
mvn -q -B -Pbench dependency:build-classpath -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test >/dev/null
CP="target/test-classes:target/classes:$(cat target/bench.cp)"
JMH=(java -cp "$CP" org.openjdk.jmh.Main -f 1 -wi 2 -w 1s -i 5 -r 1s "$@")
OUT=target/jmh-cpu-conv
mkdir -p "$OUT"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
"${JMH[@]}" 'NoisyConv2dBench' -p epilogue=noise -rf json -rff "$OUT/conv.json"
"${JMH[@]}" 'NoisyConv2dBench.forward' -p epilogue=clean -rf json -rff "$OUT/conv-clean.json"
"${JMH[@]}" 'SgemmBench' -p mode=blas -rf json -rff "$OUT/sgemm.json"
"${JMH[@]}" 'SgemmBench' -p mode=chunked -p pass=forward,backwardData -rf json -rff "$OUT/sgemm-chunked.json"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
DATE=$(date -u +%Y-%m-%d)
MD="bench/results/$DATE-cpu-conv.md"
python3 bench/jmh-table.py "$OUT" > "$OUT/table.md"
{
  echo "# CPU conv benchmarks (fast backend) — $DATE"
  echo
  echo "- machine: $(nproc) cores, $(lscpu | grep 'Model name' | sed 's/Model name: *//'), $(free -g | awk '/Mem:/{print $2}') GiB"
  echo "- java: $(java -version 2>&1 | head -1)"
  echo "- OpenBLAS: org.bytedeco:openblas 0.3.31-1.5.13 (linux-x86_64 natives, no-LAPACK build)"
  echo "- load average (1/5/15 min) before: $LOAD_BEFORE, after: $LOAD_AFTER (a shared machine: other jobs ran alongside)"
  echo "- command: \`bench/cpu-conv.sh $*\` (JMH: -f 1 -wi 2 -w 1s -i 5 -r 1s; the four runs are in the script)"
  echo "- shapes: paper's ResNet-18 on 3x32x32, batch 128: stem 3->64 @32x32, layer1 64->64 @16x16, layer2 128 @8x8,"
  echo "  layer3 256 @4x4, layer4 512 @2x2; 3x3 stride 1 pad 1. Forward = conv + bias + additive noise (sigma 0.5)."
  echo "- GFLOP/s = 2 N P Q K R S C / time. SGEMM = the equivalent GEMM with operands already in native memory:"
  echo "  \`blas\` = one call, OpenBLAS threading over all cores; \`chunked\` = our scheme (OpenBLAS 1 thread per call,"
  echo "  our threads over 256-row chunks). Ratio = conv GFLOP/s / SGEMM(blas) GFLOP/s, both from the minimum time (SampleTime mode: every call timed);"
  echo "  best SGEMM = the faster of blas and chunked (backward weight: blas only)."
  echo
  cat "$OUT/table.md"
} > "$MD"
echo "wrote $MD"
