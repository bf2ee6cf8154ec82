// kernels/batchnorm.cuh — the BatchNorm pre-activation every kernel computes the same way (batchnorm.cu's
// apply and backward, elementwise.cu's residual join reading its inputs through their BatchNorms).
// Binding: dev.vant.backend.cuda.BatchNorm, dev.vant.backend.cuda.Elementwise (JoinInput).
#pragma once

namespace vant {
namespace bn {

// The pre-activation; forward and backward use this one function so the recomputed ReLU mask matches, and a
// join that normalizes its input on the fly gets the bits batchnorm_apply would have written. The fma is written
// out (nvcc contracted gamma * t + beta to it anyway) so that the bits do not depend on a compiler's contraction
// choice: the emulation's g++ build computes the same value.
__host__ __device__ __forceinline__ float pre(float x, float mean, float invStd, float gamma, float beta) {
  return fmaf(gamma, (x - mean) * invStd, beta);
}

// The inference forward's 1 / sqrt(runningVar + eps) (batchnorm_inference and the join use this one).
__host__ __device__ __forceinline__ float inference_inv_std(float runningVar, float eps) {
  return 1.0f / sqrtf(runningVar + eps);
}

}  // namespace bn

// One input of the residual join (dev.vant.backend.JoinInput): x, or x seen through a BatchNorm without ReLU
// or noise. mode 0: x; 1: scale is the saved invStd (training); 2: scale is the running variance (inference).
struct JoinIn {
  const float* x;
  const float* gamma;
  const float* beta;
  const float* mean;
  const float* scale;
  float eps;
  int mode;

  __device__ __forceinline__ float at(long long e, int c) const {
    if (mode == 0) return x[e];
    const float invStd = mode == 1 ? scale[c] : bn::inference_inv_std(scale[c], eps);
    return bn::pre(x[e], mean[c], invStd, gamma[c], beta[c]);
  }
};

}  // namespace vant
