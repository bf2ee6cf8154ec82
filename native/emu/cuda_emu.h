// native/emu/cuda_emu.h — compile kernels/*.cu with g++ instead of nvcc (the CPU emulation of CUDA).
//
// g++ -std=c++20 -DVANT_EMU -include native/emu/cuda_emu.h -x c++ kernels/foo.cu turns every __global__
// kernel into a host function that one emulated GPU thread runs. native/emu/emu_runtime.cpp runs a grid
// block by block on a few worker threads; inside a block every GPU thread is a fiber (own stack, cheap
// switch) so that:
//   - __syncthreads() is a real barrier over the block's live threads,
//   - __shared__ (static and `extern __shared__` dynamic) is per block: a block's fibers all run on one
//     worker, one block at a time, so a thread_local variable is exactly one block's storage,
//   - warp intrinsics (__shfl_*_sync, __ballot_sync, ...) and the PTX twins of kernels/ptx.cuh (mma.sync,
//     ldmatrix) meet all lanes of the warp at a warp barrier and exchange values there,
//   - atomics are real atomics (blocks run in parallel on the workers).
// __CUDA_ARCH__ stays undefined: headers take their host (g++) paths; VANT_EMU is defined instead. So is
// VANT_DEVICE_MATH: kernels/philox.cuh then makes its Gaussians with the GPU's float arithmetic
// (kernels/box_muller.cuh, bit-identical on both sides) instead of the double-precision reference.
//
// Kernel-side restrictions (all also true for good CUDA code): kernels are `extern "C" __global__`
// functions at namespace scope, every `extern __shared__` array of one translation unit has one type
// (nvcc requires the same), and __shared__ variables have no initializers.
#pragma once
#ifndef VANT_EMU
#define VANT_EMU 1
#endif
#ifndef VANT_DEVICE_MATH
#define VANT_DEVICE_MATH 1
#endif
#if defined(__CUDACC__) || defined(__CUDA_ARCH__)
#error "cuda_emu.h is for g++ builds of the kernels, not for nvcc"
#endif

#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <math.h>
#include <cmath>
#include <cstdio>
#include <type_traits>

// ---- qualifiers ------------------------------------------------------------------------------------
#define __global__
#define __device__
#define __host__
#define __constant__
#define __forceinline__ inline __attribute__((always_inline))
// __noinline__ stays undefined: libstdc++ spells __attribute__((__noinline__)) and a macro would break it.
#define __align__(n) __attribute__((aligned(n)))
#define __launch_bounds__(...)
#define __grid_constant__
// One block's fibers share one worker thread and it runs one block at a time: thread_local storage is
// per block. At block scope thread_local implies static; `extern __shared__ T x[];` becomes an extern
// thread_local array that native/emu/gen-registry.sh defines (sized for the largest dynamic request).
#define __shared__ thread_local
// __restrict__ is a g++ keyword already.

// ---- built-in vector types ---------------------------------------------------------------------------
struct uint3 { unsigned int x, y, z; };
struct dim3 {
  unsigned int x, y, z;
  constexpr dim3(unsigned int x_ = 1, unsigned int y_ = 1, unsigned int z_ = 1) : x(x_), y(y_), z(z_) {}
  constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
  constexpr operator uint3() const { return uint3{x, y, z}; }
};
#define VANT_EMU_VEC2(T, N, A) struct __attribute__((aligned(A))) N { T x, y; }; \
  static inline N make_##N(T x, T y) { return N{x, y}; }
#define VANT_EMU_VEC3(T, N) struct N { T x, y, z; }; \
  static inline N make_##N(T x, T y, T z) { return N{x, y, z}; }
#define VANT_EMU_VEC4(T, N, A) struct __attribute__((aligned(A))) N { T x, y, z, w; }; \
  static inline N make_##N(T x, T y, T z, T w) { return N{x, y, z, w}; }
VANT_EMU_VEC2(float, float2, 8)
VANT_EMU_VEC3(float, float3)
VANT_EMU_VEC4(float, float4, 16)
VANT_EMU_VEC2(int, int2, 8)
VANT_EMU_VEC3(int, int3)
VANT_EMU_VEC4(int, int4, 16)
VANT_EMU_VEC2(unsigned int, uint2, 8)
VANT_EMU_VEC4(unsigned int, uint4, 16)
VANT_EMU_VEC2(double, double2, 16)
VANT_EMU_VEC2(long long, longlong2, 16)
VANT_EMU_VEC2(unsigned long long, ulonglong2, 16)
VANT_EMU_VEC4(signed char, char4, 4)
VANT_EMU_VEC4(unsigned char, uchar4, 4)
VANT_EMU_VEC2(short, short2, 4)
VANT_EMU_VEC2(unsigned short, ushort2, 4)
static inline uint3 make_uint3(unsigned int x, unsigned int y, unsigned int z) { return uint3{x, y, z}; }
#undef VANT_EMU_VEC2
#undef VANT_EMU_VEC3
#undef VANT_EMU_VEC4

// ---- the runtime's view of the running GPU thread ------------------------------------------------------
namespace vant_emu {

constexpr unsigned WARP = 32;
// Fiber stacks are STACK_BYTES large and aligned to STACK_BYTES; the Fiber record sits at the bottom of
// its stack region, so the current thread is found from the stack pointer without any TLS lookup.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr size_t STACK_BYTES = size_t(1) << 20;
#else
constexpr size_t STACK_BYTES = size_t(1) << 17;
#endif

struct Block;
struct Fiber {
  uint3 tid;   // threadIdx
  uint3 bid;   // blockIdx
  dim3 bdim;   // blockDim
  dim3 gdim;   // gridDim
  unsigned linear;  // threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z)
  unsigned lane;    // linear % 32
  unsigned warp;    // linear / 32
  Block* block;
  // The runtime's per-thread state follows this record (emu_runtime.cpp: struct Thread).
};

static inline Fiber* self() {
  uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
  return (Fiber*)(sp & ~(uintptr_t)(STACK_BYTES - 1));
}

// A collective over the lanes of `mask` in the caller's warp: every participating lane passes its input
// and output; when the last one arrives, fn(ins, outs, present, ctx) runs once for all of them (present
// = lanes that take part), then every lane continues. `op` names the intrinsic for error messages and
// must agree among the lanes.
typedef void (*CollectiveFn)(const void* const* ins, void* const* outs, unsigned present, const void* ctx);
void warp_collective(const char* op, unsigned mask, const void* in, void* out, CollectiveFn fn, const void* ctx);
void syncthreads();
int syncthreads_reduce(int op, int value);  // op 0: count, 1: and, 2: or
[[noreturn]] void trap(const char* why);
void yield();  // let the block's other threads run (this one stays runnable)
unsigned active_mask();
long long clock_ticks();

// cp.async twin: copies are queued per thread and land at wait_group (see kernels/ptx.cuh).
void async_copy(void* dst, const void* src, unsigned bytes, unsigned src_bytes);
void async_commit();
void async_wait(unsigned pending);

// wgmma twin (kernels/ptx.cuh): an issued warpgroup MMA is queued per thread as fn + a copy of its operand
// record (at most WGMMA_OP_BYTES) and runs at the wgmma.wait_group that covers its group — the latest moment
// the PTX ISA allows, so a kernel that reads the accumulators before waiting reads stale ones here too. Hazards
// on its shared-memory operands are trapped, not left to timing: the twin checks at run time that the operands
// still hold what they held at issue, and the runtime refuses a cp.async into the byte ranges [aLo, aHi) /
// [bLo, bHi) of any wgmma of the block not yet completed (a stage refilled too early).
// wgmma is a warpgroup instruction (.sync.aligned): the twin runs per thread, so the runtime checks what the
// hardware assumes — every thread of a warpgroup issues the same sequence of operations, the n-th of each with the
// same descriptors (da, db) and shape (n): a thread whose n-th differs traps, and a block whose warpgroup threads
// issued different numbers of them fails at its end.
constexpr unsigned WGMMA_OP_BYTES = 64;
typedef void (*WgmmaFn)(const void* op);
void wgmma_issue(WgmmaFn fn, const void* op, unsigned bytes, const void* aLo, const void* aHi, const void* bLo,
                 const void* bHi, uint64_t da, uint64_t db, unsigned n);
void wgmma_commit();
void wgmma_wait(unsigned pending);
// The ordering this project's wgmma kernels follow, checked per thread at each wgmma issue (PTX ISA: wgmma.fence
// before wgmma.mma_async once the thread may have touched the accumulators, i.e. since its last wait_group; shared
// memory written through the generic proxy — cp.async data, ordinary stores — fenced with fence.proxy.async before
// the async proxy reads it): a wgmma with no wgmma.fence since the thread's last wait_group, or after cp.async data
// landed in the thread without a fence.proxy.async since, traps. (Ordinary stores are not tracked.)
void wgmma_fence_seen();
void proxy_fence_seen();

}  // namespace vant_emu

#define threadIdx (::vant_emu::self()->tid)
#define blockIdx (::vant_emu::self()->bid)
#define blockDim (::vant_emu::self()->bdim)
#define gridDim (::vant_emu::self()->gdim)
#define warpSize 32

static inline void __syncthreads() { vant_emu::syncthreads(); }
static inline int __syncthreads_count(int p) { return vant_emu::syncthreads_reduce(0, p != 0); }
static inline int __syncthreads_and(int p) { return vant_emu::syncthreads_reduce(1, p != 0); }
static inline int __syncthreads_or(int p) { return vant_emu::syncthreads_reduce(2, p != 0); }
#if defined(__SANITIZE_THREAD__)
// ThreadSanitizer does not model a standalone fence (g++ warns: -Wtsan), so a fence-then-atomic protocol between
// blocks (colreduce.cuh's tickets: partials, fence, atomicAdd; the last block fences and reads them) would be
// reported as a race. Under TSan every fence is also an acquire-release read-modify-write of one word: it orders
// what a thread did before its fence before what any thread does after a later fence. That is stronger than the
// GPU's fence (it orders fences of unrelated blocks too), so TSan here finds a barrier or a fence left out
// entirely, not a fence placed where the hardware's weaker order would still let a stale value through.
// (On x86 the locked add is a full fence as well.)
inline unsigned vant_emu_tsan_fence_word = 0;
static inline void vant_emu_fence() { __atomic_fetch_add(&vant_emu_tsan_fence_word, 0u, __ATOMIC_ACQ_REL); }
#else
static inline void vant_emu_fence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
#endif
static inline void __threadfence() { vant_emu_fence(); }
static inline void __threadfence_block() { vant_emu_fence(); }
static inline void __threadfence_system() { vant_emu_fence(); }
[[noreturn]] static inline void __trap() { vant_emu::trap("__trap()"); }
static inline long long clock64() { return vant_emu::clock_ticks(); }
static inline unsigned __activemask() { return vant_emu::active_mask(); }
// The fibers of a block are cooperative: a thread that spins on another thread of its block must let it
// run. __nanosleep (the usual back-off in such loops) yields; a spin loop without it never ends here.
static inline void __nanosleep(unsigned) { vant_emu::yield(); }

// ---- warp intrinsics -------------------------------------------------------------------------------------
namespace vant_emu {
struct ShflCtx { int kind; int width; };  // kind 0 idx, 1 up, 2 down, 3 xor
template <class T>
struct ShflIn { T v; int arg; };

template <class T>
void shfl_fn(const void* const* ins, void* const* outs, unsigned present, const void* c) {
  const ShflCtx& s = *(const ShflCtx*)c;
  for (unsigned lane = 0; lane < WARP; ++lane) {
    if (!(present >> lane & 1)) continue;
    const ShflIn<T>& mine = *(const ShflIn<T>*)ins[lane];
    const int w = s.width, base = (int)lane & ~(w - 1), sub = (int)lane - base, a = mine.arg;
    int src;
    switch (s.kind) {
      case 0: src = base + (a & (w - 1)); break;
      case 1: src = sub - a >= 0 ? (int)lane - a : (int)lane; break;
      case 2: src = sub + a < w ? (int)lane + a : (int)lane; break;
      default: src = base + ((sub ^ a) & (w - 1)); break;
    }
    // A source lane that does not take part yields an undefined value on the GPU; we return our own.
    *(T*)outs[lane] = (present >> src & 1) ? ((const ShflIn<T>*)ins[src])->v : mine.v;
  }
}

template <class T>
T shfl(const char* op, unsigned mask, T v, int kind, int arg, int width) {
  static_assert(std::is_trivially_copyable_v<T>, "shuffle of a non-trivial type");
  if (width <= 0 || width > 32 || (width & (width - 1))) trap("__shfl_*_sync: width must be a power of 2 <= 32");
  ShflCtx c{kind, width};
  ShflIn<T> in{v, arg};
  T out;
  warp_collective(op, mask, &in, &out, &shfl_fn<T>, &c);
  return out;
}

void vote_fn(const void* const* ins, void* const* outs, unsigned present, const void*);
static inline unsigned ballot(const char* op, unsigned mask, int pred) {
  unsigned in = pred != 0, out = 0;
  warp_collective(op, mask, &in, &out, &vote_fn, nullptr);
  return out & mask;
}

template <class T>
void reduce_fn(const void* const* ins, void* const* outs, unsigned present, const void* c) {
  const int kind = *(const int*)c;
  T acc{};
  bool first = true;
  for (unsigned lane = 0; lane < WARP; ++lane) {
    if (!(present >> lane & 1)) continue;
    T v = *(const T*)ins[lane];
    if (first) acc = v, first = false;
    else if (kind == 0) acc = (T)(acc + v);
    else if (kind == 1) acc = v < acc ? v : acc;
    else if (kind == 2) acc = v > acc ? v : acc;
    else if (kind == 3) acc = acc & v;
    else if (kind == 4) acc = acc | v;
    else acc = acc ^ v;
  }
  for (unsigned lane = 0; lane < WARP; ++lane) if (present >> lane & 1) *(T*)outs[lane] = acc;
}
template <class T>
T reduce(const char* op, unsigned mask, T v, int kind) {
  T out;
  warp_collective(op, mask, &v, &out, &reduce_fn<T>, &kind);
  return out;
}
}  // namespace vant_emu

template <class T> static inline T __shfl_sync(unsigned m, T v, int src, int w = 32) { return vant_emu::shfl("__shfl_sync", m, v, 0, src, w); }
template <class T> static inline T __shfl_up_sync(unsigned m, T v, unsigned d, int w = 32) { return vant_emu::shfl("__shfl_up_sync", m, v, 1, (int)d, w); }
template <class T> static inline T __shfl_down_sync(unsigned m, T v, unsigned d, int w = 32) { return vant_emu::shfl("__shfl_down_sync", m, v, 2, (int)d, w); }
template <class T> static inline T __shfl_xor_sync(unsigned m, T v, int x, int w = 32) { return vant_emu::shfl("__shfl_xor_sync", m, v, 3, x, w); }
static inline unsigned __ballot_sync(unsigned m, int p) { return vant_emu::ballot("__ballot_sync", m, p); }
static inline int __any_sync(unsigned m, int p) { return vant_emu::ballot("__any_sync", m, p) != 0; }
static inline int __all_sync(unsigned m, int p) { return vant_emu::ballot("__all_sync", m, !p) == 0; }
static inline void __syncwarp(unsigned m = 0xffffffffu) { (void)vant_emu::ballot("__syncwarp", m, 1); }
static inline unsigned __reduce_add_sync(unsigned m, unsigned v) { return vant_emu::reduce("__reduce_add_sync", m, v, 0); }
static inline int __reduce_add_sync(unsigned m, int v) { return vant_emu::reduce("__reduce_add_sync", m, v, 0); }
static inline unsigned __reduce_min_sync(unsigned m, unsigned v) { return vant_emu::reduce("__reduce_min_sync", m, v, 1); }
static inline int __reduce_min_sync(unsigned m, int v) { return vant_emu::reduce("__reduce_min_sync", m, v, 1); }
static inline unsigned __reduce_max_sync(unsigned m, unsigned v) { return vant_emu::reduce("__reduce_max_sync", m, v, 2); }
static inline int __reduce_max_sync(unsigned m, int v) { return vant_emu::reduce("__reduce_max_sync", m, v, 2); }
static inline unsigned __reduce_and_sync(unsigned m, unsigned v) { return vant_emu::reduce("__reduce_and_sync", m, v, 3); }
static inline unsigned __reduce_or_sync(unsigned m, unsigned v) { return vant_emu::reduce("__reduce_or_sync", m, v, 4); }
static inline unsigned __reduce_xor_sync(unsigned m, unsigned v) { return vant_emu::reduce("__reduce_xor_sync", m, v, 5); }

// ---- atomics (real atomics: blocks run concurrently on the workers) ---------------------------------
#define VANT_EMU_ATOMIC_INT(T)                                                                           \
  static inline T atomicAdd(T* p, T v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }            \
  static inline T atomicSub(T* p, T v) { return __atomic_fetch_sub(p, v, __ATOMIC_RELAXED); }            \
  static inline T atomicExch(T* p, T v) { return __atomic_exchange_n(p, v, __ATOMIC_RELAXED); }          \
  static inline T atomicAnd(T* p, T v) { return __atomic_fetch_and(p, v, __ATOMIC_RELAXED); }            \
  static inline T atomicOr(T* p, T v) { return __atomic_fetch_or(p, v, __ATOMIC_RELAXED); }              \
  static inline T atomicXor(T* p, T v) { return __atomic_fetch_xor(p, v, __ATOMIC_RELAXED); }            \
  static inline T atomicCAS(T* p, T cmp, T v) {                                                           \
    __atomic_compare_exchange_n(p, &cmp, v, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);                  \
    return cmp;                                                                                           \
  }                                                                                                       \
  static inline T atomicMin(T* p, T v) {                                                                  \
    T old = __atomic_load_n(p, __ATOMIC_RELAXED);                                                         \
    while (v < old && !__atomic_compare_exchange_n(p, &old, v, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {} \
    return old;                                                                                           \
  }                                                                                                       \
  static inline T atomicMax(T* p, T v) {                                                                  \
    T old = __atomic_load_n(p, __ATOMIC_RELAXED);                                                         \
    while (v > old && !__atomic_compare_exchange_n(p, &old, v, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {} \
    return old;                                                                                           \
  }
VANT_EMU_ATOMIC_INT(int)
VANT_EMU_ATOMIC_INT(unsigned int)
VANT_EMU_ATOMIC_INT(unsigned long long)
VANT_EMU_ATOMIC_INT(long long)
#undef VANT_EMU_ATOMIC_INT
static inline unsigned short atomicCAS(unsigned short* p, unsigned short cmp, unsigned short v) {
  __atomic_compare_exchange_n(p, &cmp, v, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
  return cmp;
}
static inline unsigned atomicInc(unsigned* p, unsigned lim) {
  unsigned old = __atomic_load_n(p, __ATOMIC_RELAXED);
  while (!__atomic_compare_exchange_n(p, &old, old >= lim ? 0u : old + 1, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {}
  return old;
}
static inline unsigned atomicDec(unsigned* p, unsigned lim) {
  unsigned old = __atomic_load_n(p, __ATOMIC_RELAXED);
  while (!__atomic_compare_exchange_n(p, &old, (old == 0 || old > lim) ? lim : old - 1, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {}
  return old;
}
namespace vant_emu {
template <class F, class Bits, class Op>
static inline F atomic_float(F* p, F v, Op op) {
  Bits* q = (Bits*)p;
  Bits old = __atomic_load_n(q, __ATOMIC_RELAXED), nw;
  for (;;) {
    F o;
    memcpy(&o, &old, sizeof o);
    F n = op(o, v);
    memcpy(&nw, &n, sizeof nw);
    if (__atomic_compare_exchange_n(q, &old, nw, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) return o;
  }
}
}  // namespace vant_emu
static inline float atomicAdd(float* p, float v) { return vant_emu::atomic_float<float, uint32_t>(p, v, [](float a, float b) { return a + b; }); }
static inline double atomicAdd(double* p, double v) { return vant_emu::atomic_float<double, uint64_t>(p, v, [](double a, double b) { return a + b; }); }
static inline float atomicExch(float* p, float v) { return vant_emu::atomic_float<float, uint32_t>(p, v, [](float, float b) { return b; }); }
static inline float atomicMax(float* p, float v) { return vant_emu::atomic_float<float, uint32_t>(p, v, [](float a, float b) { return fmaxf(a, b); }); }
static inline float atomicMin(float* p, float v) { return vant_emu::atomic_float<float, uint32_t>(p, v, [](float a, float b) { return fminf(a, b); }); }
#define atomicAdd_block atomicAdd
#define atomicAdd_system atomicAdd
#define atomicMax_block atomicMax
#define atomicCAS_block atomicCAS

// ---- loads with cache hints: plain loads here ------------------------------------------------------------
template <class T> static inline T __ldg(const T* p) { return *p; }
template <class T> static inline T __ldcg(const T* p) { return *p; }
template <class T> static inline T __ldca(const T* p) { return *p; }
template <class T> static inline T __ldcs(const T* p) { return *p; }
template <class T> static inline T __ldlu(const T* p) { return *p; }
template <class T> static inline void __stcg(T* p, T v) { *p = v; }
template <class T> static inline void __stcs(T* p, T v) { *p = v; }
template <class T> static inline void __stwt(T* p, T v) { *p = v; }

// ---- math and bit intrinsics ------------------------------------------------------------------------------
// The fast-math intrinsics are exact host functions here: the GPU's are less accurate, so tests must keep
// their tolerance for the GPU (the emulation cannot prove an approximation is good enough).
// glibc declares __expf & co. itself (its internal names): function-like macros avoid the clash.
#define __expf(x) expf(x)
#define __exp10f(x) exp10f(x)
#define __logf(x) logf(x)
#define __log2f(x) log2f(x)
#define __log10f(x) log10f(x)
#define __sinf(x) sinf(x)
#define __cosf(x) cosf(x)
#define __tanf(x) tanf(x)
#define __sincosf(x, s, c) (*(s) = sinf(x), *(c) = cosf(x), (void)0)
#define __powf(x, y) powf(x, y)
static inline float __fdividef(float a, float b) { return a / b; }
static inline float __saturatef(float x) { return x >= 1.0f ? 1.0f : (x > 0.0f ? x : 0.0f); }  // NaN -> 0
static inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
static inline double rsqrt(double x) { return 1.0 / sqrt(x); }
static inline float rcbrtf(float x) { return 1.0f / cbrtf(x); }
static inline float sinpif(float x) { return (float)sin(3.14159265358979323846 * (double)x); }
static inline float cospif(float x) { return (float)cos(3.14159265358979323846 * (double)x); }
static inline void sincospif(float x, float* s, float* c) { *s = sinpif(x); *c = cospif(x); }
static inline double sinpi(double x) { return sin(3.14159265358979323846 * x); }
static inline double cospi(double x) { return cos(3.14159265358979323846 * x); }
static inline void sincospi(double x, double* s, double* c) { *s = sinpi(x); *c = cospi(x); }
static inline float normcdff(float x) { return 0.5f * erfcf(-x * 0.70710678118654752f); }
static inline float fdividef(float a, float b) { return a / b; }
// erfinv (not in libm): Giles' single-precision approximation (2010), then Newton steps on erf in double.
static inline double vant_emu_erfinv(double y) {
  if (!(y > -1.0)) return y == -1.0 ? -INFINITY : NAN;
  if (!(y < 1.0)) return y == 1.0 ? INFINITY : NAN;
  double w = -log((1.0 - y) * (1.0 + y)), p;
  if (w < 5.0) {
    w -= 2.5;
    p = 2.81022636e-08; p = 3.43273939e-07 + p * w; p = -3.5233877e-06 + p * w; p = -4.39150654e-06 + p * w;
    p = 0.00021858087 + p * w; p = -0.00125372503 + p * w; p = -0.00417768164 + p * w; p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
  } else {
    w = sqrt(w) - 3.0;
    p = -0.000200214257; p = 0.000100950558 + p * w; p = 0.00134934322 + p * w; p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w; p = -0.0076224613 + p * w; p = 0.00943887047 + p * w; p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
  }
  double x = p * y;
  for (int i = 0; i < 3; ++i) x -= (erf(x) - y) / (1.1283791670955126 * exp(-x * x));
  return x;
}
static inline float erfinvf(float y) { return (float)vant_emu_erfinv(y); }
static inline double erfinv(double y) { return vant_emu_erfinv(y); }
static inline float erfcinvf(float y) { return (float)vant_emu_erfinv(1.0 - (double)y); }
static inline float normcdfinvf(float p) { return (float)(-1.4142135623730951 * vant_emu_erfinv(1.0 - 2.0 * (double)p)); }
static inline float __frcp_rn(float x) { return 1.0f / x; }
static inline float __fsqrt_rn(float x) { return sqrtf(x); }
static inline float __frsqrt_rn(float x) { return 1.0f / sqrtf(x); }
static inline float __fadd_rn(float a, float b) { return a + b; }
static inline float __fsub_rn(float a, float b) { return a - b; }
static inline float __fmul_rn(float a, float b) { return a * b; }
static inline float __fdiv_rn(float a, float b) { return a / b; }
static inline float __fmaf_rn(float a, float b, float c) { return fmaf(a, b, c); }
static inline double __fma_rn(double a, double b, double c) { return fma(a, b, c); }
static inline double __dadd_rn(double a, double b) { return a + b; }
static inline double __dmul_rn(double a, double b) { return a * b; }

static inline unsigned __float_as_uint(float x) { unsigned u; memcpy(&u, &x, 4); return u; }
static inline int __float_as_int(float x) { int u; memcpy(&u, &x, 4); return u; }
static inline float __uint_as_float(unsigned u) { float x; memcpy(&x, &u, 4); return x; }
static inline float __int_as_float(int u) { float x; memcpy(&x, &u, 4); return x; }
static inline long long __double_as_longlong(double x) { long long u; memcpy(&u, &x, 8); return u; }
static inline double __longlong_as_double(long long u) { double x; memcpy(&x, &u, 8); return x; }
static inline int __float2int_rn(float x) { return (int)nearbyintf(x); }
static inline int __float2int_rz(float x) { return (int)x; }
static inline int __float2int_rd(float x) { return (int)floorf(x); }
static inline int __float2int_ru(float x) { return (int)ceilf(x); }
static inline unsigned __float2uint_rn(float x) { return (unsigned)nearbyintf(x); }
static inline unsigned __float2uint_rz(float x) { return (unsigned)x; }
static inline long long __float2ll_rn(float x) { return (long long)nearbyintf(x); }
static inline float __int2float_rn(int x) { return (float)x; }
static inline float __uint2float_rn(unsigned x) { return (float)x; }
static inline float __double2float_rn(double x) { return (float)x; }

static inline unsigned __umulhi(unsigned a, unsigned b) { return (unsigned)(((unsigned long long)a * b) >> 32); }
static inline int __mulhi(int a, int b) { return (int)(((long long)a * b) >> 32); }
static inline unsigned long long __umul64hi(unsigned long long a, unsigned long long b) { return (unsigned long long)(((unsigned __int128)a * b) >> 64); }
static inline long long __mul64hi(long long a, long long b) { return (long long)(((__int128)a * b) >> 64); }
static inline int __mul24(int a, int b) { return (int)((long long)(a << 8 >> 8) * (b << 8 >> 8)); }
static inline unsigned __umul24(unsigned a, unsigned b) { return (a & 0xFFFFFFu) * (b & 0xFFFFFFu); }
static inline int __popc(unsigned x) { return __builtin_popcount(x); }
static inline int __popcll(unsigned long long x) { return __builtin_popcountll(x); }
static inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz((unsigned)x); }
static inline int __clzll(long long x) { return x == 0 ? 64 : __builtin_clzll((unsigned long long)x); }
static inline int __ffs(int x) { return __builtin_ffs(x); }
static inline int __ffsll(long long x) { return __builtin_ffsll(x); }
static inline unsigned __brev(unsigned x) {
  x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
  x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
  x = ((x >> 4) & 0x0F0F0F0Fu) | ((x & 0x0F0F0F0Fu) << 4);
  return __builtin_bswap32(x);
}
static inline unsigned long long __brevll(unsigned long long x) {
  return ((unsigned long long)__brev((unsigned)x) << 32) | __brev((unsigned)(x >> 32));
}
static inline unsigned __funnelshift_l(unsigned lo, unsigned hi, unsigned s) {
  s &= 31; return s == 0 ? hi : (hi << s) | (lo >> (32 - s));
}
static inline unsigned __funnelshift_r(unsigned lo, unsigned hi, unsigned s) {
  s &= 31; return s == 0 ? lo : (lo >> s) | (hi << (32 - s));
}
static inline unsigned __funnelshift_lc(unsigned lo, unsigned hi, unsigned s) { return s >= 32 ? hi : __funnelshift_l(lo, hi, s); }
static inline unsigned __funnelshift_rc(unsigned lo, unsigned hi, unsigned s) { return s >= 32 ? hi : __funnelshift_r(lo, hi, s); }
static inline unsigned __byte_perm(unsigned x, unsigned y, unsigned s) {
  const unsigned long long v = ((unsigned long long)y << 32) | x;
  unsigned r = 0;
  for (int i = 0; i < 4; ++i) r |= (unsigned)((v >> (8 * ((s >> (4 * i)) & 7))) & 0xFF) << (8 * i);
  return r;
}
static inline unsigned __sad(int a, int b, unsigned c) { return c + (unsigned)(a > b ? a - b : b - a); }
static inline int __hadd(int a, int b) { return (int)(((long long)a + b) >> 1); }
static inline int __rhadd(int a, int b) { return (int)(((long long)a + b + 1) >> 1); }

// CUDA's overloaded min/max for device code.
#define VANT_EMU_MINMAX(T) \
  static inline T min(T a, T b) { return a < b ? a : b; } \
  static inline T max(T a, T b) { return a > b ? a : b; }
VANT_EMU_MINMAX(int)
VANT_EMU_MINMAX(unsigned int)
VANT_EMU_MINMAX(long long)
VANT_EMU_MINMAX(unsigned long long)
VANT_EMU_MINMAX(long)
VANT_EMU_MINMAX(unsigned long)
#undef VANT_EMU_MINMAX
static inline unsigned int min(int a, unsigned int b) { return min((unsigned int)a, b); }
static inline unsigned int min(unsigned int a, int b) { return min(a, (unsigned int)b); }
static inline unsigned int max(int a, unsigned int b) { return max((unsigned int)a, b); }
static inline unsigned int max(unsigned int a, int b) { return max(a, (unsigned int)b); }
static inline long long min(long long a, int b) { return min(a, (long long)b); }
static inline long long min(int a, long long b) { return min((long long)a, b); }
static inline long long max(long long a, int b) { return max(a, (long long)b); }
static inline long long max(int a, long long b) { return max((long long)a, b); }
static inline float min(float a, float b) { return fminf(a, b); }
static inline float max(float a, float b) { return fmaxf(a, b); }
static inline double min(double a, double b) { return fmin(a, b); }
static inline double max(double a, double b) { return fmax(a, b); }
static inline double min(float a, double b) { return fmin(a, b); }
static inline double min(double a, float b) { return fmin(a, b); }
static inline double max(float a, double b) { return fmax(a, b); }
static inline double max(double a, float b) { return fmax(a, b); }
