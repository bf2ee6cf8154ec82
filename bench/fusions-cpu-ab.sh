#!/usr/bin/env bash
# The residual blocks' fusions on / off (VANT_FUSIONS, here the system property vant.fusions) on the fast CPU backend:
# JMH's dev.vant.nn.TrainStepBench (one training step, NT noise, batch 32, 3x32x32), ResNet-20 and ResNet-18, runs
# alternating on, off, on, off; one line per run: model, fusions, repeat, ms/step, JMH's 99.9% error.
# Needs the bench classes: mvn -q -B -Pbench test-compile; mvn -q -B -Pbench dependency:build-classpath
#   -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test
set -euo pipefail
cd "$(dirname "$0")/.."
CP="target/test-classes:target/classes:$(cat target/bench.cp)"
OUT=target/fusions-ab
mkdir -p "$OUT"
for model in resnet20 resnet18; do
  if [[ $model == resnet20 ]]; then W=4s; R=4s; I=5; else W=8s; R=8s; I=4; fi
  for rep in 1 2; do
    for f in on off; do
      java -cp "$CP" org.openjdk.jmh.Main -f 1 -wi 1 -w $W -i $I -r $R -p model=$model -jvmArgsAppend "-Dvant.fusions=$f" \
        'dev.vant.nn.TrainStepBench.trainStep' -rf json -rff $OUT/$model-$f-$rep.json > $OUT/$model-$f-$rep.txt 2>&1
      echo "$model $f $rep $(python3 -c "import json;r=json.load(open('$OUT/$model-$f-$rep.json'))[0]['primaryMetric'];print(round(r['score'],1), round(r['scoreError'],1))")"
    done
  done
done
