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
VANT_PTX void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N>
VANT_PTX void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N)); }
VANT_PTX void cp_async_wait_all() { asm volatile("cp.async.wait_all;\n" ::); }
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

}  // namespace ptx
}  // namespace vant
