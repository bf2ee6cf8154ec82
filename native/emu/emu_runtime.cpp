// native/emu/emu_runtime.cpp — runs emulated kernels: a pool of workers, one block at a time per worker,
// every GPU thread of the block a fiber on that worker.
//
// Why fibers: a block's threads must meet at __syncthreads() and at warp intrinsics, so each needs its
// own stack; OS threads would make every barrier a storm of futex wake-ups (and 2 CPUs run 256 OS
// threads badly). Fibers switch in a few nanoseconds, keep a block on one worker (so thread_local is
// per-block __shared__ storage), and make the schedule deterministic: within a block the threads run
// one after another until each blocks, in forward order for even blocks and reverse order for odd ones.
// A kernel that reads another thread's shared-memory write without a barrier therefore reads a stale
// value in one of the two orders, whichever direction the dependency has.
//
// Sanitizers: under -fsanitize=address the fiber switches are announced to ASan; under
// -fsanitize=thread every fiber is a TSan fiber, the switches carry no synchronization, and the
// barriers (block and warp) are annotated as release/acquire, so TSan reports shared-memory accesses
// that no barrier orders. The runtime's own bookkeeping is hidden from TSan (it is ordered by the
// fiber switches, which TSan is told not to treat as synchronization).
#include "emu_runtime.h"

#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define VANT_ASAN 1
#else
#define VANT_ASAN 0
#endif
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define VANT_TSAN 1
extern "C" void AnnotateIgnoreReadsBegin(const char* f, int l);
extern "C" void AnnotateIgnoreReadsEnd(const char* f, int l);
extern "C" void AnnotateIgnoreWritesBegin(const char* f, int l);
extern "C" void AnnotateIgnoreWritesEnd(const char* f, int l);
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#else
#define VANT_TSAN 0
#endif

// Context switch (x86-64 System V): saves the callee-saved registers, MXCSR and the x87 control word
// on the current stack, stores the stack pointer in *save_sp, and resumes the context saved at new_sp.
extern "C" void vant_emu_switch(void** save_sp, void* new_sp);
extern "C" void vant_emu_trampoline();
asm(R"(
  .text
  .globl vant_emu_switch
  .hidden vant_emu_switch
  .type vant_emu_switch, @function
vant_emu_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $8, %rsp
  stmxcsr (%rsp)
  fnstcw 4(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr (%rsp)
  fldcw 4(%rsp)
  addq $8, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size vant_emu_switch, .-vant_emu_switch

  .globl vant_emu_trampoline
  .hidden vant_emu_trampoline
  .type vant_emu_trampoline, @function
vant_emu_trampoline:
  movq %r12, %rdi
  callq *%r13
  ud2
  .size vant_emu_trampoline, .-vant_emu_trampoline
  .section .note.GNU-stack,"",@progbits
  .text
)");

// Fills the first `bytes` of every `extern __shared__` array with 0xFF (a float NaN) before a block runs,
// so reading dynamic shared memory nobody wrote shows up. Defined by the generated registry.
extern "C" __attribute__((weak)) void vant_emu_prepare_dynamic_shared(size_t bytes);

namespace vant_emu {
namespace {

enum State { RUNNABLE = 1, WAIT_SYNC, WAIT_WARP, DONE };

struct AsyncCopy {
  void* dst;
  const void* src;
  unsigned bytes, src_bytes, group;
};
constexpr unsigned MAX_ASYNC = 64;

struct PendingWgmma {
  WgmmaFn fn;
  unsigned group;
  unsigned short ra, rb;  // its operands' entries in Block::wg_ranges
  alignas(8) unsigned char op[WGMMA_OP_BYTES];
};
constexpr unsigned MAX_WGMMA = 16;
// A shared-memory byte range read by wgmma operations of a block not yet completed (pending of them).
struct WgRange {
  uintptr_t lo, hi;
  unsigned pending;
};
constexpr unsigned MAX_WG_RANGES = 64;

struct Worker;
struct Thread {
  Fiber pub;  // first: self() casts the stack region's base
  Worker* worker;
  void* sp;
  int state;
  unsigned ncopies, committed;
  AsyncCopy copies[MAX_ASYNC];
  unsigned nwgmma, wgmma_committed, wgmma_issued;
  bool wgmma_fenced, copies_unfenced;  // see cuda_emu.h: wgmma_fence_seen / proxy_fence_seen
  PendingWgmma wgmma[MAX_WGMMA];
  char* stack_lo;
  size_t stack_size;
  void* fake_stack;  // ASan
  void* tsan_fiber;  // TSan
};
constexpr size_t PAGE = 4096;
static_assert(sizeof(Thread) <= PAGE, "thread record must fit the first page of its stack region");

struct Warp {
  unsigned present, exited, arrived, mask;
  const char* op;
  CollectiveFn fn;
  const void* ctx;
  const void* ins[WARP];
  void* outs[WARP];
  unsigned phase;
  char tsan_sync[2];
};

}  // namespace

// The n-th wgmma of a warpgroup: what its first thread issued, and how many of its threads have issued it.
struct WgIssue {
  uint64_t da, db;
  unsigned n, threads;
};

struct Block {
  Worker* worker;
  unsigned nthreads, live, arrived;
  int count_acc, and_acc, or_acc, count_res, and_res, or_res;
  bool reverse;
  unsigned phase;
  char tsan_sync[2];
  Warp warps[1024 / WARP];
  WgRange wg_ranges[MAX_WG_RANGES];
  unsigned n_wg_ranges;
  std::vector<WgIssue> wg_issues[1024 / 128];  // per warpgroup, in issue order
};

namespace {

struct Launch {
  LaunchConfig cfg;
  void (*body)(void*);
  void* ctx;
  uint64_t total;
  std::atomic<uint64_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::string error;
  void fail(const std::string& why) {
    std::lock_guard<std::mutex> g(error_mutex);
    if (!failed.exchange(true)) error = why;
  }
};

struct Worker {
  unsigned id = 0;
  std::vector<Thread*> threads;  // stack regions, allocated on first use, reused by every block
  void* sched_sp = nullptr;
  Block block{};
  Thread* queue[2048];
  unsigned head = 0, tail = 0;
  Launch* launch = nullptr;
  uint3 bid{};
  bool trapped = false;
  std::string trap_msg;
  void* sched_fake_stack = nullptr;
  const void* sched_stack_lo = nullptr;
  size_t sched_stack_size = 0;
  void* tsan_sched = nullptr;
  char block_done = 0;  // TSan sync object: a block's threads release it when they finish

  void push(Thread* t) { queue[tail++ & 2047] = t; }
  Thread* pop() { return head == tail ? nullptr : queue[head++ & 2047]; }
};

#if VANT_TSAN
struct TsanIgnore {
  TsanIgnore() { AnnotateIgnoreReadsBegin(__FILE__, __LINE__); AnnotateIgnoreWritesBegin(__FILE__, __LINE__); }
  ~TsanIgnore() { AnnotateIgnoreWritesEnd(__FILE__, __LINE__); AnnotateIgnoreReadsEnd(__FILE__, __LINE__); }
};
#define RUNTIME_SECTION TsanIgnore tsan_ignore_
#else
#define RUNTIME_SECTION
#endif

Thread* new_thread(Worker* w) {
  // Map twice the size and keep the aligned half: self() finds the record by masking the stack pointer.
  const size_t S = STACK_BYTES;
  char* raw = (char*)mmap(nullptr, 2 * S, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (raw == MAP_FAILED) { perror("vant emu: mmap fiber stack"); abort(); }
  char* base = (char*)(((uintptr_t)raw + S - 1) & ~(uintptr_t)(S - 1));
  if (base > raw) munmap(raw, base - raw);
  if (raw + 2 * S > base + S) munmap(base + S, raw + 2 * S - (base + S));
  mprotect(base + PAGE, PAGE, PROT_NONE);  // guard page: a stack overflow faults instead of corrupting the record
  Thread* t = new (base) Thread();
  t->worker = w;
  t->stack_lo = base + 2 * PAGE;
  t->stack_size = S - 2 * PAGE;
#if VANT_TSAN
  t->tsan_fiber = __tsan_create_fiber(0);
#endif
  return t;
}

[[noreturn]] void switch_out_final(Thread* t);
void switch_out(Thread* t);

void thread_main(Thread* t) {
  Worker* w = t->worker;
#if VANT_ASAN
  __sanitizer_finish_switch_fiber(nullptr, &w->sched_stack_lo, &w->sched_stack_size);
#endif
  w->launch->body(w->launch->ctx);
  switch_out_final(t);
}

void release_sync(Block& b) {
  b.count_res = b.count_acc; b.and_res = b.and_acc; b.or_res = b.or_acc;
  b.count_acc = 0; b.and_acc = 1; b.or_acc = 0;
  b.arrived = 0;
  b.phase++;
  Worker* w = b.worker;
  for (unsigned k = 0; k < b.nthreads; ++k) {
    Thread* t = w->threads[b.reverse ? b.nthreads - 1 - k : k];
    if (t->state == WAIT_SYNC) { t->state = RUNNABLE; w->push(t); }
  }
}

bool warp_ready(const Warp& wp) {
  const unsigned target = wp.mask & wp.present & ~wp.exited;
  return wp.arrived != 0 && (wp.arrived & target) == target;
}

void complete_warp(Block& b, Warp& wp, unsigned warp_index, Thread* caller) {
  wp.fn(wp.ins, wp.outs, wp.arrived, wp.ctx);
  Worker* w = b.worker;
  for (unsigned lane = 0; lane < WARP; ++lane) {
    if (!(wp.arrived >> lane & 1)) continue;
    Thread* t = w->threads[warp_index * WARP + lane];
    if (t != caller) { t->state = RUNNABLE; w->push(t); }
  }
  wp.arrived = 0;
  wp.phase++;
}

void switch_in(Worker* w, Thread* t) {
#if VANT_ASAN
  __sanitizer_start_switch_fiber(&w->sched_fake_stack, t->stack_lo, t->stack_size);
#endif
#if VANT_TSAN
  __tsan_switch_to_fiber(t->tsan_fiber, 0);  // scheduler -> thread: the thread sees the block's setup
#endif
  vant_emu_switch(&w->sched_sp, t->sp);
#if VANT_ASAN
  __sanitizer_finish_switch_fiber(w->sched_fake_stack, nullptr, nullptr);
#endif
}

void switch_out(Thread* t) {
  Worker* w = t->worker;
#if VANT_ASAN
  __sanitizer_start_switch_fiber(&t->fake_stack, w->sched_stack_lo, w->sched_stack_size);
#endif
#if VANT_TSAN
  __tsan_switch_to_fiber(w->tsan_sched, __tsan_switch_to_fiber_no_sync);
#endif
  vant_emu_switch(&t->sp, w->sched_sp);
#if VANT_ASAN
  __sanitizer_finish_switch_fiber(t->fake_stack, nullptr, nullptr);
#endif
}

void on_exit(Thread* t) {
  Block& b = *t->pub.block;
  Warp& wp = b.warps[t->pub.warp];
  b.live--;
  wp.exited |= 1u << t->pub.lane;
  if (b.arrived > 0 && b.arrived == b.live) release_sync(b);
  if (warp_ready(wp)) complete_warp(b, wp, t->pub.warp, nullptr);
}

[[noreturn]] void switch_out_final(Thread* t) {
  {
    RUNTIME_SECTION;
    on_exit(t);
    t->state = DONE;
  }
  Worker* w = t->worker;
#if VANT_ASAN
  __sanitizer_start_switch_fiber(nullptr, w->sched_stack_lo, w->sched_stack_size);
#endif
#if VANT_TSAN
  // A finished block hands everything it wrote to the scheduler (and so to the launch's caller and the
  // next block on this worker, which reuses the same shared memory): on the GPU the block's end orders it.
  __tsan_release(&w->block_done);
  __tsan_switch_to_fiber(w->tsan_sched, __tsan_switch_to_fiber_no_sync);
#endif
  vant_emu_switch(&t->sp, w->sched_sp);
  __builtin_unreachable();
}

std::string where(const Thread* t) {
  char buf[160];
  const Fiber& f = t->pub;
  snprintf(buf, sizeof buf, "block (%u,%u,%u) thread (%u,%u,%u)", f.bid.x, f.bid.y, f.bid.z,
           f.tid.x, f.tid.y, f.tid.z);
  return buf;
}

// After a block: every thread of each warpgroup issued each of the warpgroup's wgmma operations (wgmma_issue).
void check_wgmma_issues(Launch& L, const Block& b, unsigned n, uint3 bid) {
  for (unsigned g = 0; g < (n + 127) / 128 && g < 1024 / 128; ++g) {
    for (size_t i = 0; i < b.wg_issues[g].size(); ++i) {
      const WgIssue& w = b.wg_issues[g][i];
      const unsigned size = n - 128 * g < 128 ? n - 128 * g : 128;  // a last, partial warpgroup has fewer threads
      if (w.threads == 128) continue;
      char buf[256];
      snprintf(buf, sizeof buf, "%s: block (%u,%u,%u): wgmma %zu of warpgroup %u was issued by %u of its %u threads "
               "(a warpgroup instruction: all 128 threads of a warpgroup must issue it)", L.cfg.name, bid.x, bid.y,
               bid.z, i, g, w.threads, size);
      L.fail(buf);
      return;
    }
  }
}

void run_block(Worker* w, uint64_t linear) {
  Launch& L = *w->launch;
  const dim3 g = L.cfg.grid, bd = L.cfg.block;
  const uint3 bid{(unsigned)(linear % g.x), (unsigned)(linear / g.x % g.y), (unsigned)(linear / ((uint64_t)g.x * g.y))};
  const unsigned n = bd.x * bd.y * bd.z;
  while (w->threads.size() < n) w->threads.push_back(new_thread(w));
  Block& b = w->block;
  b.worker = w;
  b.nthreads = n;
  b.live = n;
  b.arrived = 0;
  b.count_acc = 0; b.and_acc = 1; b.or_acc = 0;
  b.reverse = linear & 1;
  b.n_wg_ranges = 0;
  for (auto& v : b.wg_issues) v.clear();
  for (unsigned k = 0; k < (n + WARP - 1) / WARP; ++k) {
    Warp& wp = b.warps[k];
    const unsigned lanes = n - k * WARP < WARP ? n - k * WARP : WARP;
    wp.present = lanes == 32 ? 0xFFFFFFFFu : (1u << lanes) - 1;
    wp.exited = wp.arrived = wp.mask = 0;
  }
  if (vant_emu_prepare_dynamic_shared) vant_emu_prepare_dynamic_shared(L.cfg.shared_bytes);
  w->head = w->tail = 0;
  w->trapped = false;
  for (unsigned k = 0; k < n; ++k) {
    Thread* t = w->threads[k];
    Fiber& f = t->pub;
    f.tid = uint3{k % bd.x, k / bd.x % bd.y, k / (bd.x * bd.y)};
    f.bid = bid;
    f.bdim = bd;
    f.gdim = g;
    f.linear = k;
    f.lane = k % WARP;
    f.warp = k / WARP;
    f.block = &b;
    t->state = RUNNABLE;
    t->ncopies = t->committed = 0;
    t->nwgmma = t->wgmma_committed = t->wgmma_issued = 0;
    t->wgmma_fenced = t->copies_unfenced = false;
    t->fake_stack = nullptr;
    // Initial frame for vant_emu_switch: mxcsr/fpucw, r15, r14, r13 = entry, r12 = arg, rbx, rbp, ret.
    uint64_t* sp = (uint64_t*)(t->stack_lo + t->stack_size) - 8;
    uint32_t mxcsr;
    uint16_t fpucw;
    asm volatile("stmxcsr %0" : "=m"(mxcsr));
    asm volatile("fnstcw %0" : "=m"(fpucw));
    sp[0] = mxcsr | ((uint64_t)fpucw << 32);
    sp[1] = 0; sp[2] = 0;
    sp[3] = (uint64_t)(uintptr_t)&thread_main;
    sp[4] = (uint64_t)(uintptr_t)t;
    sp[5] = 0; sp[6] = 0;
    sp[7] = (uint64_t)(uintptr_t)&vant_emu_trampoline;
    t->sp = sp;
  }
  for (unsigned k = 0; k < n; ++k) w->push(w->threads[b.reverse ? n - 1 - k : k]);
  while (Thread* t = w->pop()) {
    switch_in(w, t);
    if (w->trapped) break;
  }
#if VANT_TSAN
  __tsan_acquire(&w->block_done);
#endif
  if (w->trapped) {
    L.fail(std::string(L.cfg.name) + ": " + w->trap_msg);
  } else if (b.live > 0) {
    unsigned at_sync = 0, at_warp = 0;
    const char* op = "";
    for (unsigned k = 0; k < n; ++k) {
      Thread* t = w->threads[k];
      if (t->state == WAIT_SYNC) at_sync++;
      if (t->state == WAIT_WARP) { at_warp++; op = b.warps[k / WARP].op; }
    }
    char buf[256];
    snprintf(buf, sizeof buf, "%s: deadlock in block (%u,%u,%u): %u threads wait at __syncthreads, %u at %s "
             "(a barrier or warp intrinsic that not all threads of the block/mask reach)",
             L.cfg.name, bid.x, bid.y, bid.z, at_sync, at_warp, at_warp ? op : "warp intrinsics");
    L.fail(buf);
  } else {
    check_wgmma_issues(L, b, n, bid);
  }
}

struct Pool {
  std::vector<Worker*> workers;
  std::mutex m;
  std::condition_variable start, done;
  uint64_t generation = 0;
  unsigned running = 0;
  Launch* launch = nullptr;
};

void worker_loop(Pool* p, Worker* w) {
#if VANT_TSAN
  w->tsan_sched = __tsan_get_current_fiber();
#endif
  uint64_t seen = 0;
  for (;;) {
    Launch* L;
    {
      std::unique_lock<std::mutex> g(p->m);
      p->start.wait(g, [&] { return p->generation != seen; });
      seen = p->generation;
      L = p->launch;
    }
    w->launch = L;
    {
      RUNTIME_SECTION;
      // Relaxed: a block index needs no order, and under TSan an acquire-release here would order every block a
      // worker ran before every block another worker takes later, hiding races between blocks from it (a
      // cross-block reduction without fences: tests/fixtures/kernels/emu/ticket.cu).
      for (uint64_t b; !L->failed.load(std::memory_order_relaxed) && (b = L->next.fetch_add(1, std::memory_order_relaxed)) < L->total;) run_block(w, b);
    }
    std::lock_guard<std::mutex> g(p->m);
    if (--p->running == 0) p->done.notify_all();
  }
}

Pool* pool() {
  static Pool* p = [] {
    Pool* q = new Pool();  // never destroyed: its threads wait forever and die with the process
    const unsigned n = worker_count();
    for (unsigned i = 0; i < n; ++i) {
      Worker* w = new Worker();
      w->id = i;
      q->workers.push_back(w);
      std::thread(worker_loop, q, w).detach();
    }
    return q;
  }();
  return p;
}

std::mutex launch_mutex;

}  // namespace

unsigned worker_count() {
  static unsigned n = [] {
    const char* e = getenv("VANT_EMU_WORKERS");
    long v = e ? strtol(e, nullptr, 10) : 0;
    if (v <= 0) {
      v = (long)std::thread::hardware_concurrency();
      if (v > 8) v = 8;
      if (v < 1) v = 1;
    }
    return (unsigned)v;
  }();
  return n;
}

bool run_grid(const LaunchConfig& cfg, void (*body)(void*), void* ctx, std::string* error) {
  const uint64_t threads = (uint64_t)cfg.block.x * cfg.block.y * cfg.block.z;
  const uint64_t blocks = (uint64_t)cfg.grid.x * cfg.grid.y * cfg.grid.z;
  char buf[200];
  if (threads == 0 || threads > 1024 || blocks == 0) {
    snprintf(buf, sizeof buf, "%s: invalid launch: grid (%u,%u,%u), block (%u,%u,%u)", cfg.name, cfg.grid.x,
             cfg.grid.y, cfg.grid.z, cfg.block.x, cfg.block.y, cfg.block.z);
    if (error) *error = buf;
    return false;
  }
  if (cfg.shared_bytes > MAX_DYNAMIC_SHARED) {
    snprintf(buf, sizeof buf, "%s: %zu bytes of dynamic shared memory exceed %zu", cfg.name, cfg.shared_bytes, MAX_DYNAMIC_SHARED);
    if (error) *error = buf;
    return false;
  }
  std::lock_guard<std::mutex> one_launch_at_a_time(launch_mutex);
  Pool* p = pool();
  Launch L;
  L.cfg = cfg;
  L.body = body;
  L.ctx = ctx;
  L.total = blocks;
  {
    std::unique_lock<std::mutex> g(p->m);
    p->launch = &L;
    p->running = (unsigned)p->workers.size();
    p->generation++;
    p->start.notify_all();
    p->done.wait(g, [&] { return p->running == 0; });
    p->launch = nullptr;
  }
  if (L.failed) {
    if (error) *error = L.error;
    return false;
  }
  return true;
}

// ---- called from kernel code (on a fiber) ----------------------------------------------------------------
static inline Thread* me() { return (Thread*)self(); }

void syncthreads() {
  Thread* t = me();
  Block& b = *t->pub.block;
#if VANT_TSAN
  char* sync = &b.tsan_sync[b.phase & 1];
  __tsan_release(sync);
#endif
  {
    RUNTIME_SECTION;
    if (++b.arrived == b.live) {
      release_sync(b);
    } else {
      t->state = WAIT_SYNC;
      switch_out(t);
    }
  }
#if VANT_TSAN
  __tsan_acquire(sync);
#endif
}

int syncthreads_reduce(int op, int value) {
  Thread* t = me();
  Block& b = *t->pub.block;
  {
    RUNTIME_SECTION;
    b.count_acc += value != 0;
    b.and_acc &= value != 0;
    b.or_acc |= value != 0;
  }
  syncthreads();
  return op == 0 ? b.count_res : op == 1 ? b.and_res : b.or_res;
}

void warp_collective(const char* op, unsigned mask, const void* in, void* out, CollectiveFn fn, const void* ctx) {
  Thread* t = me();
  Block& b = *t->pub.block;
  Warp& wp = b.warps[t->pub.warp];
  const unsigned bit = 1u << t->pub.lane;
  if (!(mask & bit)) {
    char buf[160];
    snprintf(buf, sizeof buf, "%s with mask 0x%08x called by lane %u, which is not in the mask", op, mask, t->pub.lane);
    trap(buf);
  }
#if VANT_TSAN
  char* sync = &wp.tsan_sync[wp.phase & 1];
  __tsan_release(sync);
#endif
  {
    RUNTIME_SECTION;
    if (wp.arrived == 0) {
      wp.mask = mask; wp.op = op; wp.fn = fn; wp.ctx = ctx;
    } else if (wp.mask != mask || wp.fn != fn || strcmp(wp.op, op) != 0) {
      char buf[200];
      snprintf(buf, sizeof buf, "warp %u: lane %u calls %s (mask 0x%08x) while other lanes wait in %s (mask 0x%08x)",
               t->pub.warp, t->pub.lane, op, mask, wp.op, wp.mask);
      trap(buf);
    }
    wp.ins[t->pub.lane] = in;
    wp.outs[t->pub.lane] = out;
    wp.arrived |= bit;
    if (warp_ready(wp)) {
      complete_warp(b, wp, t->pub.warp, t);
    } else {
      t->state = WAIT_WARP;
      switch_out(t);
    }
  }
#if VANT_TSAN
  __tsan_acquire(sync);
#endif
}

void vote_fn(const void* const* ins, void* const* outs, unsigned present, const void*) {
  unsigned ballot = 0;
  for (unsigned lane = 0; lane < WARP; ++lane)
    if ((present >> lane & 1) && *(const unsigned*)ins[lane]) ballot |= 1u << lane;
  for (unsigned lane = 0; lane < WARP; ++lane)
    if (present >> lane & 1) *(unsigned*)outs[lane] = ballot;
}

void yield() {
  Thread* t = me();
  RUNTIME_SECTION;
  t->worker->push(t);  // stays RUNNABLE, goes to the back of the queue
  switch_out(t);
}

unsigned active_mask() {
  Thread* t = me();
  const Warp& wp = t->pub.block->warps[t->pub.warp];
  return wp.present & ~wp.exited;
}

[[noreturn]] void trap(const char* why) {
  Thread* t = me();
  Worker* w = t->worker;
  w->trap_msg = where(t) + ": " + why;
  w->trapped = true;
  switch_out_final(t);
}

long long clock_ticks() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// cp.async: queued per thread, copied when a wait_group covers it (the latest moment the PTX ISA allows),
// so a kernel that reads the destination before waiting reads stale shared memory here too.
static void land(AsyncCopy& c) {
  if (c.src_bytes) memcpy(c.dst, c.src, c.src_bytes);
  if (c.bytes > c.src_bytes) memset((char*)c.dst + c.src_bytes, 0, c.bytes - c.src_bytes);
}

void async_copy(void* dst, const void* src, unsigned bytes, unsigned src_bytes) {
  Thread* t = me();
  if (src_bytes > bytes) trap("cp.async: src-size larger than cp-size");
  bool overlaps = false;
  {
    RUNTIME_SECTION;  // the block's wgmma bookkeeping, shared by its threads (not kernel data: hidden from TSan)
    const Block& b = *t->pub.block;
    const uintptr_t lo = (uintptr_t)dst, hi = lo + bytes;
    for (unsigned i = 0; i < b.n_wg_ranges && !overlaps; ++i)
      overlaps = b.wg_ranges[i].pending && lo < b.wg_ranges[i].hi && b.wg_ranges[i].lo < hi;
  }
  if (overlaps)  // outside the section: a trap does not return to end it
    trap("cp.async writes shared memory that a wgmma of this block still reads (not yet completed by a "
         "wgmma.wait_group in every thread that issued it, then a barrier)");
  if (t->ncopies == MAX_ASYNC) {  // too many in flight: land the oldest early (allowed: it may complete any time)
    land(t->copies[0]);
    t->copies_unfenced = true;
    memmove(&t->copies[0], &t->copies[1], (MAX_ASYNC - 1) * sizeof(AsyncCopy));
    t->ncopies--;
  }
  t->copies[t->ncopies++] = AsyncCopy{dst, src, bytes, src_bytes, ~0u};
}

void async_commit() {
  Thread* t = me();
  for (unsigned i = 0; i < t->ncopies; ++i)
    if (t->copies[i].group == ~0u) t->copies[i].group = t->committed;
  t->committed++;
}

void async_wait(unsigned pending) {
  Thread* t = me();
  // Groups numbered below committed - pending must be complete; uncommitted copies are not waited for.
  const unsigned limit = t->committed > pending ? t->committed - pending : 0;
  unsigned keep = 0;
  for (unsigned i = 0; i < t->ncopies; ++i) {
    AsyncCopy& c = t->copies[i];
    if (c.group != ~0u && c.group < limit) {
      land(c);
      t->copies_unfenced = true;
    }
    else t->copies[keep++] = c;
  }
  t->ncopies = keep;
}

// wgmma: queued per thread, run in issue order when a wait_group covers their group (see cuda_emu.h).
static unsigned short wg_range(Block& b, const void* lo, const void* hi) {
  unsigned free_slot = MAX_WG_RANGES;
  for (unsigned i = 0; i < b.n_wg_ranges; ++i) {
    WgRange& r = b.wg_ranges[i];
    if (r.pending && r.lo == (uintptr_t)lo && r.hi == (uintptr_t)hi) { r.pending++; return (unsigned short)i; }
    if (!r.pending && free_slot == MAX_WG_RANGES) free_slot = i;
  }
  if (free_slot == MAX_WG_RANGES) {
    if (b.n_wg_ranges == MAX_WG_RANGES) trap("wgmma twin: more than 64 distinct operand ranges in flight in a block");
    free_slot = b.n_wg_ranges++;
  }
  b.wg_ranges[free_slot] = WgRange{(uintptr_t)lo, (uintptr_t)hi, 1};
  return (unsigned short)free_slot;
}

void wgmma_issue(WgmmaFn fn, const void* op, unsigned bytes, const void* aLo, const void* aHi, const void* bLo,
                 const void* bHi, uint64_t da, uint64_t db, unsigned n) {
  Thread* t = me();
  if (bytes > WGMMA_OP_BYTES) trap("wgmma twin: operand record too large");
  if (t->nwgmma == MAX_WGMMA) trap("wgmma: more than 16 operations in flight without a wait_group");
  if (!t->wgmma_fenced) trap("wgmma without a wgmma.fence since this thread's last wgmma.wait_group (or its start)");
  if (t->copies_unfenced)
    trap("wgmma after cp.async data landed in this thread with no fence.proxy.async since: the tensor cores (async "
         "proxy) may read stale shared memory");
  char differs[256] = "";
  {
    RUNTIME_SECTION;  // the block's wgmma bookkeeping, shared by its threads (not kernel data: hidden from TSan)
    Block& b = *t->pub.block;
    std::vector<WgIssue>& seq = b.wg_issues[t->pub.linear / 128];
    const unsigned i = t->wgmma_issued++;
    if (i == seq.size()) {
      seq.push_back(WgIssue{da, db, n, 1});
    } else if (seq[i].da != da || seq[i].db != db || seq[i].n != n) {
      snprintf(differs, sizeof differs, "wgmma %u of this warpgroup differs between its threads (descriptors a %#llx "
               "b %#llx n %u here, a %#llx b %#llx n %u in the thread that issued it first): one warpgroup instruction "
               "takes one operation", i, (unsigned long long)da, (unsigned long long)db, n,
               (unsigned long long)seq[i].da, (unsigned long long)seq[i].db, seq[i].n);
    } else {
      seq[i].threads++;
    }
    if (!differs[0]) {
      PendingWgmma& p = t->wgmma[t->nwgmma++];
      p.fn = fn;
      p.group = ~0u;
      p.ra = wg_range(b, aLo, aHi);
      p.rb = wg_range(b, bLo, bHi);
      memcpy(p.op, op, bytes);
    }
  }
  if (differs[0]) trap(differs);  // outside the section: a trap does not return to end it
}

void wgmma_commit() {
  Thread* t = me();
  for (unsigned i = 0; i < t->nwgmma; ++i)
    if (t->wgmma[i].group == ~0u) t->wgmma[i].group = t->wgmma_committed;
  t->wgmma_committed++;
}

void wgmma_fence_seen() { me()->wgmma_fenced = true; }
void proxy_fence_seen() { me()->copies_unfenced = false; }

void wgmma_wait(unsigned pending) {
  Thread* t = me();
  t->wgmma_fenced = false;
  // Groups numbered below committed - pending must be complete. An uncommitted operation is not covered by any
  // wait_group (PTX ISA: waiting on it is undefined), so it stays queued and a kernel that relies on it fails.
  const unsigned limit = t->wgmma_committed > pending ? t->wgmma_committed - pending : 0;
  unsigned keep = 0;
  for (unsigned i = 0; i < t->nwgmma; ++i) {
    PendingWgmma& p = t->wgmma[i];
    if (p.group != ~0u && p.group < limit) {
      p.fn(p.op);  // reads shared memory and writes the accumulators: kernel data, seen by TSan
      RUNTIME_SECTION;
      Block& b = *t->pub.block;
      b.wg_ranges[p.ra].pending--;
      b.wg_ranges[p.rb].pending--;
    } else {
      t->wgmma[keep++] = p;
    }
  }
  t->nwgmma = keep;
}

}  // namespace vant_emu
