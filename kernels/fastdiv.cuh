// kernels/fastdiv.cuh — division by a run-time divisor with one multiply-high, one add and one shift.
//
// Why: the implicit-GEMM gathers of noisy_conv2d.cu split every row index m into (n, p, q) and every k index
// into (r, s, c) at every k-tile; a 32-bit integer division by a run-time value is a ~20-instruction
// sequence on the GPU, and with 8 of them per 16-byte copy the first H200 run spent more time on index
// arithmetic than on the tensor cores (conv layer1: 5000 cycles per 128 x 64 x 16 k-tile, against ~1800
// for the matmul's plain loads).
//
// Method (Granlund & Montgomery 1994, the round-up variant; CUTLASS's FastDivmod is the same idea): for a
// divisor 1 <= d <= 2^31 let l = ceil(log2 d) and mul = floor(2^32 (2^l - d) / d) + 1 (< 2^32 because
// 2^(l-1) < d). Then for every 0 <= n < 2^31, n / d = (umulhi(mul, n) + n) >> l; the sum stays below 2^32
// since umulhi(mul, n) <= n. Exhaustively checked for small divisors and at the edges by native/fastdiv_check.cpp.
#pragma once
#include "philox.cuh"  // VANT_HD, mulhi32

namespace vant {

struct FastDiv {
  uint32_t d, mul, shift;

  // Host or device; costs one 64-bit division, so build it once per kernel (or per thread), not per use.
  VANT_HD static FastDiv of(uint32_t divisor) {
    FastDiv f;
    f.d = divisor;
    uint32_t l = 0;
    while (l < 31 && (1u << l) < divisor) ++l;
    f.shift = l;
    f.mul = (uint32_t)((((uint64_t)1 << 32) * (((uint64_t)1 << l) - divisor)) / divisor + 1);
    return f;
  }

  // n / d for 0 <= n < 2^31.
  VANT_HD uint32_t div(uint32_t n) const { return (mulhi32(mul, n) + n) >> shift; }

  // n % d for 0 <= n < 2^31.
  VANT_HD uint32_t mod(uint32_t n) const { return n - div(n) * d; }

  // q = n / d, r = n % d for 0 <= n < 2^31.
  VANT_HD void divmod(int n, int& q, int& r) const {
    q = (int)div((uint32_t)n);
    r = n - q * (int)d;
  }
};

// The channel e % C of element e of a [.., C] tensor with `total` elements: a FastDiv where every index fits 31 bits
// (any activation of a CIFAR-sized ResNet), else the 64-bit remainder (~4 vs ~70 instructions). Built once per thread.
struct ChannelOf {
  FastDiv fc;
  int c;
  bool narrow;
  VANT_HD static ChannelOf of(int C, long long total) { return ChannelOf{FastDiv::of((uint32_t)C), C, total <= 0x7FFFFFFFLL}; }
  VANT_HD int operator()(long long e) const { return narrow ? (int)fc.mod((uint32_t)e) : (int)(e % c); }
};

}  // namespace vant
