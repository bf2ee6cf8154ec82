#!/usr/bin/env bash
# native/emu/racecheck.sh — the GPU tests on the emulated driver built with ThreadSanitizer: every kernel those
# tests launch (the real kernels/*.cu, with the tests' own inputs) is checked for accesses that no barrier, warp
# barrier, fence or atomic orders. What it finds that the plain emulated run may not: a missing __syncthreads()
# whose stale read happens to give the right value in both of the emulator's thread orders, a cp.async stage
# refilled while another thread still reads it, two blocks writing the same element without an atomic.
# What it cannot find: anything that needs the GPU's weak memory order (the emulator is sequentially consistent, and
# under TSan a fence orders every earlier fence: native/emu/cuda_emu.h) or warp-synchronous code (not modelled).
#
#   bash native/emu/racecheck.sh                      every GPU test class (tag gpu)
#   bash native/emu/racecheck.sh dev.vant.backend.cuda.NoisyConv2dTest ...   these test classes
#   bash native/emu/racecheck.sh 'dev.vant.backend.cuda.Tf32TilesTest#tensorCoresReadOnlyTheTf32Bits(java.lang.String)'
#                                                     one test method (JUnit's method selector: parameter types in
#                                                     parentheses where the method takes any), in its own JVM too
#
# Builds what it needs (`VANT_EMU_TSAN=1 mvn -q process-test-classes`: the tests and the TSan driver); needs g++
# with libtsan, and Maven Central for the JUnit console launcher. Not part of CI: ThreadSanitizer runs the kernels
# ~30-80x slower than the plain emulation (on 2 cores: the kernel test classes ~1.8 h, a 20-step training test 2-16
# min; bench/results/2026-12-05-racecheck.md). Memory: a JVM's resident size grows with the time it runs under TSan
# (~0.5-1.5 GB per minute in the training and graph classes); CudaTrainStepTest as one class reached this machine's
# 24 GiB after 40 minutes and was killed, so run such classes method by method (Class#method, above).
# Output: target/emu/tsan/report.txt (each race with its source lines, kernel frames first), junit.txt (one summary
# line per class) and logs/ (each class's JUnit tree as it runs, TSan's raw logs).
# Exit code: 0 when every test passed and TSan reported no race with a frame in the emulated driver (the kernels
# and the emulator); 1 otherwise. Races inside the JVM itself (libjvm.so, libjimage.so, libjava.so: not built for
# TSan, they report by the hundred) are suppressed; any other report without a driver frame is counted, not shown.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
out=$root/target/emu/tsan
mkdir -p "$out"

# build-emu.sh (process-test-classes) builds target/emu/tsan/libcuda.so.1 beside the other drivers when asked.
VANT_EMU_TSAN=1 mvn -B -q process-test-classes
lib=$out/libcuda.so.1
emu=$root/native/emu
[[ -f $lib ]] || { echo "racecheck: $lib was not built (no emulated driver on a host with a GPU driver)" >&2; exit 1; }
tsan=$(g++ -print-file-name=libtsan.so)
[[ -f $tsan ]] || { echo "racecheck: g++ has no libtsan.so" >&2; exit 1; }

# Classpath: the project's test scope without JUnit, which the console launcher carries in the version of the API.
mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$out/cp.txt" > /dev/null
api=$(tr ':' '\n' < "$out/cp.txt" | grep -o 'junit-jupiter-api-[0-9.]*[0-9]' | head -1)
console=org.junit.platform:junit-platform-console-standalone:1.${api#junit-jupiter-api-5.}
jar=$out/junit-platform-console-standalone.jar
[[ -f $jar ]] || { mvn -B -q dependency:copy -Dartifact="$console" -DoutputDirectory="$out/launcher" > /dev/null \
                   && mv "$out"/launcher/*.jar "$jar"; }
cp=$root/target/test-classes:$root/target/classes:$(tr ':' '\n' < "$out/cp.txt" | grep -v 'junit\|opentest4j\|apiguardian' | paste -sd:)

# libjava.so too: a test that starts a process (FixtureKernelsTest runs the fixture harness) has the JDK's own pipe
# reader and closer on one file descriptor, which TSan reports from that uninstrumented library.
printf 'race:libjvm.so\nrace:libjimage.so\nrace:libjava.so\ncalled_from_lib:libjvm.so\n' > "$out/suppressions.txt"
rm -rf "$out/logs" "$out/junit" "$out/junit.txt"
mkdir -p "$out/logs"
classes=("$@")
# Default: every class tagged gpu, the kernels' own tests first (the training and CLI tests reach the same kernels).
[[ ${#classes[@]} -gt 0 ]] || mapfile -t classes < <(grep -rl '@Tag("gpu")' tests | sed 's|^tests/||; s|\.java$||; s|/|.|g' \
    | awk '{ print (/(BatchNorm|NoisyConv2d|NoisyMatmul|Tf32Tiles|Pool|Elementwise|SoftmaxXent|Optim|NoiseKernel)Test$/ ? 0 : 1), $0 }' \
    | sort | cut -d' ' -f2)
# One JVM per class: TSan's shadow and history grow with everything a process touched, and one JVM for the whole
# suite ran out of this machine's 24 GiB after ~40 minutes. memory_limit_mb makes TSan flush its shadow beyond that.
tests_rc=0
for cls in "${classes[@]}"; do
  t0=$(date +%s)
  # A class, or a method of one (Class#method(types)): the log's name keeps only [A-Za-z0-9._-].
  if [[ $cls == *'#'* ]]; then select=(--select-method "$cls"); else select=(--select-class "$cls"); fi
  name=${cls//[^A-Za-z0-9._-]/_}
  set +e
  LD_LIBRARY_PATH=$out${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} LD_PRELOAD=$tsan \
    TSAN_OPTIONS="halt_on_error=0 report_signal_unsafe=0 memory_limit_mb=12000 suppressions=$out/suppressions.txt log_path=$out/logs/tsan" \
    REQUIRE_GPU=1 VANT_EMULATED_RUN=1 VANT_EMU_WORKERS=2 \
    java -Xmx2g -Dvant.nativeDir="$root/target/native" -Dvant.emuDir="$root/target/emu" -Djava.awt.headless=true \
      -jar "$jar" execute -cp "$cp" --include-tag gpu --details=tree --disable-banner \
      --reports-dir "$out/junit/$name" "${select[@]}" > "$out/logs/$name.txt" 2>&1
  rc=$?
  set -e
  (( rc == 0 )) || tests_rc=1
  echo "[racecheck] $cls: JUnit exit $rc, $(( $(date +%s) - t0 )) s, $(grep -E 'tests (successful|failed|aborted) ' "$out/logs/$name.txt" \
      | tr -s ' []' ' ' | paste -sd,)" | tee -a "$out/junit.txt"
done

# Each report with its frames symbolized (TSan prints module+offset for the driver); the ones with a frame in the
# emulated driver count.
python3 "$emu/racecheck-report.py" "$lib" "$out"/logs/tsan.* > "$out/report.txt"
races=$(grep -c '^RACE ' "$out/report.txt" || true)
echo "[racecheck] JUnit exit $tests_rc; races in the kernels or the emulator: $races (report: $out/report.txt)"
[[ $tests_rc == 0 && $races == 0 ]]
