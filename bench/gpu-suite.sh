#!/usr/bin/env bash
# The GPU benchmark suite (issue 7): one command on a GPU host that has only an NVIDIA driver (plus, for
# the peer, python3 with PyTorch). Run it from the checkout with .gpubundle/ beside it, packed here by
#   VANT_ARCHS=90a BUNDLE_EXCLUDE='openblas-[0-9.-]+-linux-x86_64' bash ../shared/gpu/bundle.sh
# (in a regular clone, not a git worktree, with no target/ yet: a fatbin built earlier for all architectures
# is kept and pushes the bundle over 60 MiB; sm_90a only and no OpenBLAS keep it near 55 MiB, ~62 MiB with the
# working tree, of the 64 MiB a device call carries: measured 2026-12-06), then:
#
#   bash bench/gpu-suite.sh
#
# Parts, each under its own time limit (upper bounds that sum past 10 minutes; run 3 on an H200 took 225 s for the
# parts it had then: give the device call ~480-600 s):
#   1. the GPU tests (bash .gpubundle/run.sh tests): their summary;                      <= 240 s
#      (run 3: 62 tests in 88 s; the emulated run now has 112, five TF32 tile variants and five training modes among
#      them: ~160 s if the time scales with the count; the tests are the acceptance of issue 8, so the deadline
#      cuts the later parts instead)
#   2. the PyTorch peer (bench/peers/pytorch_vant.py --quick), if python3 imports torch: <= 120 s
#   3. vant's GPU benchmarks (vant bench, default math tf32, peer's JSON side by side):   <= 80 s
#   4. the kernel rows again on the exact-FP32 path (vant bench --math fp32 --only kernels): <= 30 s
#   5. ResNet-18 training steps at batch 128 replayed as CUDA graphs (--cuda-graph on):    <= 40 s
#  5b. part 5 with the residual blocks' fusions off (VANT_FUSIONS=off; GPU_SUITE_UNFUSED_S): <= 35 s
#  4b. the kernel rows and graph-replayed steps again with the wgmma TF32 kernels (VANT_TF32_TILE=wgmma: forwards,
#      data and weight gradients; 128 x 128 tiles, 128 x 64 where the output has 64 columns or fewer): <= 40 s
#  4c. the kernel rows with 128 x 64 wgmma tiles everywhere (VANT_TF32_TILE=wgmma64):     <= 30 s
#  4e. the 4096^3 matmul row with linear forwards on 128 x 256 wgmma tiles (VANT_TF32_TILE=wgmma256):  <= 20 s
#  4d. 4b again with the noise drawn in the epilogue (VANT_EARLY_NOISE=off): the A/B of EarlyNoise, same tiles: <= 40 s
#  4f. the kernel rows and graph-replayed steps with --math tf32rz (operands truncated by the tensor cores, no rounding
#      pass in the k loops, as cuBLAS / cuDNN): K16, beside part 3 / 5 (GPU_SUITE_RZ_S):                      <= 40 s
#  4g. the same on wgmma (VANT_TF32_TILE=wgmma --math tf32rz), beside 4b (GPU_SUITE_WG_RZ_S):                  <= 40 s
#   6. vant train --device cuda (ResNet-18, VANT, 2 epochs of the shipped Fashion-MNIST subset) and
#      vant eval of that run over a short sigma grid: the CLI end to end on the GPU:         <= 45 s
#   7. compute-sanitizer --tool memcheck over the kernel tests at their small sizes
#      (VANT_GPU_TEST_SIZE=small), where the host supports it (not under gVisor):          <= 50 s
#   8. Nsight Compute over 9 VANT training steps at batch 128 (one metric: each kernel's duration),
#      aggregated by bench/ncu-step-table.py into where a step's device time goes:          <= 90 s
#  8b. Nsight Compute sections (speed of light, warp stalls, occupancy, scheduler, memory, and the source counters:
#      where the warps stall, by SASS line — mainloop or noise epilogue) of one layer1 TF32 noisy conv forward
#      launch, K16 and wgmma (raw text in the tgz; GPU_SUITE_PROFILE2_S):                     <= 60 s
#  8c. part 8 again with VANT_TF32_TILE=wgmma (every GEMM pass on wgmma; GPU_SUITE_PROFILE_WG_S): <= 60 s
# The suite as a whole stops at GPU_SUITE_DEADLINE_S (default 520 s): each part's limit is cut to what is left, parts
# past it are skipped, and the report lists every cut; the report itself needs ~15 s of the deadline.
# Before part 1, `vant info --json` shows whether the device and the fatbin open at all.
# Writes one dated Markdown report, <date>-gpu-suite.md, with the device, driver, CUDA version and every
# number side by side, and keeps the raw outputs in gpu-suite-<stamp>/ beside it: under $OUT when it is
# set, else bench/results/. With $OUT set (the device tool, which returns at most 8 files), the raw folder
# lives in /tmp and is packed, after every part, into $OUT/gpu-suite-<stamp>.tgz, so that what finished
# comes back even when the call is cut short. Exit code: 0 when vant bench produced its tables, 1 otherwise.
# Environment: GPU_SUITE_TESTS_S / GPU_SUITE_PEER_S / GPU_SUITE_BENCH_S / GPU_SUITE_FP32_S / GPU_SUITE_GRAPH_S /
#              GPU_SUITE_TRAIN_S / GPU_SUITE_SANITIZER_S / GPU_SUITE_PROFILE_S / GPU_SUITE_WG_S /
#              GPU_SUITE_WG64_S / GPU_SUITE_WG_LATE_S / GPU_SUITE_UNFUSED_S / GPU_SUITE_WG256_S / GPU_SUITE_RZ_S /
#              GPU_SUITE_WG_RZ_S override the limits (0 skips part 4, 4b, 4c, 4d, 4e, 4f, 4g, 5, 5b, 6, 7 or 8);
#              VANT_BENCH_ARGS adds flags to vant bench (e.g. "--tiny" for a dry run on the emulated driver).
set -uo pipefail
cd "$(dirname "$0")/.."
START=$(date +%s)
DEST=${OUT:-bench/results}
DATE=$(date -u +%Y-%m-%d)
STAMP=$(date -u +%Y%m%d-%H%M%S)
if [[ -n ${OUT:-} ]]; then RAW=/tmp/gpu-suite-$STAMP; else RAW=$DEST/gpu-suite-$STAMP; fi
mkdir -p "$RAW" "$DEST"
# pack: the raw folder as one file under $OUT (see above); a no-op without $OUT.
pack() { [[ -n ${OUT:-} ]] && tar -czf "$DEST/gpu-suite-$STAMP.tgz" -C "$(dirname "$RAW")" "$(basename "$RAW")" 2>/dev/null; true; }
REPORT=$DEST/$DATE-gpu-suite.md
T_TESTS=${GPU_SUITE_TESTS_S:-240}
T_PEER=${GPU_SUITE_PEER_S:-120}
T_BENCH=${GPU_SUITE_BENCH_S:-80}
T_FP32=${GPU_SUITE_FP32_S:-30}
T_GRAPH=${GPU_SUITE_GRAPH_S:-40}
T_TRAIN=${GPU_SUITE_TRAIN_S:-45}
T_SAN=${GPU_SUITE_SANITIZER_S:-50}
T_PROF=${GPU_SUITE_PROFILE_S:-90}
T_WG=${GPU_SUITE_WG_S:-40}
T_WG64=${GPU_SUITE_WG64_S:-30}
T_WG256=${GPU_SUITE_WG256_S:-20}
T_WG_LATE=${GPU_SUITE_WG_LATE_S:-40}
T_UNFUSED=${GPU_SUITE_UNFUSED_S:-35}
T_RZ=${GPU_SUITE_RZ_S:-40}
T_WG_RZ=${GPU_SUITE_WG_RZ_S:-40}
GRAPH_BATCH=${GPU_SUITE_GRAPH_BATCH:-128}  # 2 for a dry run with VANT_BENCH_ARGS=--tiny
# The whole suite's deadline: the device call that runs it is cut at its own limit (at most 600 s, and the session's
# device budget is 15 minutes with the machine's start), and a cut call loses the report. Each part's limit is capped
# at what is left before DEADLINE minus REPORT_S (for the report); a part left with under 10 s is skipped and says so.
DEADLINE=${GPU_SUITE_DEADLINE_S:-520}
REPORT_S=15
log() { echo "[gpu-suite $(( $(date +%s) - START )) s] $*" >&2; }
CAPPED=$RAW/deadline-cuts.txt
: > "$CAPPED"
# capped NAME LIMIT [essential]: prints LIMIT, or less where the deadline leaves less (0: skip the part; an essential
# part, the tests and vant bench, gets at least 10 s instead: `timeout 0` would mean no limit at all); notes each cut.
capped() {
  local name=$1 limit=$2 essential=${3:-} left
  (( limit > 0 )) || { echo 0; return; }
  left=$(( DEADLINE - REPORT_S - ($(date +%s) - START) ))
  if [[ -n $essential ]] && (( left < 10 )); then left=10; fi
  if (( left < 10 )); then
    echo "- $name: skipped, $(( left > 0 ? left : 0 )) s left before the suite's deadline (GPU_SUITE_DEADLINE_S=$DEADLINE; a part gets at least 10 s)" >> "$CAPPED"
    log "$name skipped: the suite's deadline" ; echo 0
  elif (( left < limit )); then
    echo "- $name: limit cut from $limit s to $left s by the suite's deadline (GPU_SUITE_DEADLINE_S=$DEADLINE)" >> "$CAPPED"
    echo "$left"
  else
    echo "$limit"
  fi
}

if [[ ! -x .gpubundle/run.sh && ! -f .gpubundle/run.sh ]]; then
  echo "gpu-suite: .gpubundle/run.sh not found: pack the project first (../shared/gpu/bundle.sh) and carry .gpubundle" >&2
  exit 2
fi

# cuBLAS for the JCublas baseline: JCublas 12.6.0 needs CUDA 12's libcublas.so.12; add its folder if any.
for d in $(find /usr/local /usr/lib /opt -maxdepth 6 -name 'libcublas.so.12*' -printf '%h\n' 2>/dev/null | sort -u | head -3); do
  export LD_LIBRARY_PATH=${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$d
done

# ---- the machine ---------------------------------------------------------------------------------
{
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem,power.limit,temperature.gpu,clocks.sm \
    --format=csv 2>&1 || echo "nvidia-smi failed"
  echo
  nvidia-smi 2>&1 | head -12
} > "$RAW/nvidia-smi.txt"
GPU=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)
DRIVER=$(nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null | head -1)
CUDA_VER=$(nvidia-smi 2>/dev/null | sed -n 's/.*CUDA Version: *\([0-9.]*\).*/\1/p' | head -1)
NVCC_VER=$(command -v nvcc >/dev/null && nvcc --version | sed -n 's/.*release \([0-9.]*\).*/\1/p' || echo "not installed")

# ---- 0. does the device open? ------------------------------------------------------------------------
timeout 60 bash .gpubundle/run.sh java dev.vant.cli.Main info --json > "$RAW/vant-info.json" 2>&1
log "vant info: exit $? ($(head -c 300 "$RAW/vant-info.json" | tr '\n' ' '))"
pack

# ---- 1. GPU tests --------------------------------------------------------------------------------
T_TESTS=$(capped "1 GPU tests" "$T_TESTS" essential)
log "1/8 GPU tests (limit ${T_TESTS} s)"
t0=$(date +%s)
OUT=$RAW timeout "$T_TESTS" bash .gpubundle/run.sh tests > "$RAW/gpu-tests.txt" 2>&1
TESTS_RC=$?
TESTS_S=$(( $(date +%s) - t0 ))
[[ $TESTS_RC == 124 ]] && echo "gpu-suite: the GPU tests ran past ${T_TESTS} s and were stopped" >> "$RAW/gpu-tests.txt"
log "GPU tests: exit $TESTS_RC after $TESTS_S s: $(grep -E '^\[ *[0-9]+ tests (successful|failed)' "$RAW/gpu-tests.txt" | tr -s ' ' | tr '\n' ' ')"
pack

# ---- 2. PyTorch peer -----------------------------------------------------------------------------
PEER_ARGS=()
PEER_NOTE=""
t0=$(date +%s)
if ! command -v python3 >/dev/null; then
  PEER_NOTE="unavailable: no python3 on this host"
elif ! TORCH=$(python3 -c 'import torch; print(torch.__version__, torch.version.cuda, torch.cuda.is_available())' 2>"$RAW/torch-import.txt"); then
  PEER_NOTE="unavailable: python3 cannot import torch ($(tail -1 "$RAW/torch-import.txt"))"
elif T_PEER=$(capped "2 PyTorch peer" "$T_PEER"); (( T_PEER == 0 )); then
  PEER_NOTE="unavailable: skipped (GPU_SUITE_PEER_S=0, or the suite's deadline)"
else
  log "2/8 PyTorch peer: torch $TORCH (limit ${T_PEER} s)"
  timeout "$T_PEER" python3 -u bench/peers/pytorch_vant.py --quick --out "$RAW/pytorch.json" > "$RAW/pytorch.md" 2> "$RAW/pytorch.err"
  rc=$?
  if [[ $rc == 0 && -s $RAW/pytorch.json ]]; then
    PEER_ARGS=(--peer "$RAW/pytorch.json")
  elif [[ $rc == 124 && -s $RAW/pytorch.json ]]; then
    # The peer writes its JSON after each math mode (FP32 first): keep what it finished.
    PEER_ARGS=(--peer "$RAW/pytorch.json")
    echo "gpu-suite: the PyTorch peer ran past ${T_PEER} s and was stopped; its finished math modes are used" >> "$RAW/pytorch.err"
  elif [[ $rc == 124 ]]; then
    PEER_NOTE="unavailable: bench/peers/pytorch_vant.py ran past ${T_PEER} s and was stopped"
  else
    PEER_NOTE="unavailable: bench/peers/pytorch_vant.py failed (exit $rc): $(tail -1 "$RAW/pytorch.err")"
  fi
fi
PEER_S=$(( $(date +%s) - t0 ))
pack

# ---- 3. vant bench -------------------------------------------------------------------------------
T_BENCH=$(capped "3 vant bench" "$T_BENCH" essential)
log "3/8 vant bench (limit ${T_BENCH} s)"
t0=$(date +%s)
NOTE_ARGS=()
[[ -n $PEER_NOTE ]] && NOTE_ARGS=(--peer-note "$PEER_NOTE")
timeout "$T_BENCH" bash .gpubundle/run.sh java dev.vant.cli.Main bench --out "$RAW" --name vant-bench --budget-s $(( T_BENCH * 3 / 4 )) \
  "${PEER_ARGS[@]}" "${NOTE_ARGS[@]}" ${VANT_BENCH_ARGS:-} > "$RAW/vant-bench.md" 2> "$RAW/vant-bench.err"
BENCH_RC=$?
BENCH_S=$(( $(date +%s) - t0 ))
log "vant bench: exit $BENCH_RC after $BENCH_S s"
pack

# ---- 4 and 5: extra vant bench runs beside part 3, for issue 8's comparisons ---------------------------
# extra_bench PART NAME LIMIT TITLE ARGS...: runs vant bench ARGS as OUT/NAME within LIMIT seconds (0 skips it)
# and appends its report section (or its failure) to $RAW/extra-sections.md for the report below.
: > "$RAW/extra-sections.md"
declare -A EXTRA_S=()
extra_bench() {
  local part=$1 name=$2 limit=$3 title=$4; shift 4
  limit=$(capped "$part $name" "$limit")
  (( limit > 0 )) || return 0
  log "$part vant bench $* (limit ${limit} s)"
  local t0 rc
  t0=$(date +%s)
  timeout "$limit" bash .gpubundle/run.sh java dev.vant.cli.Main bench "$@" --out "$RAW" --name "$name" \
    "${PEER_ARGS[@]}" "${NOTE_ARGS[@]}" ${VANT_BENCH_ARGS:-} > "$RAW/$name.md" 2> "$RAW/$name.err"
  rc=$?
  EXTRA_S[$name]=$(( $(date +%s) - t0 ))
  {
    if [[ $rc == 0 && -s $RAW/$name.md ]]; then
      echo "## $title (\`vant bench $*\`)"; echo
      sed 's/^#/###/' "$RAW/$name.md"
    else
      echo "## $title FAILED (exit $rc$([[ $rc == 124 ]] && echo ", stopped after ${limit} s"))"
      echo; echo '```'; tail -15 "$RAW/$name.err"; echo '```'
    fi
    echo
  } >> "$RAW/extra-sections.md"
  log "$part: exit $rc after ${EXTRA_S[$name]} s"
  pack
}
# 5. training steps replayed as CUDA graphs (host time per step; part 3 runs them op by op)
extra_bench 5/8 vant-bench-graph "$T_GRAPH" "Training steps replayed as CUDA graphs" \
  --only train --batch "$GRAPH_BATCH" --cuda-graph on
# 5b. part 5 with the residual blocks' fusions off (VANT_FUSIONS=off: BatchNorms written out, the gradient sum and the
# conv bias gradients in passes of their own; same bits): what the fusions save per step
VANT_FUSIONS=off extra_bench 5b/8 vant-bench-unfused "$T_UNFUSED" \
  "Training steps replayed as CUDA graphs, residual-block fusions off (VANT_FUSIONS=off)" \
  --only train --batch "$GRAPH_BATCH" --cuda-graph on
# 4b. the wgmma TF32 forwards (VANT_TF32_TILE=wgmma, sm_90a): the kernel rows and graph-replayed steps, beside parts 3
# and 5; 4c. 128 x 64 wgmma tiles everywhere, kernel rows only (against 4b's 128 x 128 on the wide layers). (K32, the
# part 4b of the 2026-11-28 runs, showed no gain.)
VANT_TF32_TILE=wgmma extra_bench 4b/8 vant-bench-wgmma "$T_WG" "TF32 forwards on wgmma (VANT_TF32_TILE=wgmma)" \
  --batch "$GRAPH_BATCH" --cuda-graph on
# 4f / 4g. --math tf32rz: no rounding pass over the operands in the k loops (the tensor cores truncate them), K16 and
# wgmma, kernel rows and graph-replayed steps beside parts 3 / 5 and 4b: what the rounding costs.
extra_bench 4f/8 vant-bench-rz "$T_RZ" "TF32 with operands truncated by the tensor cores (--math tf32rz)" \
  --math tf32rz --batch "$GRAPH_BATCH" --cuda-graph on
VANT_TF32_TILE=wgmma extra_bench 4g/8 vant-bench-wgmma-rz "$T_WG_RZ" \
  "TF32 on wgmma with operands truncated by the tensor cores (VANT_TF32_TILE=wgmma --math tf32rz)" \
  --math tf32rz --batch "$GRAPH_BATCH" --cuda-graph on
# 4e. the large matmul on 128 x 256 wgmma tiles (issue 8's 4096^3 target), against 4b's 128 x 128 and part 3's K16
# (under --tiny, the dry run on the emulated driver, its row is gemm64).
GEMM_ROW=gemm4096
[[ ${VANT_BENCH_ARGS:-} == *--tiny* ]] && GEMM_ROW=gemm64
VANT_TF32_TILE=wgmma256 extra_bench 4e/8 vant-bench-wgmma256 "$T_WG256" \
  "Linear forwards on 128 x 256 wgmma tiles (VANT_TF32_TILE=wgmma256)" --only kernels --kernels "$GEMM_ROW"
VANT_TF32_TILE=wgmma64 extra_bench 4c/8 vant-bench-wgmma64 "$T_WG64" \
  "TF32 forwards on wgmma, 128 x 64 tiles everywhere (VANT_TF32_TILE=wgmma64)" --only kernels
# 4d. 4b with the noisy forwards' Gaussians drawn in their epilogue instead of under the k loop: the same tiles and
# bits, so 4b vs 4d is what EarlyNoise gains (noisy kernel rows, and the VANT / no-noise step ratio).
VANT_TF32_TILE=wgmma VANT_EARLY_NOISE=off extra_bench 4d/8 vant-bench-wgmma-late "$T_WG_LATE" \
  "TF32 forwards on wgmma, noise drawn in the epilogue (VANT_TF32_TILE=wgmma VANT_EARLY_NOISE=off)" \
  --batch "$GRAPH_BATCH" --cuda-graph on
# 4. the exact-FP32 kernels (the TF32 path is part 3's default)
extra_bench 4/8 vant-bench-fp32 "$T_FP32" "The same kernels on the exact-FP32 path" --math fp32 --only kernels

# ---- 6. the CLI end to end on the GPU --------------------------------------------------------------
TRAIN_RC=skipped
T_TRAIN=$(capped "6 train + eval" "$T_TRAIN")
if (( T_TRAIN > 0 )); then
  log "6/8 vant train + eval --device cuda (limit ${T_TRAIN} s)"
  t0=$(date +%s)
  timeout "$T_TRAIN" bash -c '
    set -e
    bash .gpubundle/run.sh java dev.vant.cli.Main train --device cuda --model resnet18 --dataset fashion-mnist \
      --data data/fashion-mnist-demo --epochs 2 --batch 128 --noise vant --sigma-train 0.6 --seed 1 --out "$1/train-run"
    bash .gpubundle/run.sh java dev.vant.cli.Main eval "$1/train-run" --device cuda --sigmas 0,0.3,0.6,0.9,1.2,1.8 \
      --repeats 2 --out "$1/train-eval"' _ "$RAW" > "$RAW/vant-train.txt" 2>&1
  TRAIN_RC=$?
  TRAIN_S=$(( $(date +%s) - t0 ))
  log "train + eval: exit $TRAIN_RC after $TRAIN_S s"
  rm -f "$RAW"/train-run/*.safetensors  # 45 MB per checkpoint: not worth carrying back
  pack
fi

# ---- 7. compute-sanitizer memcheck over the kernel tests -------------------------------------------
SAN_RC=skipped
SAN=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null | head -1)
[[ -n $SAN ]] && T_SAN=$(capped "7 compute-sanitizer" "$T_SAN")
if (( T_SAN > 0 )) && [[ -n $SAN ]]; then
  log "7/8 compute-sanitizer memcheck (limit ${T_SAN} s)"
  t0=$(date +%s)
  # --report-api-errors no: StepGraphTest provokes refused calls during a capture on purpose (they are checked there).
  VANT_GPU_TEST_SIZE=small OUT=$RAW/sanitizer timeout "$T_SAN" "$SAN" --tool memcheck --target-processes all \
    --print-limit 20 --report-api-errors no --error-exitcode 86 bash .gpubundle/run.sh tests --include-package dev.vant.backend.cuda \
    > "$RAW/sanitizer.txt" 2>&1
  SAN_RC=$?
  SAN_S=$(( $(date +%s) - t0 ))
  log "sanitizer: exit $SAN_RC after $SAN_S s"
  pack
elif (( T_SAN > 0 )); then
  echo "compute-sanitizer not found on this host" > "$RAW/sanitizer.txt"
fi

# ---- 8. where a training step's time goes (Nsight Compute, kernel durations only) ------------------
PROF_RC=skipped
NCU=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu /usr/local/cuda/bin/ncu 2>/dev/null | head -1)
[[ -n $NCU ]] && T_PROF=$(capped "8 ncu step table" "$T_PROF")
if (( T_PROF > 0 )) && [[ -n $NCU ]]; then
  log "8/8 ncu over 9 VANT training steps at batch 128 (limit ${T_PROF} s)"
  t0=$(date +%s)
  # vant bench's train row: 3 warm-up steps, 5 host-timed steps, 1 window of 1 step = 9 steps.
  timeout "$T_PROF" "$NCU" --csv --clock-control none --metrics gpu__time_duration.sum --target-processes all \
    bash .gpubundle/run.sh java dev.vant.cli.Main bench --only train --batch 128 --noise vant --windows 1 --window-steps 1 \
    --out "$RAW/ncu-bench" --name ncu > "$RAW/ncu-train-step.csv" 2> "$RAW/ncu.err"
  PROF_RC=$?
  python3 bench/ncu-step-table.py "$RAW/ncu-train-step.csv" 9 > "$RAW/ncu-train-step.md" 2>&1
  PROF_S=$(( $(date +%s) - t0 ))
  log "ncu: exit $PROF_RC after $PROF_S s"
  pack
elif (( T_PROF > 0 )); then
  echo "ncu not found on this host" > "$RAW/ncu-train-step.md"
fi

# ---- 8c. the same step table with every GEMM pass on wgmma (VANT_TF32_TILE=wgmma): forwards, data and weight
# gradients kernel by kernel, beside part 8's K16 (GPU_SUITE_PROFILE_WG_S; 0 skips) ------------------------------
T_PROF_WG=${GPU_SUITE_PROFILE_WG_S:-60}
[[ -n $NCU ]] && T_PROF_WG=$(capped "8c ncu step table, wgmma" "$T_PROF_WG")
if (( T_PROF_WG > 0 )) && [[ -n $NCU ]]; then
  log "8c ncu over 9 VANT training steps with VANT_TF32_TILE=wgmma (limit ${T_PROF_WG} s)"
  t0=$(date +%s)
  VANT_TF32_TILE=wgmma timeout "$T_PROF_WG" "$NCU" --csv --clock-control none --metrics gpu__time_duration.sum \
    --target-processes all bash .gpubundle/run.sh java dev.vant.cli.Main bench --only train --batch 128 --noise vant \
    --windows 1 --window-steps 1 --out "$RAW/ncu-bench" --name ncu-wgmma > "$RAW/ncu-train-step-wgmma.csv" 2> "$RAW/ncu-wgmma.err"
  log "8c: exit $? after $(( $(date +%s) - t0 )) s"
  python3 bench/ncu-step-table.py "$RAW/ncu-train-step-wgmma.csv" 9 > "$RAW/ncu-train-step-wgmma.md" 2>&1
  pack
fi

# ---- 8b. why the TF32 conv forward is slow: Nsight Compute sections for one layer1 launch, K16 and wgmma --------
T_PROF2=${GPU_SUITE_PROFILE2_S:-60}
[[ -n $NCU ]] && T_PROF2=$(capped "8b ncu sections" "$T_PROF2")
if (( T_PROF2 > 0 )) && [[ -n $NCU ]]; then
  log "8b ncu sections of noisy_conv2d_forward_tf32 / _tf32wg at layer1 (limit ${T_PROF2} s)"
  for tile in k16 wgmma; do
    kname=noisy_conv2d_forward_tf32; [[ $tile == wgmma ]] && kname=noisy_conv2d_forward_tf32wg
    VANT_TF32_TILE=$tile timeout $(( T_PROF2 / 2 )) "$NCU" --clock-control none --target-processes all -k "regex:^${kname}\$" \
      --launch-skip 3 --launch-count 1 --section SpeedOfLight --section WarpStateStats --section Occupancy \
      --section LaunchStats --section SchedulerStats --section MemoryWorkloadAnalysis --section SourceCounters \
      bash .gpubundle/run.sh java dev.vant.cli.Main bench --only kernels --kernels layer1 --warmup 1 --samples 3 \
      --out "$RAW/ncu-bench" --name "ncu-$tile" > "$RAW/ncu-layer1-$tile.txt" 2>&1
    log "8b $tile: exit $?"
  done
  pack
fi

# ---- the report ----------------------------------------------------------------------------------
python3 bench/issue8-targets.py "$RAW" > "$RAW/issue8-targets.md" 2>&1
{
  echo "# GPU benchmark suite — $DATE"
  echo
  echo "- GPU: ${GPU:-unknown}; driver ${DRIVER:-unknown}; CUDA (driver API) ${CUDA_VER:-unknown}; nvcc on the host: $NVCC_VER"
  echo "- host: $(nproc) CPU cores, $(uname -sr); java: the bundle's Java 17 runtime"
  echo "- PyTorch: ${TORCH:-not present}"
  echo "- command: \`bash bench/gpu-suite.sh\` (from the checkout with .gpubundle beside it); raw outputs in \`$(basename "$RAW")/\`"
  echo "- wall time: tests ${TESTS_S} s, PyTorch peer ${PEER_S} s, vant bench ${BENCH_S} s, FP32 kernels ${EXTRA_S[vant-bench-fp32]:-0} s, wgmma ${EXTRA_S[vant-bench-wgmma]:-0} s, wgmma64 ${EXTRA_S[vant-bench-wgmma64]:-0} s, wgmma late noise ${EXTRA_S[vant-bench-wgmma-late]:-0} s, graph steps ${EXTRA_S[vant-bench-graph]:-0} s, unfused steps ${EXTRA_S[vant-bench-unfused]:-0} s, train+eval ${TRAIN_S:-0} s, sanitizer ${SAN_S:-0} s, ncu ${PROF_S:-0} s, total $(( $(date +%s) - START )) s"
  echo
  if [[ -s $CAPPED ]]; then
    echo "Parts cut short or skipped by the suite's deadline:"; echo; cat "$CAPPED"; echo
  fi
  echo "## The targets of issue 8, measured in this run (bench/issue8-targets.py)"
  echo
  cat "$RAW/issue8-targets.md"
  echo
  echo "## GPU tests (\`bash .gpubundle/run.sh tests\`, exit $TESTS_RC)"
  echo
  echo '```'
  grep -E '^\[ *[0-9]+ (containers|tests) ' "$RAW/gpu-tests.txt" || tail -15 "$RAW/gpu-tests.txt"
  echo '```'
  FAILED=$(grep -E '✘|\[X\]' "$RAW/gpu-tests.txt" | head -20)
  if [[ -n $FAILED ]]; then echo; echo "Failures:"; echo '```'; echo "$FAILED"; echo '```'; fi
  echo
  if [[ $BENCH_RC == 0 && -s $RAW/vant-bench.md ]]; then
    # vant bench's own report, one heading level down.
    sed 's/^#/##/' "$RAW/vant-bench.md"
  else
    echo "## vant bench FAILED (exit $BENCH_RC$([[ $BENCH_RC == 124 ]] && echo ", stopped after ${T_BENCH} s"))"
    echo
    echo '```'
    tail -30 "$RAW/vant-bench.err"
    echo '```'
  fi
  echo
  cat "$RAW/extra-sections.md"
  echo "## vant train + eval on the GPU (exit $TRAIN_RC)"
  echo
  echo '```'
  grep -E '^(training|epoch|run folder|evaluating|\||AUC)|rror|xception' "$RAW/vant-train.txt" 2>/dev/null | head -40
  echo '```'
  echo
  echo "## Where a VANT training step's device time goes (ncu, batch 128, exit $PROF_RC)"
  echo
  cat "$RAW/ncu-train-step.md" 2>/dev/null
  echo
  if [[ -s $RAW/ncu-train-step-wgmma.md ]]; then
    echo "## The same with VANT_TF32_TILE=wgmma (ncu, batch 128)"
    echo
    cat "$RAW/ncu-train-step-wgmma.md"
    echo
  fi
  echo "## compute-sanitizer memcheck over dev.vant.backend.cuda at small sizes (exit $SAN_RC)"
  echo
  echo '```'
  { grep -E 'ERROR SUMMARY|^\[ *[0-9]+ tests (successful|failed)|Device not supported|rror' "$RAW/sanitizer.txt" || tail -5 "$RAW/sanitizer.txt"; } 2>/dev/null | head -20
  echo '```'
  echo
  if [[ -s $RAW/pytorch.md ]]; then
    echo "## PyTorch peer: its own tables (FP32 and TF32)"
    echo
    sed 's/^## /### /' "$RAW/pytorch.md"
  else
    echo "## PyTorch peer: ${PEER_NOTE:-no output}"
  fi
} > "$REPORT"
pack
log "wrote $REPORT"
cat "$REPORT"
[[ $BENCH_RC == 0 ]]
