#!/usr/bin/env bash
# JMH: one whole training step (forward with NT noise, loss, backward, Adam) of ResNet-20 and the paper's
# ResNet-18 on 3x32x32, batch 32, fast CPU backend; writes bench/results/<date>-nn-train-step.md.
# Short on purpose (1 fork, 1 x 3 s warm-up, 3 x 3 s measurement).
# Usage: bench/nn-train-step.sh [extra JMH args...]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -Pbench test-compile
mvn -q -B -Pbench dependency:build-classpath -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test >/dev/null
CP="target/test-classes:target/classes:$(cat target/bench.cp)"
OUT=target/jmh-nn
mkdir -p "$OUT"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
java -cp "$CP" org.openjdk.jmh.Main -f 1 -wi 1 -w 3s -i 3 -r 3s "$@" 'TrainStepBench' -rf json -rff "$OUT/train.json" | tee "$OUT/train.txt"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
DATE=$(date -u +%Y-%m-%d)
MD="bench/results/$DATE-nn-train-step.md"
mkdir -p bench/results
{
  echo "# Training step of whole models on the fast CPU backend — $DATE"
  echo
  echo "- machine: $(nproc) cores, $(lscpu | grep 'Model name' | sed 's/Model name: *//'), $(free -g | awk '/Mem:/{print $2}') GiB"
  echo "- java: $(java -version 2>&1 | head -1)"
  echo "- load average (1/5/15 min) before: $LOAD_BEFORE, after: $LOAD_AFTER (a shared machine: other jobs ran alongside)"
  echo "- command: bench/nn-train-step.sh $*"
  echo "- step = forward (NT noise, sigma 0.1 at every site) + softmax cross-entropy + backward + Adam; 3x32x32, 10 classes"
  echo
  echo "| model | batch | threads | ms/step (mean ± err) | images/s |"
  echo "|---|---:|---:|---:|---:|"
  python3 - "$OUT/train.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1])):
    p = r["params"]; s = r["primaryMetric"]
    ms, err = s["score"], s["scoreError"]
    print(f"| {p['model']} | {p['batch']} | {p['threads'] if p['threads'] != '0' else 'all'} | {ms:.1f} ± {err:.1f} | {int(p['batch']) / ms * 1000:.1f} |")
PY
} > "$MD"
echo "wrote $MD"
