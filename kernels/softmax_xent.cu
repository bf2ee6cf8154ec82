// kernels/softmax_xent.cu — softmax cross-entropy, mean over the batch, with its gradient and the
// step statistics {mean loss, number correct}, reduced in a fixed order (deterministic).
// nvcc: native/build-kernels.sh (-O3 -std=c++17, sm_80/86/89/90 + compute_90 PTX).
// Versions tried: v1 one 128-thread block per row with shared-memory tree reductions, then one block
//   for the batch statistics (this one).
// Binding: dev.vant.backend.cuda.SoftmaxXent. Reference: dev.vant.backend.cpu.ReferenceBackend.
//
// Shapes: logits, dlogits [N, K]; labels [N] (class index as a float); dRow [N, 2] per-row
//         {loss, correct}; stats [2] = {mean loss, number correct}.
//   m = max_k x[k], Z = sum_k exp(x[k] - m) (double), loss = ln Z - (x[label] - m)
//   dlogits[k] = (exp(x[k] - m) / Z - [k == label]) / N
//   correct = [first argmax == label]. A label outside [0, K) yields loss NaN (the host validates
//   labels only where it already holds them; the kernel never reads out of bounds).
#include "philox.cuh"

namespace vant {
namespace xent {
constexpr int THREADS = 128;
}
}  // namespace vant

extern "C" __global__ void __launch_bounds__(128)
softmax_xent_rows(const float* __restrict__ dLogits, const float* __restrict__ dLabels, float* __restrict__ dDlogits,
                  float* __restrict__ dRow, int N, int K) {
  constexpr int T = vant::xent::THREADS;
  __shared__ float sMax[T];
  __shared__ int sArg[T];
  __shared__ double sSum[T];
  const int row = blockIdx.x, tid = threadIdx.x;
  const float* x = dLogits + (long long)row * K;
  // Max and first argmax: each thread scans k = tid, tid + T, ... (ascending), then a tree keeps the
  // larger value, or the smaller index on ties. NaN logits follow the reference's sequential scan (start
  // at k = 0, take k when x[k] > x[best]): a NaN at 0 is never replaced, a NaN elsewhere is never taken.
  // As keys: NaN at 0 -> +inf, NaN elsewhere -> -inf; the tree then never meets a NaN. (With a NaN logit
  // the loss is NaN whatever m is; only the count of correct answers depends on this.)
  float best = 0.0f;
  int arg = -1;
  for (int k = tid; k < K; k += T) {
    const float xk = x[k];
    const float v = xk != xk ? (k == 0 ? __int_as_float(0x7f800000) : __int_as_float(0xff800000)) : xk;
    if (arg < 0 || v > best) { best = v; arg = k; }
  }
  sMax[tid] = best;
  sArg[tid] = arg;
  __syncthreads();
  for (int h = T / 2; h > 0; h >>= 1) {
    if (tid < h) {
      const int a2 = sArg[tid + h];
      const float v2 = sMax[tid + h];
      if (a2 >= 0 && (sArg[tid] < 0 || v2 > sMax[tid] || (v2 == sMax[tid] && a2 < sArg[tid]))) {
        sMax[tid] = v2;
        sArg[tid] = a2;
      }
    }
    __syncthreads();
  }
  const float m = sMax[0];
  const int argmax = sArg[0];
  double z = 0.0;
  for (int k = tid; k < K; k += T) z += (double)expf(x[k] - m);
  sSum[tid] = z;
  __syncthreads();
  for (int h = T / 2; h > 0; h >>= 1) {
    if (tid < h) sSum[tid] += sSum[tid + h];
    __syncthreads();
  }
  const double Z = sSum[0];
  const float labelF = dLabels[row];
  const int label = (int)labelF;
  const bool valid = labelF >= 0.0f && labelF < (float)K && (float)label == labelF;
  const float invN = 1.0f / (float)N;
  const float invZ = (float)(1.0 / Z);
  for (int k = tid; k < K; k += T) {
    const float sm = expf(x[k] - m) * invZ;
    dDlogits[(long long)row * K + k] = (sm - (k == label ? 1.0f : 0.0f)) * invN;
  }
  if (tid == 0) {
    dRow[2 * row] = valid ? (float)(log(Z) - ((double)x[label] - (double)m)) : __int_as_float(0x7fc00000);
    dRow[2 * row + 1] = (valid && argmax == label) ? 1.0f : 0.0f;
  }
}

// One block of 128: thread t sums rows t, t + 128, ... in order; a fixed tree combines the threads.
extern "C" __global__ void __launch_bounds__(128)
softmax_xent_stats(const float* __restrict__ dRow, int N, float* __restrict__ dStats) {
  constexpr int T = vant::xent::THREADS;
  __shared__ double sLoss[T];
  __shared__ double sCorrect[T];
  const int tid = threadIdx.x;
  double l = 0.0, c = 0.0;
  for (int r = tid; r < N; r += T) { l += dRow[2 * r]; c += dRow[2 * r + 1]; }
  sLoss[tid] = l;
  sCorrect[tid] = c;
  __syncthreads();
  for (int h = T / 2; h > 0; h >>= 1) {
    if (tid < h) { sLoss[tid] += sLoss[tid + h]; sCorrect[tid] += sCorrect[tid + h]; }
    __syncthreads();
  }
  if (tid == 0) {
    dStats[0] = (float)(sLoss[0] / N);
    dStats[1] = (float)sCorrect[0];
  }
}
