// kernels/ptx.cuh — ALL inline PTX of the project, as small wrappers with an exact host twin each.
//
// Kernels never write asm() themselves: they call these. On the GPU (__CUDA_ARCH__) each wrapper is one
// PTX instruction. Under the CPU emulation (VANT_EMU, native/emu/cuda_emu.h) each is emulated exactly as
// the PTX ISA specifies it, warp-wide where the instruction is warp-wide: mma.sync and ldmatrix meet the
// 32 lanes of the warp at a warp barrier (vant_emu::warp_collective) and compute every lane's fragment
// from the ISA's fragment layout, so a kernel that puts a value into the wrong fragment register gets a
// wrong result under emulation just as on the GPU. The nvcc host pass sees empty bodies (these are
// device-only functions; it never runs them).
//
// Fragment layouts (PTX ISA, "Matrix fragments for mma.m16n8k8", .tf32): lane = 4 * groupID + tig
// (groupID = lane >> 2, tig = lane & 3, "threadID_in_group"):
//   A 16x8 (row):  a0 = A[g][t],   a1 = A[g+8][t],   a2 = A[g][t+4],   a3 = A[g+8][t+4]
//   B  8x8 (col):  b0 = B[t][g],   b1 = B[t+4][g]
//   C/D 16x8:      c0 = C[g][2t],  c1 = C[g][2t+1],  c2 = C[g+8][2t], c3 = C[g+8][2t+1]
// ldmatrix .m8n8 .b16: lanes 8j..8j+7 give the row addresses of matrix j (16 bytes each, 16-byte
// aligned); lane l receives, in register j, the 32-bit word l%4 of row l/4 of matrix j (.trans: the b16
// elements [2(l%4)][l/4] and [2(l%4)+1][l/4], low half first). For 32-bit data (tf32) an 8x8 b16 matrix
// is an 8x4 float block, so ldmatrix .x4 over rows 0-15 and column blocks 0-3 / 4-7 yields exactly a0..a3.
#pragma once
#include <stdint.h>

#if defined(__CUDA_ARCH__)
#define VANT_PTX __device__ __forceinline__
#elif defined(VANT_EMU)
#define VANT_PTX static inline
#else
#define VANT_PTX __device__ __forceinline__
#endif
#if defined(__CUDACC__)
#define VANT_PTX_HD __host__ __device__ __forceinline__
#else
#define VANT_PTX_HD static inline
#endif

namespace vant {
namespace ptx {

// ---- cvt.rna.tf32.f32: round to TF32 (10 mantissa bits), nearest, ties away from zero ---------------------
// Host twin (everywhere but the device): add half an ulp of TF32 to the magnitude and truncate. NaN and
// infinity pass through; values that round past FLT_MAX become infinity, as in hardware.
VANT_PTX_HD uint32_t cvt_rna_tf32(float x) {
#if defined(__CUDA_ARCH__)
  uint32_t r;
  asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
  return r;
#else
  uint32_t u;
  __builtin_memcpy(&u, &x, 4);
  if ((u & 0x7F800000u) == 0x7F800000u) return u;  // inf, NaN
  return (u + 0x1000u) & 0xFFFFE000u;
#endif
}

// ---- TF32 operands the tensor cores read (mma.sync / wgmma .tf32 from registers or shared memory) ------------
// cvt.rna.tf32.f32 without its last step, the clearing of the 13 low mantissa bits: the tensor cores read only sign,
// exponent and the top 10 mantissa bits of a .tf32 operand (the emulated mma.sync and wgmma below do the same,
// tf32_bits; CUTLASS's TF32 converters leave those bits undefined for the same reason), so adding half a TF32 ulp
// to a finite value is the whole rounding they see: the same value as cvt.rna's. On sm_90 that is 2 SASS
// instructions per element (FSETP, predicated IADD) instead of cvt.rna's 3 (+ LOP3): the GEMM k loops round every
// operand element once. Not idempotent (a second application adds 0x2000 in all: wrong for about half the inputs):
// only for values rounded exactly once on their way into a stage or fragment; what is stored for later readers
// (matmul_transpose_tf32) keeps cvt.rna. A NaN passes unchanged, so one whose payload lies only in the 13 low bits
// (never a NaN the GPU's arithmetic makes: 0x7fffffff) reads as infinity, as its host twin's did before.
VANT_PTX_HD uint32_t tf32_operand(float x) {
  uint32_t u;
  __builtin_memcpy(&u, &x, 4);
#if defined(__CUDA_ARCH__)
  return fabsf(x) < __int_as_float(0x7f800000) ? u + 0x1000u : u;  // NaN and infinity pass through, as cvt.rna's
#else
  return (u & 0x7F800000u) != 0x7F800000u ? u + 0x1000u : u;
#endif
}

#if defined(VANT_EMU) && !defined(__CUDA_ARCH__)
namespace emu {
struct MmaIn { uint32_t a[4], b[2]; float c[4]; };
struct MmaOut { float d[4]; };
// The tensor core reads 19 bits of each tf32 register (sign, exponent, 10 mantissa bits); products of
// two tf32 values are exact in fp32; the sum runs in fp32, k in order.
static inline float tf32_bits(uint32_t r) { r &= 0xFFFFE000u; float f; __builtin_memcpy(&f, &r, 4); return f; }
static inline void mma_m16n8k8_tf32(const void* const* ins, void* const* outs, unsigned present, const void*) {
  if (present != 0xFFFFFFFFu) vant_emu::trap("mma.sync.aligned needs all 32 lanes of the warp");
  float A[16][8], B[8][8], C[16][8];
  for (int l = 0; l < 32; ++l) {
    const MmaIn& in = *(const MmaIn*)ins[l];
    const int g = l >> 2, t = l & 3;
    A[g][t] = tf32_bits(in.a[0]); A[g + 8][t] = tf32_bits(in.a[1]);
    A[g][t + 4] = tf32_bits(in.a[2]); A[g + 8][t + 4] = tf32_bits(in.a[3]);
    B[t][g] = tf32_bits(in.b[0]); B[t + 4][g] = tf32_bits(in.b[1]);
    C[g][2 * t] = in.c[0]; C[g][2 * t + 1] = in.c[1]; C[g + 8][2 * t] = in.c[2]; C[g + 8][2 * t + 1] = in.c[3];
  }
  float D[16][8];
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 8; ++j) {
      float acc = C[i][j];
      for (int k = 0; k < 8; ++k) acc += A[i][k] * B[k][j];
      D[i][j] = acc;
    }
  for (int l = 0; l < 32; ++l) {
    MmaOut& o = *(MmaOut*)outs[l];
    const int g = l >> 2, t = l & 3;
    o.d[0] = D[g][2 * t]; o.d[1] = D[g][2 * t + 1]; o.d[2] = D[g + 8][2 * t]; o.d[3] = D[g + 8][2 * t + 1];
  }
}

struct LdmIn { const unsigned char* row; };
struct LdmOut { uint32_t r[4]; };
template <int X, bool TRANS>
static inline void ldmatrix(const void* const* ins, void* const* outs, unsigned present, const void*) {
  const unsigned need = X == 4 ? 0xFFFFFFFFu : X == 2 ? 0xFFFFu : 0xFFu;
  if ((present & need) != need) vant_emu::trap("ldmatrix: lanes that supply row addresses have exited");
  for (int l = 0; l < 8 * X; ++l)
    if ((uintptr_t)((const LdmIn*)ins[l])->row & 15) vant_emu::trap("ldmatrix: row address not 16-byte aligned");
  for (int l = 0; l < 32; ++l) {
    if (!(present >> l & 1)) continue;
    LdmOut& o = *(LdmOut*)outs[l];
    for (int j = 0; j < X; ++j) {
      if (!TRANS) {
        __builtin_memcpy(&o.r[j], ((const LdmIn*)ins[8 * j + l / 4])->row + 4 * (l % 4), 4);
      } else {
        uint16_t lo, hi;
        __builtin_memcpy(&lo, ((const LdmIn*)ins[8 * j + 2 * (l % 4)])->row + 2 * (l / 4), 2);
        __builtin_memcpy(&hi, ((const LdmIn*)ins[8 * j + 2 * (l % 4) + 1])->row + 2 * (l / 4), 2);
        o.r[j] = (uint32_t)lo | ((uint32_t)hi << 16);
      }
    }
  }
}
template <int X, bool TRANS>
static inline void ldmatrix_lane(uint32_t* r, const void* row, const char* op) {
  LdmIn in{(const unsigned char*)row};
  LdmOut out{};
  vant_emu::warp_collective(op, 0xFFFFFFFFu, &in, &out, &ldmatrix<X, TRANS>, nullptr);
  for (int j = 0; j < X; ++j) r[j] = out.r[j];
}
static inline void cp_async(void* dst, const void* src, unsigned bytes, unsigned src_bytes) {
  if (((uintptr_t)dst | (uintptr_t)src) & (bytes - 1)) vant_emu::trap("cp.async: address not aligned to the copy size");
  vant_emu::async_copy(dst, src, bytes, src_bytes);
}
}  // namespace emu
#endif

// ---- mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32: d = a * b + c (warp-wide) ---------------------------
VANT_PTX void mma_m16n8k8_tf32(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2], const float (&c)[4]) {
#if defined(__CUDA_ARCH__)
  asm volatile(
      "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%10,%11,%12,%13};\n"
      : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "f"(c[0]), "f"(c[1]), "f"(c[2]), "f"(c[3]));
#elif defined(VANT_EMU)
  emu::MmaIn in{{a[0], a[1], a[2], a[3]}, {b[0], b[1]}, {c[0], c[1], c[2], c[3]}};
  emu::MmaOut out;
  vant_emu::warp_collective("mma.sync.m16n8k8.tf32", 0xFFFFFFFFu, &in, &out, &emu::mma_m16n8k8_tf32, nullptr);
  for (int i = 0; i < 4; ++i) d[i] = out.d[i];
#endif
}

// ---- ldmatrix.sync.aligned.m8n8.{x1,x2,x4}[.trans].shared.b16 (warp-wide) ------------------------------------
#if defined(__CUDA_ARCH__)
#define VANT_LDMATRIX(NAME, X, SUFFIX, OUTS, REGS)                                                        \
  VANT_PTX void NAME(uint32_t (&r)[X], const void* smem_row) {                                            \
    const unsigned a = (unsigned)__cvta_generic_to_shared(smem_row);                                     \
    asm volatile("ldmatrix.sync.aligned.m8n8.x" #X SUFFIX ".shared.b16 " REGS ", [%" #X "];\n"          \
                 : OUTS : "r"(a));                                                                         \
  }
#define VANT_LDM_OUT1 "=r"(r[0])
#define VANT_LDM_OUT2 "=r"(r[0]), "=r"(r[1])
#define VANT_LDM_OUT4 "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
VANT_LDMATRIX(ldmatrix_x1, 1, "", VANT_LDM_OUT1, "{%0}")
VANT_LDMATRIX(ldmatrix_x2, 2, "", VANT_LDM_OUT2, "{%0,%1}")
VANT_LDMATRIX(ldmatrix_x4, 4, "", VANT_LDM_OUT4, "{%0,%1,%2,%3}")
VANT_LDMATRIX(ldmatrix_x1_trans, 1, ".trans", VANT_LDM_OUT1, "{%0}")
VANT_LDMATRIX(ldmatrix_x2_trans, 2, ".trans", VANT_LDM_OUT2, "{%0,%1}")
VANT_LDMATRIX(ldmatrix_x4_trans, 4, ".trans", VANT_LDM_OUT4, "{%0,%1,%2,%3}")
#undef VANT_LDMATRIX
#else
#if defined(VANT_EMU)
#define VANT_LDMATRIX(NAME, X, TRANS) \
  VANT_PTX void NAME(uint32_t (&r)[X], const void* smem_row) { emu::ldmatrix_lane<X, TRANS>(r, smem_row, #NAME); }
#else
#define VANT_LDMATRIX(NAME, X, TRANS) VANT_PTX void NAME(uint32_t (&r)[X], const void* smem_row) {}
#endif
VANT_LDMATRIX(ldmatrix_x1, 1, false)
VANT_LDMATRIX(ldmatrix_x2, 2, false)
VANT_LDMATRIX(ldmatrix_x4, 4, false)
VANT_LDMATRIX(ldmatrix_x1_trans, 1, true)
VANT_LDMATRIX(ldmatrix_x2_trans, 2, true)
VANT_LDMATRIX(ldmatrix_x4_trans, 4, true)
#undef VANT_LDMATRIX
#endif

// ---- cp.async (sm_80+): global -> shared without registers; lands at cp_async_wait --------------------------
// .cg caches in L2 only and copies 16 bytes; .ca also caches in L1 and copies 4, 8 or 16 bytes. The
// _zfill forms copy src_bytes (0..16) and zero the rest: out-of-range elements of an edge tile become 0.
// Under emulation copies are queued and land at the wait that covers them (the latest moment the ISA
// allows), so reading the destination before waiting reads stale shared memory.
#if defined(__CUDA_ARCH__)
VANT_PTX void cp_async_cg16(void* smem, const void* gmem) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"((unsigned)__cvta_generic_to_shared(smem)), "l"(gmem));
}
VANT_PTX void cp_async_cg16_zfill(void* smem, const void* gmem, unsigned src_bytes) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"((unsigned)__cvta_generic_to_shared(smem)), "l"(gmem),
               "r"(src_bytes));
}
template <int BYTES>
VANT_PTX void cp_async_ca(void* smem, const void* gmem) {
  static_assert(BYTES == 4 || BYTES == 8 || BYTES == 16, "cp.async.ca copies 4, 8 or 16 bytes");
  asm volatile("cp.async.ca.shared.global [%0], [%1], %2;\n" ::"r"((unsigned)__cvta_generic_to_shared(smem)), "l"(gmem), "n"(BYTES));
}
template <int BYTES>
VANT_PTX void cp_async_ca_zfill(void* smem, const void* gmem, unsigned src_bytes) {
  static_assert(BYTES == 4 || BYTES == 8 || BYTES == 16, "cp.async.ca copies 4, 8 or 16 bytes");
  asm volatile("cp.async.ca.shared.global [%0], [%1], %2, %3;\n" ::"r"((unsigned)__cvta_generic_to_shared(smem)), "l"(gmem),
               "n"(BYTES), "r"(src_bytes));
}
// The wait and the commit clobber "memory": the kernels read and round a stage with ordinary loads and stores right
// after the wait, and without the clobber nothing would stop the compiler from moving them above it (an asm volatile
// is ordered only against other asm volatile statements). nvcc 13.0 happened to keep the order; the clobber makes it
// a rule. (Found by a review against the PTX ISA; the emulation, whose wait is a function call, could not show it.)
VANT_PTX void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
template <int N>
VANT_PTX void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory"); }
VANT_PTX void cp_async_wait_all() { asm volatile("cp.async.wait_all;\n" ::: "memory"); }
#elif defined(VANT_EMU)
VANT_PTX void cp_async_cg16(void* smem, const void* gmem) { emu::cp_async(smem, gmem, 16, 16); }
VANT_PTX void cp_async_cg16_zfill(void* smem, const void* gmem, unsigned src_bytes) { emu::cp_async(smem, gmem, 16, src_bytes); }
template <int BYTES>
VANT_PTX void cp_async_ca(void* smem, const void* gmem) {
  static_assert(BYTES == 4 || BYTES == 8 || BYTES == 16, "cp.async.ca copies 4, 8 or 16 bytes");
  emu::cp_async(smem, gmem, BYTES, BYTES);
}
template <int BYTES>
VANT_PTX void cp_async_ca_zfill(void* smem, const void* gmem, unsigned src_bytes) {
  static_assert(BYTES == 4 || BYTES == 8 || BYTES == 16, "cp.async.ca copies 4, 8 or 16 bytes");
  emu::cp_async(smem, gmem, BYTES, src_bytes);
}
VANT_PTX void cp_async_commit() { vant_emu::async_commit(); }
template <int N>
VANT_PTX void cp_async_wait() { vant_emu::async_wait(N); }
VANT_PTX void cp_async_wait_all() { vant_emu::async_commit(); vant_emu::async_wait(0); }
#else
VANT_PTX void cp_async_cg16(void*, const void*) {}
VANT_PTX void cp_async_cg16_zfill(void*, const void*, unsigned) {}
template <int BYTES> VANT_PTX void cp_async_ca(void*, const void*) {}
template <int BYTES> VANT_PTX void cp_async_ca_zfill(void*, const void*, unsigned) {}
VANT_PTX void cp_async_commit() {}
template <int N> VANT_PTX void cp_async_wait() {}
VANT_PTX void cp_async_wait_all() {}
#endif

// ---- wgmma (sm_90a): warpgroup MMA m64nNk8 .tf32 from shared memory, asynchronous ----------------------------
// A warpgroup (4 consecutive warps, the first at a warp index divisible by 4) computes D[64][N] += A[64][8] *
// B[N][8]^T; A and B are read from shared memory through 64-bit matrix descriptors, both K-major (the only
// layout .tf32 has). Layout used here: no swizzle, "core matrices" of 8 rows x 16 bytes (8 x 4 tf32) stored as
// 128 contiguous bytes (row i at byte 16 i); element (row, k) at start + (row / 8) * SBO + (row % 8) * 16 +
// (k / 4) * LBO + (k % 4) * 4 (PTX ISA 9.7.15.5.1.2, canonical K-major layout ((8,m),(T,2k)):((1T,SBO),(1,LBO))).
// Descriptor (9.7.15.5.1.2.2): bits 0-13 start address, 16-29 LBO, 32-45 SBO, each (x & 0x3FFFF) >> 4; bits
// 62-63 swizzle mode 0 (none); base offset unused without swizzle.
// Accumulator fragment (m64nNk8, .f32): thread l of warp w (w = warp index % 4 in the warpgroup) holds d[j],
// j < N/2, at row 16 w + l/4 + 8 ((j/2) % 2), column 8 (j/4) + 2 (l%4) + (j%2) — per n8 block the mma.m16n8
// C fragment.
// Protocol: wgmma_fence() before the first wgmma of a batch (and after any other access to the accumulator
// registers), the wgmmas, wgmma_commit(), then wgmma_wait<N>() before the accumulators are touched or the shared
// memory of a not-yet-complete group is overwritten. Shared memory written by ordinary stores (st.shared, and the
// cp.async copies: both the generic proxy) must be followed by fence_proxy_async() in each writing thread before
// the barrier that publishes it to the wgmmas (the async proxy).
// The descriptor's address: on the GPU the shared-window address of p; under the emulation p's offset from
// smem_base (a base the kernel passes to both calls; the GPU ignores it), so that the emulated wgmma finds the
// bytes again — descriptors built and advanced the same way on both sides.
// Emulation: each thread computes its own fragment from shared memory (row / column as above, tf32 operands
// read as the tensor core reads them: 19 bits; products exact, summed in FP32, k in order) when a wait_group
// covers the operation (native/emu: the latest moment the ISA allows), and traps the hazards and missing fences
// native/emu/cuda_emu.h lists (operands changed before completion, a stage refilled too early, no wgmma.fence or
// fence.proxy.async where the protocol above needs one).
VANT_PTX_HD uint64_t wgmma_desc(const void* smem_base, const void* p, unsigned lbo, unsigned sbo) {
#if defined(__CUDA_ARCH__)
  (void)smem_base;
  const uint32_t a = (uint32_t)__cvta_generic_to_shared(p);
#else
  const uint32_t a = (uint32_t)((const char*)p - (const char*)smem_base);
#endif
  return (uint64_t)((a & 0x3FFFFu) >> 4) | ((uint64_t)((lbo & 0x3FFFFu) >> 4) << 16) |
         ((uint64_t)((sbo & 0x3FFFFu) >> 4) << 32);
}

#if defined(VANT_EMU) && !defined(__CUDA_ARCH__)
namespace emu {
struct WgmmaOp {
  float* d;
  const unsigned char* base;
  uint64_t da, db;
  uint64_t operands;  // hash of this thread's products at issue (wgmma_products)
  int n, row0, lane;
};
static_assert(sizeof(WgmmaOp) <= vant_emu::WGMMA_OP_BYTES, "wgmma operand record");
static inline const float* wgmma_elem(const WgmmaOp& o, uint64_t desc, int row, int k) {
  if (desc >> 46) vant_emu::trap("wgmma: only the no-swizzle descriptor (bits 46-63 zero) is emulated");
  const uint32_t start = (uint32_t)(desc & 0x3FFF) << 4, lbo = (uint32_t)((desc >> 16) & 0x3FFF) << 4,
                 sbo = (uint32_t)((desc >> 32) & 0x3FFF) << 4;
  return (const float*)(o.base + start + (row >> 3) * sbo + (row & 7) * 16 + (k >> 2) * lbo + (k & 3) * 4);
}
// A hash of this thread's N/2 sums of products (from zero) over what the operands hold now: wgmma_run compares it
// with the one taken at issue, so a kernel that changes an operand's shared memory before the wgmma has completed
// (a stage rewritten, rounded or reused too early) traps instead of computing with whichever bytes a timing favours.
static inline uint64_t wgmma_products(const WgmmaOp& o) {
  const int g = o.lane >> 2, t = o.lane & 3;
  uint64_t h = 1469598103934665603ull;
  for (int j = 0; j < o.n / 2; ++j) {
    const int row = o.row0 + g + 8 * ((j >> 1) & 1), col = 8 * (j >> 2) + 2 * t + (j & 1);
    float sum = 0.0f;
    for (int k = 0; k < 8; ++k) {
      uint32_t a, b;
      __builtin_memcpy(&a, wgmma_elem(o, o.da, row, k), 4);
      __builtin_memcpy(&b, wgmma_elem(o, o.db, col, k), 4);
      sum += tf32_bits(a) * tf32_bits(b);
    }
    uint32_t u;
    __builtin_memcpy(&u, &sum, 4);
    h = (h ^ u) * 1099511628211ull;
  }
  return h;
}
static inline void wgmma_run(const void* p) {
  const WgmmaOp& o = *(const WgmmaOp*)p;
  if (wgmma_products(o) != o.operands)
    vant_emu::trap("wgmma: its shared-memory operands changed between issue and the wait_group that completed it");
  const int g = o.lane >> 2, t = o.lane & 3;
  for (int j = 0; j < o.n / 2; ++j) {
    const int row = o.row0 + g + 8 * ((j >> 1) & 1), col = 8 * (j >> 2) + 2 * t + (j & 1);
    float acc = o.d[j];
    for (int k = 0; k < 8; ++k) {
      uint32_t a, b;
      __builtin_memcpy(&a, wgmma_elem(o, o.da, row, k), 4);
      __builtin_memcpy(&b, wgmma_elem(o, o.db, col, k), 4);
      acc += tf32_bits(a) * tf32_bits(b);
    }
    o.d[j] = acc;
  }
}
}  // namespace emu
#endif

// pin(v): makes v opaque to the compiler (an empty asm that "rewrites" each of its 32-bit words), so that it keeps v in
// registers instead of recomputing it where it is used (nvcc rematerialized the hoisted row addresses of the wgmma
// copies in the k loop: ~60 of its 276 SASS instructions per k-tile). No instruction of its own.
template <class T>
VANT_PTX_HD void pin(T& v) {
#if defined(__CUDA_ARCH__)
  static_assert(sizeof(T) % 4 == 0, "pin: whole 32-bit words");
  uint32_t w[sizeof(T) / 4];
  __builtin_memcpy(w, &v, sizeof(T));
#pragma unroll
  for (unsigned i = 0; i < sizeof(T) / 4; ++i) asm volatile("" : "+r"(w[i]));
  __builtin_memcpy(&v, w, sizeof(T));
#else
  (void)v;
#endif
}

#if defined(__CUDA_ARCH__) && defined(__CUDA_ARCH_FEAT_SM90_ALL)
VANT_PTX void wgmma_fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
VANT_PTX void wgmma_commit() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
template <int N>
VANT_PTX void wgmma_wait() { asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory"); }
VANT_PTX void fence_proxy_async() { asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory"); }
// Keeps the compiler from moving accesses of an accumulator register across the asynchronous MMA (CUTLASS's
// warpgroup_fence_operand): an empty asm that "reads and writes" it.
VANT_PTX void reg_fence(float& r) { asm volatile("" : "+f"(r)::"memory"); }
#define VANT_D8(i) "+f"(d[i]), "+f"(d[i + 1]), "+f"(d[i + 2]), "+f"(d[i + 3]), "+f"(d[i + 4]), "+f"(d[i + 5]), \
                   "+f"(d[i + 6]), "+f"(d[i + 7])
// d += A * B^T over one k8 step; N = 64, 128 or 256 (d has N / 2 registers); scale-d = 1 (accumulate), scale-a/b = 1.
template <int N>
VANT_PTX void wgmma_m64k8_tf32(float (&d)[N / 2], const void* smem_base, uint64_t da, uint64_t db) {
  (void)smem_base;
  static_assert(N == 64 || N == 128 || N == 256, "wgmma_m64k8_tf32: N = 64, 128 or 256");
  if constexpr (N == 64) {
    asm volatile(
        "{\n.reg .pred p;\nsetp.ne.b32 p, %34, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n64k8.f32.tf32.tf32 {%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31}, %32, %33, p, 1, 1;\n}\n"
        : VANT_D8(0), VANT_D8(8), VANT_D8(16), VANT_D8(24)
        : "l"(da), "l"(db), "n"(1));
  } else if constexpr (N == 128) {
    asm volatile(
        "{\n.reg .pred p;\nsetp.ne.b32 p, %66, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n128k8.f32.tf32.tf32 {%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63}, %64, %65, p, 1, 1;\n}\n"
        : VANT_D8(0), VANT_D8(8), VANT_D8(16), VANT_D8(24), VANT_D8(32), VANT_D8(40), VANT_D8(48), VANT_D8(56)
        : "l"(da), "l"(db), "n"(1));
  } else {
    // 128 accumulator registers: the 128 x 256 tile of the large matmul (one block per SM, two warpgroups).
    asm volatile(
        "{\n.reg .pred p;\nsetp.ne.b32 p, %130, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n256k8.f32.tf32.tf32 {"
        "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, "
        "%32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63, "
        "%64, %65, %66, %67, %68, %69, %70, %71, %72, %73, %74, %75, %76, %77, %78, %79, %80, %81, %82, %83, %84, %85, %86, %87, %88, %89, %90, %91, %92, %93, %94, %95, "
        "%96, %97, %98, %99, %100, %101, %102, %103, %104, %105, %106, %107, %108, %109, %110, %111, %112, %113, %114, %115, %116, %117, %118, %119, %120, %121, %122, %123, %124, %125, %126, %127"
        "}, %128, %129, p, 1, 1;\n}\n"
        : VANT_D8(0), VANT_D8(8), VANT_D8(16), VANT_D8(24), VANT_D8(32), VANT_D8(40), VANT_D8(48), VANT_D8(56),
          VANT_D8(64), VANT_D8(72), VANT_D8(80), VANT_D8(88), VANT_D8(96), VANT_D8(104), VANT_D8(112), VANT_D8(120)
        : "l"(da), "l"(db), "n"(1));
  }
}
#undef VANT_D8
#elif defined(__CUDA_ARCH__)
// Other targets (sm_80-89, the compute_90 PTX): no wgmma. Kernels built on these guard their bodies
// (__CUDA_ARCH_FEAT_SM90_ALL) and trap; these bodies only keep such code compiling.
VANT_PTX void wgmma_fence() { __trap(); }
VANT_PTX void wgmma_commit() { __trap(); }
template <int N> VANT_PTX void wgmma_wait() { __trap(); }
VANT_PTX void fence_proxy_async() { __trap(); }
VANT_PTX void reg_fence(float&) {}
template <int N> VANT_PTX void wgmma_m64k8_tf32(float (&)[N / 2], const void*, uint64_t, uint64_t) { __trap(); }
#elif defined(VANT_EMU)
VANT_PTX void wgmma_fence() { vant_emu::wgmma_fence_seen(); }
VANT_PTX void wgmma_commit() { vant_emu::wgmma_commit(); }
template <int N>
VANT_PTX void wgmma_wait() { vant_emu::wgmma_wait(N); }
VANT_PTX void fence_proxy_async() { vant_emu::proxy_fence_seen(); }
VANT_PTX void reg_fence(float&) {}
template <int N>
VANT_PTX void wgmma_m64k8_tf32(float (&d)[N / 2], const void* smem_base, uint64_t da, uint64_t db) {
  static_assert(N == 64 || N == 128 || N == 256, "wgmma_m64k8_tf32: N = 64, 128 or 256");
  const vant_emu::Fiber* f = vant_emu::self();
  if (f->bdim.x % 128 != 0 || f->bdim.y != 1 || f->bdim.z != 1)
    vant_emu::trap("wgmma: the block must be whole warpgroups (blockDim.x % 128 == 0, 1-D)");
  if ((da | db) & (3ull << 62)) vant_emu::trap("wgmma: swizzled descriptors are not emulated");
  emu::WgmmaOp op{&d[0], (const unsigned char*)smem_base, da, db, 0, N, 16 * (int)(f->warp & 3), (int)f->lane};
  op.operands = emu::wgmma_products(op);
  // The byte ranges the operands span (64 rows of A, N rows of B; 8 k = two core matrices per 8-row group).
  auto span = [&](uint64_t desc, int rows, const unsigned char*& lo, const unsigned char*& hi) {
    const uint32_t start = (uint32_t)(desc & 0x3FFF) << 4, lbo = (uint32_t)((desc >> 16) & 0x3FFF) << 4,
                   sbo = (uint32_t)((desc >> 32) & 0x3FFF) << 4;
    lo = op.base + start;
    hi = lo + (uint32_t)(rows / 8 - 1) * sbo + lbo + 128;
  };
  const unsigned char *aLo, *aHi, *bLo, *bHi;
  span(da, 64, aLo, aHi);
  span(db, N, bLo, bHi);
  vant_emu::wgmma_issue(&emu::wgmma_run, &op, sizeof op, aLo, aHi, bLo, bHi, da, db, N);
}
#else
VANT_PTX void wgmma_fence() {}
VANT_PTX void wgmma_commit() {}
template <int N> VANT_PTX void wgmma_wait() {}
VANT_PTX void fence_proxy_async() {}
VANT_PTX void reg_fence(float&) {}
template <int N> VANT_PTX void wgmma_m64k8_tf32(float (&)[N / 2], const void*, uint64_t, uint64_t) {}
#endif


}  // namespace ptx
}  // namespace vant
