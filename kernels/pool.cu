// kernels/pool.cu — max-pool and global average pool, forward with the noise epilogue, and backward.
// nvcc: native/build-kernels.sh (-O3 -std=c++17, sm_80/86/89/90 + compute_90 PTX).
// Versions tried: v1 one thread per Philox group of outputs (forward); backward as a gather, one
//   thread per input element, so overlapping windows need no atomics and the sums have a fixed order, each
//   thread searching again the maxima of the up to 4 windows it lies in (9 loads each);
//   v2 the backward's index splits by FastDiv (fastdiv.cuh): 450 -> 407 µs for the ResNet-18 stem's pool on an
//   H200, the searches (36 loads per element) were the cost;
//   v3 (this one) the forward records each window's argmax position (r * size + s, a float) and the backward
//   compares it, one load per covering window instead of a search. Predicted (not yet measured on a GPU): the
//   stem pool's backward from ~407 µs to ~15-25 µs (it becomes a pass over dx plus reads of dy and the
//   positions), the forward +2-4 µs for the extra store.
// Binding: dev.vant.backend.cuda.Pool. Reference: dev.vant.backend.cpu.ReferenceBackend.
//
// Shapes: x, dx [N, H, W, C]; max-pool y, dy, argmax [N, P, Q, C] with window size x size, stride, pad
//         (padded positions never win; ties go to the first maximum in (r, s) row-major order; NaN wins);
//         global average pool y, dy [N, C].
//   maxpool_forward   y[n,p,q,c] = noise(max_{r,s} x[n, p*st-pad+r, q*st-pad+s, c]);
//                     argmax[n,p,q,c] = r * size + s of that first maximum, -1 if none (skipped if argmax is null)
//   maxpool_backward  dx[n,h,w,c] = sum of dy[n,p,q,c] over the windows (p,q) whose argmax is (h,w), (p,q) order
//   avgpool_forward   y[n,c] = noise(sum_{h,w} x[n,h,w,c] / (H*W))   (sum in double, in (h,w) order)
//   avgpool_backward  dx[n,h,w,c] = dy[n,c] / (H*W)
#include "fastdiv.cuh"
#include "noise_epilogue.cuh"

namespace vant {
namespace pool {

struct Geometry {
  int n, h, w, c, size, stride, pad, p, q;
};

// Position r * size + s of the first maximum of window (n, p, q, c), -1 if the window has no valid position;
// `value` receives the maximum (0 for none).
__device__ __forceinline__ int argmax(const float* __restrict__ x, const Geometry& g, int n, int p, int q, int c,
                                      float& value) {
  int best = -1;
  float bv = 0.0f;
  for (int r = 0; r < g.size; ++r) {
    const int ih = p * g.stride - g.pad + r;
    if (ih < 0 || ih >= g.h) continue;
    for (int s = 0; s < g.size; ++s) {
      const int iw = q * g.stride - g.pad + s;
      if (iw < 0 || iw >= g.w) continue;
      const float v = x[(((long long)n * g.h + ih) * g.w + iw) * g.c + c];
      if (best < 0 || v > bv || (v != v && bv == bv)) { best = r * g.size + s; bv = v; }  // NaN wins (propagates)
    }
  }
  value = bv;
  return best;
}

}  // namespace pool
}  // namespace vant

// (256, 2): with (256) alone ptxas held maxpool_forward to 48 registers on sm_90 and spilled.
extern "C" __global__ void __launch_bounds__(256, 2)
maxpool_forward(const float* __restrict__ dX, float* __restrict__ dY, float* __restrict__ dArg, int n, int h, int w,
                int c, int size, int stride, int pad, int p, int q, int noiseType, float sigmaScalar,
                const float* __restrict__ dSigma, long long perSample, unsigned long long seed, unsigned int site,
                unsigned int step, const vant::StepState* dState) {
  const vant::pool::Geometry g{n, h, w, c, size, stride, pad, p, q};
  const vant::NoiseArgs na = vant::make_noise(noiseType, sigmaScalar, dSigma, perSample, seed, site, step, dState);
  const long long total = (long long)n * p * q * c;
  for (long long grp = (long long)blockIdx.x * blockDim.x + threadIdx.x; grp < (total + 3) >> 2;
       grp += (long long)gridDim.x * blockDim.x) {
    vant::noise_store_group(na, grp, total, dY, [&](long long e) {
      const int cc = (int)(e % c); long long t = e / c;
      const int qq = (int)(t % q); t /= q;
      const int pp = (int)(t % p), nn = (int)(t / p);
      float v;
      const int pos = vant::pool::argmax(dX, g, nn, pp, qq, cc, v);
      if (dArg) dArg[e] = (float)pos;  // exact: size <= 4096 (PoolShape.MAX_SIZE)
      // A window entirely in the padding cannot occur (2 pad <= size); keep the value defined anyway (0).
      return v;
    });
  }
}

// (256, 4): with (256) alone ptxas spilled 12 bytes at 40 registers on sm_80; (256, 2) took 79 registers (3 blocks
// per SM) for what is a memory-bound gather.
extern "C" __global__ void __launch_bounds__(256, 4)
maxpool_backward(const float* __restrict__ dDy, const float* __restrict__ dArg, float* __restrict__ dDx, int n, int h,
                 int w, int c, int size, int stride, int pad, int p, int q) {
  const long long total = (long long)n * h * w * c;
  // Index splits with FastDiv where every index fits 31 bits (the first H200 run: 450 µs for the ResNet-18
  // stem's pool with six 64-bit divisions per element), else 64-bit division.
  const bool narrow = total <= 0x7FFFFFFFLL;
  const vant::FastDiv fc = vant::FastDiv::of(c), fw = vant::FastDiv::of(w), fh = vant::FastDiv::of(h);
  const vant::FastDiv fs = vant::FastDiv::of(stride);
  for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < total;
       e += (long long)gridDim.x * blockDim.x) {
    int cc, iw, ih, nn;
    if (narrow) {
      int t, t2;
      fc.divmod((int)e, t, cc); fw.divmod(t, t2, iw); fh.divmod(t2, nn, ih);
    } else {
      cc = (int)(e % c); long long t = e / c;
      iw = (int)(t % w); t /= w;
      ih = (int)(t % h); nn = (int)(t / h);
    }
    // Windows containing (ih, iw): p*stride - pad <= ih <= p*stride - pad + size - 1. Clamping the numerator at 0
    // before dividing gives what max(0, truncated quotient) gave.
    const int pLo = (int)fs.div((uint32_t)max(0, ih + pad - size + stride)), pHi = min(p - 1, (int)fs.div((uint32_t)(ih + pad)));
    const int qLo = (int)fs.div((uint32_t)max(0, iw + pad - size + stride)), qHi = min(q - 1, (int)fs.div((uint32_t)(iw + pad)));
    float sum = 0.0f;
    // Not unrolled: at most ceil(size / stride) windows each way, and unrolled copies cost registers (spills on sm_80).
#pragma unroll 1
    for (int pp = pLo; pp <= pHi; ++pp) {
      const int r = ih + pad - pp * stride;  // this element's row in window (pp, .)
#pragma unroll 1
      for (int qq = qLo; qq <= qHi; ++qq) {
        const long long o = (((long long)nn * p + pp) * q + qq) * c + cc;
        if (dArg[o] == (float)(r * size + iw + pad - qq * stride)) sum += dDy[o];
      }
    }
    dDx[e] = sum;
  }
}

extern "C" __global__ void __launch_bounds__(256)
avgpool_forward(const float* __restrict__ dX, float* __restrict__ dY, int n, int hw, int c, int noiseType,
                float sigmaScalar, const float* __restrict__ dSigma, long long perSample, unsigned long long seed,
                unsigned int site, unsigned int step, const vant::StepState* dState) {
  const vant::NoiseArgs na = vant::make_noise(noiseType, sigmaScalar, dSigma, perSample, seed, site, step, dState);
  const long long total = (long long)n * c;
  for (long long grp = (long long)blockIdx.x * blockDim.x + threadIdx.x; grp < (total + 3) >> 2;
       grp += (long long)gridDim.x * blockDim.x) {
    // The (sample, channel) of the group's first element, one 64-bit division for the group; lanes step on.
    const long long nn0 = (grp << 2) / c;
    const int cc0 = (int)((grp << 2) - nn0 * c);
    vant::noise_store_group(na, grp, total, dY, [&](long long e) {
      long long nn = nn0; int cc = cc0 + (int)(e & 3);
      while (cc >= c) { cc -= c; ++nn; }
      const float* base = dX + nn * hw * c + cc;
      double s = 0.0;
      for (int i = 0; i < hw; ++i) s += base[(long long)i * c];
      return (float)(s / hw);
    });
  }
}

extern "C" __global__ void __launch_bounds__(256)
avgpool_backward(const float* __restrict__ dDy, float* __restrict__ dDx, int n, int hw, int c) {
  const long long total = (long long)n * hw * c;
  for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < total;
       e += (long long)gridDim.x * blockDim.x) {
    const int cc = (int)(e % c);
    const long long nn = e / ((long long)hw * c);
    dDx[e] = dDy[nn * c + cc] / (float)hw;
  }
}
