// kernels/optim.cu — Adam and SGD with momentum over ALL parameters of a model in one launch, through a
// device table of parameter slots (built once per parameter list by optim_set_slot, then reused).
// nvcc: native/build-kernels.sh (-O3 -std=c++17, sm_80/86/89/90 + compute_90 PTX).
// Versions tried: v1 grid-stride over the concatenated index space, slot found by binary search on
//   the offsets (this one).
// Binding: dev.vant.backend.cuda.Optim. Reference: dev.vant.backend.cpu.ReferenceBackend.
//
// Shapes: table [nSlots] of {p, g, m, v (v unused by SGD), offset, size}; element i of the launch is
//         element i - offset of the slot with offset <= i < offset + size; total = sum of sizes.
//   Adam (PyTorch, L2 weight decay added to the gradient), t = step (1-based), bc1 = 1 - beta1^t,
//   bc2 = 1 - beta2^t computed on the host in double:
//     g = grad + wd p; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g g
//     p = p - lr * (m / bc1) / (sqrt(v / bc2) + eps)
//   With dState (a captured step, step_state.cuh) lr, bc1 and bc2 are read from it instead of the parameters.
//   SGD: g = grad + wd p; b = first ? g : mu b + (1 - dampening) g; d = nesterov ? g + mu b : b
//        (d = g when mu = 0); p = p - lr d.
#include "philox.cuh"
#include "step_state.cuh"

namespace vant {
namespace optim {

struct Slot {
  float* p;
  const float* g;
  float* m;
  float* v;
  long long offset;
  long long size;
};

__device__ __forceinline__ int find_slot(const Slot* __restrict__ t, int nSlots, long long i) {
  int lo = 0, hi = nSlots - 1;  // the last slot whose offset <= i
  while (lo < hi) {
    const int mid = (lo + hi + 1) >> 1;
    if (t[mid].offset <= i) lo = mid; else hi = mid - 1;
  }
  return lo;
}

}  // namespace optim
}  // namespace vant

extern "C" __global__ void optim_set_slot(vant::optim::Slot* dTable, int index, float* dP, const float* dG,
                                          float* dM, float* dV, long long offset, long long size) {
  if (blockIdx.x == 0 && threadIdx.x == 0) {
    vant::optim::Slot s;
    s.p = dP; s.g = dG; s.m = dM; s.v = dV; s.offset = offset; s.size = size;
    dTable[index] = s;
  }
}

extern "C" __global__ void __launch_bounds__(256)
adam_update(const vant::optim::Slot* __restrict__ dTable, int nSlots, long long total, float lr, float beta1,
            float beta2, float eps, float weightDecay, float bc1, float bc2, const vant::StepState* dState) {
  if (dState) { lr = dState->lr; bc1 = dState->bc1; bc2 = dState->bc2; }
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < total;
       i += (long long)gridDim.x * blockDim.x) {
    const vant::optim::Slot s = dTable[vant::optim::find_slot(dTable, nSlots, i)];
    const long long j = i - s.offset;
    const float p = s.p[j];
    const float g = s.g[j] + weightDecay * p;
    const float m = beta1 * s.m[j] + (1.0f - beta1) * g;
    const float v = beta2 * s.v[j] + (1.0f - beta2) * g * g;
    s.m[j] = m;
    s.v[j] = v;
    s.p[j] = p - lr * (m / bc1) / (sqrtf(v / bc2) + eps);
  }
}

extern "C" __global__ void __launch_bounds__(256)
sgd_update(const vant::optim::Slot* __restrict__ dTable, int nSlots, long long total, float lr, float momentum,
           float dampening, float weightDecay, int nesterov, int firstStep, const vant::StepState* dState) {
  if (dState) lr = dState->lr;
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < total;
       i += (long long)gridDim.x * blockDim.x) {
    const vant::optim::Slot s = dTable[vant::optim::find_slot(dTable, nSlots, i)];
    const long long j = i - s.offset;
    const float p = s.p[j];
    const float g = s.g[j] + weightDecay * p;
    float d = g;
    if (momentum != 0.0f) {
      const float b = firstStep ? g : momentum * s.m[j] + (1.0f - dampening) * g;
      s.m[j] = b;
      d = nesterov ? g + momentum * b : b;
    }
    s.p[j] = p - lr * d;
  }
}
