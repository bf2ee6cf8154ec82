#!/usr/bin/env bash
# The CPU benchmark suite (issue 7), one JMH session per part, all on this machine's cores:
#   1. the fast CPU backend's conv passes at the ResNet-18 shapes, batch 128 (NoisyConv2dBench: forward
#      with noise and with noise off, backward data, backward weight);
#   2. OpenBLAS SGEMM of the same GEMMs, the CPU GEMM ceiling (SgemmBench: one threaded call, and our
#      chunked scheme);
#   3. a whole ResNet-18 training step, vant (fast CPU backend) vs DJL 0.34 + PyTorch 2.7.1 CPU
#      (CpuTrainStepBench), no noise / NT / VANT, in the same JMH run.
# Writes bench/results/<date>-cpu-suite.md (and keeps the JMH JSON in target/jmh-cpu-suite/).
# About 10 minutes on 2 cores; every call is timed (SampleTime) and the report gives median and minimum.
# Usage: bench/cpu-suite.sh [extra JMH args for every part...]
# Environment: OMP_WAIT_POLICY (default PASSIVE here: libtorch's OpenMP threads otherwise spin while they
#              wait, which on an oversubscribed machine made DJL's step 10x slower; say ACTIVE on a quiet one).
set -euo pipefail
cd "$(dirname "$0")/.."
START=$(date +%s)
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
mvn -q -B -Pbench test-compile
mvn -q -B -Pbench dependency:build-classpath -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test >/dev/null
CP="target/test-classes:target/classes:$(cat target/bench.cp)"
OUT=target/jmh-cpu-suite
rm -rf "$OUT"; mkdir -p "$OUT"
# DJL: load libtorch from the pytorch-native-cpu jar on the classpath, never download (offline).
DJL_OPTS="-Dai.djl.offline=true -DDJL_CACHE_DIR=$(pwd)/target/djl-cache -DENGINE_CACHE_DIR=$(pwd)/target/djl-cache"
JMH=(java -cp "$CP" org.openjdk.jmh.Main -f 1 -jvmArgsAppend "$DJL_OPTS")
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
part() { echo "[cpu-suite] $1 ($(( $(date +%s) - START )) s, load $(cut -d' ' -f1 /proc/loadavg))"; }
part "1/5 conv passes with noise"
"${JMH[@]}" -wi 2 -w 1s -i 5 -r 1s "$@" 'NoisyConv2dBench' -p epilogue=noise -rf json -rff "$OUT/conv.json" > "$OUT/conv.txt"
part "2/5 conv forward, noise off"
"${JMH[@]}" -wi 2 -w 1s -i 5 -r 1s "$@" 'NoisyConv2dBench.forward' -p epilogue=clean -rf json -rff "$OUT/conv-clean.json" > "$OUT/conv-clean.txt"
part "3/5 OpenBLAS SGEMM, threaded"
"${JMH[@]}" -wi 2 -w 1s -i 5 -r 1s "$@" 'SgemmBench' -p mode=blas -rf json -rff "$OUT/sgemm.json" > "$OUT/sgemm.txt"
part "4/5 OpenBLAS SGEMM, chunked"
"${JMH[@]}" -wi 2 -w 1s -i 5 -r 1s "$@" 'SgemmBench' -p mode=chunked -p pass=forward,backwardData -rf json -rff "$OUT/sgemm-chunked.json" > "$OUT/sgemm-chunked.txt"
LOAD_MID=$(cut -d' ' -f1-3 /proc/loadavg)
part "5/5 training step, vant vs DJL/PyTorch"
"${JMH[@]}" -wi 1 -w 1s -i 4 -r 2s "$@" 'CpuTrainStepBench' -rf json -rff "$OUT/train.json" > "$OUT/train.txt"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
DATE=$(date -u +%Y-%m-%d)
MD="bench/results/$DATE-cpu-suite.md"
mkdir -p bench/results
python3 bench/jmh-table.py "$OUT" > "$OUT/conv-table.md"
python3 bench/cpu-suite-train.py "$OUT/train.json" > "$OUT/train-table.md"
SECS=$(( $(date +%s) - START ))
{
  echo "# CPU benchmark suite — $DATE"
  echo
  echo "- machine: $(nproc) cores, $(lscpu | grep 'Model name' | sed 's/Model name: *//'), $(free -g | awk '/Mem:/{print $2}') GiB; $(uname -sr)"
  echo "- java: $(java -version 2>&1 | head -1); JMH 1.37, 1 fork, SampleTime (every call timed)"
  echo "- vant: fast CPU backend, all cores; GEMMs through OpenBLAS (org.bytedeco:openblas 0.3.31-1.5.13)"
  echo "- peer: DJL 0.34.0 with the PyTorch engine, libtorch 2.7.1 CPU (ai.djl.pytorch:pytorch-native-cpu:2.7.1:linux-x86_64, loaded offline from the jar); OMP_WAIT_POLICY=$OMP_WAIT_POLICY"
  echo "- load average (1/5/15 min): before $LOAD_BEFORE, after the ops $LOAD_MID, at the end $LOAD_AFTER — a shared machine: other jobs ran alongside, so medians swing; the minimum is the better estimate of uncontended speed"
  echo "- command: \`bench/cpu-suite.sh $*\` ($SECS s wall)"
  echo
  echo "## Training step: vant vs DJL/PyTorch (same JMH run, same cores)"
  echo
  cat "$OUT/train-table.md"
  echo
  echo "## Conv passes of the fast CPU backend vs the OpenBLAS SGEMM ceiling"
  echo
  echo "Paper's ResNet-18 convs on 3x32x32, batch 128 (stem 3->64 @32x32, layer1 64 @16x16, layer2 128 @8x8, layer3 256 @4x4,"
  echo "layer4 512 @2x2; 3x3 stride 1 pad 1). Forward = conv + bias + additive noise (sigma 0.5); \"noise off\" = the same"
  echo "forward without noise. GFLOP/s = 2 N P Q K R S C / minimum time. SGEMM = the equivalent GEMM with operands"
  echo "already in native memory: \`blas\` = one call, OpenBLAS threading; \`chunked\` = the backend's scheme (OpenBLAS single-"
  echo "threaded per call, our threads over 256-row chunks). Ratio = conv GFLOP/s / SGEMM GFLOP/s (1 = at the GEMM ceiling)."
  echo
  cat "$OUT/conv-table.md"
} > "$MD"
echo "wrote $MD ($SECS s)"
