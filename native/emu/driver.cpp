// native/emu/driver.cpp — an emulated libcuda.so.1: the subset of the CUDA driver API that dev.vant.cuda
// uses, running the kernels of kernels/*.cu compiled by g++ (see cuda_emu.h, emu_runtime.cpp).
//
// A TEST ARTIFACT: it is built into target/emu/ for the emulated `gpu` test run only, never packed into
// the jar, and never built where a real NVIDIA driver is present (native/emu/build-emu.sh).
//
// Semantics worth knowing:
//   - one device, "vant CPU emulator", compute capability 9.0 (so the fatbin's sm_90 check passes);
//   - every operation runs synchronously at the call, in call order; streams and events therefore keep
//     their ordering guarantees trivially, and events time what really ran between them;
//   - cuModuleLoadData accepts a fatbin (magic 0xBA55ED50) and binds it to the kernels compiled into
//     this library (the same kernels/*.cu sources the fatbin came from, plus the test fixtures of
//     tests/fixtures/kernels/emu/); cuModuleGetFunction finds a kernel only if the loaded fatbin names
//     it too, so the emulator offers exactly the kernels of the module the caller loaded;
//   - device memory is host memory with 256-byte guard zones before and after every allocation, filled
//     with 0xFF (a float NaN), and fresh allocations are filled with 0xFF too: a kernel that reads
//     outside its buffers or reads memory nobody wrote sees NaN, and one that writes into a guard zone
//     is caught after the launch (CUDA_ERROR_ILLEGAL_ADDRESS, sticky like a real device fault);
//   - a kernel failure (__trap, deadlock at a barrier, misused warp intrinsic, guard zone overwritten)
//     makes the context's error sticky, as on a GPU: every later call returns it until cuCtxDestroy;
//   - stream capture (CUDA graphs): a launch, async copy or async memset on a capturing stream is recorded
//     (kernel parameter values copied at capture, as the real driver does), not run; cuGraphLaunch runs
//     the recorded nodes in order. While a capture is active (GLOBAL mode: any thread; THREAD_LOCAL: the
//     capturing thread), what the real driver refuses is refused here too, and the capture invalidated:
//     cuMemAlloc / cuMemFree / cuCtxSynchronize / cuStreamSynchronize of the capturing stream
//     (CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED), and work on the legacy NULL stream, synchronous copies and
//     memsets included, which would synchronize with the (blocking) capturing stream
//     (CUDA_ERROR_STREAM_CAPTURE_IMPLICIT); cuStreamEndCapture then returns
//     CUDA_ERROR_STREAM_CAPTURE_INVALIDATED. Capture on the NULL stream is refused (UNSUPPORTED);
//   - everything else in the driver API returns CUDA_ERROR_NOT_SUPPORTED (driver_stubs.cpp).
#include <sys/sysinfo.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <string>
#include <unordered_set>
#include <vector>

#include "emu_runtime.h"

#if defined(__SANITIZE_ADDRESS__)
// The ASan build (target/emu/asan, run by the gpu-emulated-asan execution) poisons the guard zones, so
// AddressSanitizer itself reports any kernel access outside an allocation, reads included.
#include <sanitizer/asan_interface.h>
#define VANT_DRIVER_ASAN 1
#else
#define VANT_DRIVER_ASAN 0
#endif

extern "C" const vant_emu::KernelInfo* vant_emu_kernel_table();

namespace {

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;

enum : int {
  CUDA_SUCCESS = 0,
  CUDA_ERROR_INVALID_VALUE = 1,
  CUDA_ERROR_OUT_OF_MEMORY = 2,
  CUDA_ERROR_NOT_INITIALIZED = 3,
  CUDA_ERROR_DEINITIALIZED = 4,
  CUDA_ERROR_NO_DEVICE = 100,
  CUDA_ERROR_INVALID_DEVICE = 101,
  CUDA_ERROR_INVALID_IMAGE = 200,
  CUDA_ERROR_INVALID_CONTEXT = 201,
  CUDA_ERROR_INVALID_HANDLE = 400,
  CUDA_ERROR_NOT_FOUND = 500,
  CUDA_ERROR_NOT_READY = 600,
  CUDA_ERROR_ILLEGAL_ADDRESS = 700,
  CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES = 701,
  CUDA_ERROR_LAUNCH_FAILED = 719,
  CUDA_ERROR_NOT_SUPPORTED = 801,
  CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED = 900,
  CUDA_ERROR_STREAM_CAPTURE_INVALIDATED = 901,
  CUDA_ERROR_STREAM_CAPTURE_IMPLICIT = 906,
  CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD = 908,
  CUDA_ERROR_ILLEGAL_STATE_CAPTURE = 401,  // CUDA_ERROR_ILLEGAL_STATE
  CUDA_ERROR_UNKNOWN = 999,
};

constexpr size_t GUARD = 256;
constexpr int DRIVER_VERSION = 13000;
constexpr int CC_MAJOR = 9, CC_MINOR = 0;

struct Context {
  int sticky = CUDA_SUCCESS;
  std::string sticky_why;
};
struct Function {
  const vant_emu::KernelInfo* info;
  int max_dynamic_shared = (int)vant_emu::DEFAULT_DYNAMIC_SHARED;
};
struct Module {
  // The fatbin's identifiers: every NUL-delimited run of identifier characters (its ELF string tables hold each entry
  // point so). A kernel is found only if the image names it ...
  std::unordered_set<std::string> names;
  bool names_visible = true;  // ... unless no name is readable in it at all (a compressed fatbin)
  std::map<std::string, Function*> functions;
};

// The identifiers of a fatbin image: each run between two NUL bytes made only of [A-Za-z0-9_$.] (one pass; searching
// the ~28 MB image for each of ~160 kernel names took ~0.35 s per module load, ~1 s under ASan: every emulated test
// opens a device).
static std::unordered_set<std::string> image_names(const char* p, size_t n) {
  std::unordered_set<std::string> out;
  size_t start = SIZE_MAX;  // just past the last NUL; the run before the first NUL does not count
  bool ident = true;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = (unsigned char)p[i];
    if (c == 0) {
      if (start != SIZE_MAX && ident && i > start) out.emplace(p + start, i - start);
      start = i + 1;
      ident = true;
    } else if (ident && !(isalnum(c) || c == '_' || c == '$' || c == '.')) {
      ident = false;
    }
  }
  return out;
}
struct Graph;
struct Stream {
  unsigned flags;                 // CU_STREAM_NON_BLOCKING = 1: no implicit synchronization with the NULL stream
  Graph* capture = nullptr;       // the graph being recorded, while capturing
  int mode = 0;                   // CU_STREAM_CAPTURE_MODE_GLOBAL 0, THREAD_LOCAL 1, RELAXED 2
  std::thread::id thread;         // who began the capture
  bool invalidated = false;       // an illegal call during the capture: cuStreamEndCapture fails
};
// One recorded operation of a graph: a kernel launch (parameter values copied at capture), a copy or a memset.
enum Dir { HTOD, DTOH, DTOD };
struct Node {
  enum Kind { KERNEL, COPY, MEMSET } kind = KERNEL;
  const vant_emu::KernelInfo* kernel = nullptr;
  vant_emu::LaunchConfig cfg;
  std::shared_ptr<void> args;     // the kernel's parameter values
  void* dst = nullptr;
  const void* src = nullptr;
  size_t n = 0;                   // bytes (COPY) or words (MEMSET)
  Dir dir = HTOD;
  unsigned word = 0;
  size_t width = 0;
};
struct Graph { std::vector<Node> nodes; };
struct GraphExec { std::vector<Node> nodes; };
struct Event {
  unsigned flags;
  bool recorded = false;
  std::chrono::steady_clock::time_point when;
};
struct Allocation {
  unsigned char* raw;  // GUARD bytes, then size bytes (rounded up), then GUARD bytes
  size_t size;
  size_t padded;
  Context* ctx;        // destroying the context frees it, as on a GPU
};

// The tables are never destroyed: a JVM thread may still call in while the process exits.
std::mutex& mu = *new std::mutex();  // one lock for the tables; launches run under it too (one at a time anyway)
bool initialized = false;
thread_local Context* current = nullptr;
thread_local std::vector<Context*>* pushed = nullptr;  // cuCtxPushCurrent / cuCtxPopCurrent
std::map<Context*, bool>& contexts = *new std::map<Context*, bool>();
std::map<CUdeviceptr, Allocation>& allocations = *new std::map<CUdeviceptr, Allocation>();  // by user address
size_t allocated = 0;
Context* primary = nullptr;  // the device's primary context (cuDevicePrimaryCtxRetain), created once
int primary_refs = 0;

size_t total_memory() {
  struct sysinfo si {};
  sysinfo(&si);
  const size_t half = (size_t)si.totalram * si.mem_unit / 2;
  const size_t cap = size_t(16) << 30;
  return half < cap ? half : cap;
}

const char* error_name(int e) {
  switch (e) {
    case CUDA_SUCCESS: return "CUDA_SUCCESS";
    case CUDA_ERROR_INVALID_VALUE: return "CUDA_ERROR_INVALID_VALUE";
    case CUDA_ERROR_OUT_OF_MEMORY: return "CUDA_ERROR_OUT_OF_MEMORY";
    case CUDA_ERROR_NOT_INITIALIZED: return "CUDA_ERROR_NOT_INITIALIZED";
    case CUDA_ERROR_DEINITIALIZED: return "CUDA_ERROR_DEINITIALIZED";
    case CUDA_ERROR_NO_DEVICE: return "CUDA_ERROR_NO_DEVICE";
    case CUDA_ERROR_INVALID_DEVICE: return "CUDA_ERROR_INVALID_DEVICE";
    case CUDA_ERROR_INVALID_IMAGE: return "CUDA_ERROR_INVALID_IMAGE";
    case CUDA_ERROR_INVALID_CONTEXT: return "CUDA_ERROR_INVALID_CONTEXT";
    case CUDA_ERROR_INVALID_HANDLE: return "CUDA_ERROR_INVALID_HANDLE";
    case CUDA_ERROR_NOT_FOUND: return "CUDA_ERROR_NOT_FOUND";
    case CUDA_ERROR_NOT_READY: return "CUDA_ERROR_NOT_READY";
    case CUDA_ERROR_ILLEGAL_ADDRESS: return "CUDA_ERROR_ILLEGAL_ADDRESS";
    case CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES: return "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES";
    case CUDA_ERROR_LAUNCH_FAILED: return "CUDA_ERROR_LAUNCH_FAILED";
    case CUDA_ERROR_NOT_SUPPORTED: return "CUDA_ERROR_NOT_SUPPORTED";
    case CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED: return "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED";
    case CUDA_ERROR_STREAM_CAPTURE_INVALIDATED: return "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED";
    case CUDA_ERROR_STREAM_CAPTURE_IMPLICIT: return "CUDA_ERROR_STREAM_CAPTURE_IMPLICIT";
    case CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD: return "CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD";
    case CUDA_ERROR_ILLEGAL_STATE_CAPTURE: return "CUDA_ERROR_ILLEGAL_STATE";
    case CUDA_ERROR_UNKNOWN: return "CUDA_ERROR_UNKNOWN";
    default: return nullptr;
  }
}

const char* error_string(int e) {
  switch (e) {
    case CUDA_SUCCESS: return "no error";
    case CUDA_ERROR_INVALID_VALUE: return "invalid argument";
    case CUDA_ERROR_OUT_OF_MEMORY: return "out of memory";
    case CUDA_ERROR_NOT_INITIALIZED: return "initialization error";
    case CUDA_ERROR_INVALID_DEVICE: return "invalid device ordinal";
    case CUDA_ERROR_INVALID_IMAGE: return "device kernel image is invalid";
    case CUDA_ERROR_INVALID_CONTEXT: return "invalid device context";
    case CUDA_ERROR_INVALID_HANDLE: return "invalid resource handle";
    case CUDA_ERROR_NOT_FOUND: return "named symbol not found";
    case CUDA_ERROR_NOT_READY: return "device not ready";
    case CUDA_ERROR_ILLEGAL_ADDRESS: return "an illegal memory access was encountered";
    case CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES: return "too many resources requested for launch";
    case CUDA_ERROR_LAUNCH_FAILED: return "unspecified launch failure";
    case CUDA_ERROR_NOT_SUPPORTED: return "operation not supported (by the vant CPU emulator)";
    case CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED: return "operation not permitted when stream is capturing";
    case CUDA_ERROR_STREAM_CAPTURE_INVALIDATED: return "operation failed due to a previous error during capture";
    case CUDA_ERROR_STREAM_CAPTURE_IMPLICIT: return "operation would make the legacy stream depend on a capturing blocking stream";
    default: return nullptr;
  }
}

// The common preamble of calls that need a live, current context.
int ready() {
  if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
  if (!current) return CUDA_ERROR_INVALID_CONTEXT;
  return current->sticky;
}

void fault(int code, const std::string& why) {
  fprintf(stderr, "[vant emu] %s: %s\n", error_name(code), why.c_str());
  fflush(stderr);
  if (current && current->sticky == CUDA_SUCCESS) {
    current->sticky = code;
    current->sticky_why = why;
  }
}

// The allocation that holds [p, p + n), or null.
Allocation* find(CUdeviceptr p, size_t n) {
  auto it = allocations.upper_bound(p);
  if (it == allocations.begin()) return nullptr;
  --it;
  if (p + n > it->first + it->second.size || p + n < p) return nullptr;
  return &it->second;
}

// After every launch: the guard zones around every allocation must still be 0xFF.
bool guards_intact(std::string* where) {
  if (VANT_DRIVER_ASAN) return true;  // poisoned: ASan has already reported any access
  for (auto& [user, a] : allocations) {
    const unsigned char* lo = a.raw;
    const unsigned char* hi = a.raw + GUARD + a.size;
    const size_t hi_len = a.padded - a.size + GUARD;
    for (size_t i = 0; i < GUARD; ++i)
      if (lo[i] != 0xFF) {
        char buf[160];
        snprintf(buf, sizeof buf, "write %zu bytes before the allocation at 0x%llx (%zu bytes)", GUARD - i, user, a.size);
        *where = buf;
        return false;
      }
    for (size_t i = 0; i < hi_len; ++i)
      if (hi[i] != 0xFF) {
        char buf[160];
        snprintf(buf, sizeof buf, "write at byte %zu past the end of the allocation at 0x%llx (%zu bytes)", i, user, a.size);
        *where = buf;
        return false;
      }
  }
  return true;
}

int device_ok(CUdevice d) { return d == 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_DEVICE; }

// ---- stream capture ------------------------------------------------------------------------------------
std::map<Stream*, bool>& capturing = *new std::map<Stream*, bool>();  // streams with an active capture

// The legacy NULL stream (0, CU_STREAM_LEGACY = 0x1, CU_STREAM_PER_THREAD = 0x2 treated alike).
bool null_stream(void* s) { return (uintptr_t)s <= 2; }

// Captures whose rules bind the calling thread (GLOBAL: every thread; THREAD_LOCAL: the capturing one).
bool binds_caller(const Stream* s) {
  return s->mode == 0 || (s->mode == 1 && s->thread == std::this_thread::get_id());
}

// A call the driver refuses during capture: every capture binding the caller is invalidated and the call
// fails with `code` (0: the call is legal). `implicit_only`: the call is work on the NULL stream, illegal
// only because it would synchronize with a blocking capturing stream.
int capture_violation(const char* api, int code, bool implicit_only) {
  bool hit = false;
  for (auto& [s, on] : capturing) {
    if (!binds_caller(s) || (implicit_only && (s->flags & 1))) continue;
    s->invalidated = true;
    hit = true;
  }
  if (!hit) return CUDA_SUCCESS;
  fprintf(stderr, "[vant emu] %s during stream capture: %s (the capture is invalidated)\n", api, error_name(code));
  fflush(stderr);
  return code;
}

// The capture a call on stream `s` records into, or null when it runs now; *err is set when the call is
// illegal (NULL-stream work during a capture).
Graph* recording(void* s, const char* api, int* err) {
  *err = CUDA_SUCCESS;
  if (null_stream(s)) {
    *err = capture_violation(api, CUDA_ERROR_STREAM_CAPTURE_IMPLICIT, true);
    return nullptr;
  }
  Stream* st = (Stream*)s;
  return st->capture;
}

int memset_now(CUdeviceptr p, const void* word, size_t width, size_t n) {
  unsigned char* d = (unsigned char*)(uintptr_t)p;
  if (width == 1) memset(d, *(const unsigned char*)word, n);
  else for (size_t i = 0; i < n; ++i) memcpy(d + i * width, word, width);
  return CUDA_SUCCESS;
}

int memset_words(CUdeviceptr p, const void* word, size_t width, size_t n, void* stream, const char* api) {
  std::lock_guard<std::mutex> g(mu);
  if (int e = ready()) return e;
  if (!find(p, n * width)) return CUDA_ERROR_INVALID_VALUE;
  int err;
  if (Graph* gr = recording(stream, api, &err)) {
    Node node;
    node.kind = Node::MEMSET;
    node.dst = (void*)(uintptr_t)p;
    memcpy(&node.word, word, width);
    node.width = width;
    node.n = n;
    gr->nodes.push_back(node);
    return CUDA_SUCCESS;
  }
  if (err) return err;
  return memset_now(p, word, width, n);
}

int copy(void* dst, const void* src, size_t n, Dir dir, void* stream, const char* api) {
  std::lock_guard<std::mutex> g(mu);
  if (int e = ready()) return e;
  if (n == 0) return CUDA_SUCCESS;
  if (!dst || !src) return CUDA_ERROR_INVALID_VALUE;
  if ((dir != HTOD && !find((CUdeviceptr)(uintptr_t)src, n)) || (dir != DTOH && !find((CUdeviceptr)(uintptr_t)dst, n))) {
    fprintf(stderr, "[vant emu] memcpy of %zu bytes %p -> %p: a device range lies outside every allocation\n", n, src, dst);
    return CUDA_ERROR_INVALID_VALUE;
  }
  int err;
  if (Graph* gr = recording(stream, api, &err)) {  // the copy reads its source when the graph runs
    Node node;
    node.kind = Node::COPY;
    node.dst = dst;
    node.src = src;
    node.n = n;
    node.dir = dir;
    gr->nodes.push_back(node);
    return CUDA_SUCCESS;
  }
  if (err) return err;
  memmove(dst, src, n);
  return CUDA_SUCCESS;
}

}  // namespace

#define CUAPI extern "C" __attribute__((visibility("default")))

// ---- init, device --------------------------------------------------------------------------------------
CUAPI CUresult cuInit(unsigned flags) {
  if (flags != 0) return CUDA_ERROR_INVALID_VALUE;
  std::lock_guard<std::mutex> g(mu);
  initialized = true;
  return CUDA_SUCCESS;
}

CUAPI CUresult cuDriverGetVersion(int* v) {
  if (!v) return CUDA_ERROR_INVALID_VALUE;
  *v = DRIVER_VERSION;
  return CUDA_SUCCESS;
}

CUAPI CUresult cuDeviceGetCount(int* n) {
  if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
  if (!n) return CUDA_ERROR_INVALID_VALUE;
  *n = 1;
  return CUDA_SUCCESS;
}

CUAPI CUresult cuDeviceGet(CUdevice* d, int ordinal) {
  if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
  if (!d) return CUDA_ERROR_INVALID_VALUE;
  if (ordinal != 0) return CUDA_ERROR_INVALID_DEVICE;
  *d = 0;
  return CUDA_SUCCESS;
}

CUAPI CUresult cuDeviceGetName(char* name, int len, CUdevice d) {
  if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
  if (int e = device_ok(d)) return e;
  if (!name || len <= 0) return CUDA_ERROR_INVALID_VALUE;
  // "emulator" in the name is what dev.vant.cuda.CudaDevice.DeviceInfo.emulated() looks for.
  snprintf(name, (size_t)len, "vant CPU emulator (%u worker threads)", vant_emu::worker_count());
  return CUDA_SUCCESS;
}

CUAPI CUresult cuDeviceTotalMem_v2(size_t* bytes, CUdevice d) {
  if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
  if (int e = device_ok(d)) return e;
  if (!bytes) return CUDA_ERROR_INVALID_VALUE;
  *bytes = total_memory();
  return CUDA_SUCCESS;
}

CUAPI CUresult cuDeviceGetAttribute(int* v, int attr, CUdevice d) {
  if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
  if (int e = device_ok(d)) return e;
  if (!v) return CUDA_ERROR_INVALID_VALUE;
  const int sms = (int)(vant_emu::worker_count() < 2 ? 2 : vant_emu::worker_count());
  switch (attr) {
    case 1: *v = 1024; break;                 // MAX_THREADS_PER_BLOCK
    case 2: case 3: *v = 1024; break;         // MAX_BLOCK_DIM_X/Y
    case 4: *v = 64; break;                   // MAX_BLOCK_DIM_Z
    case 5: *v = 2147483647; break;           // MAX_GRID_DIM_X
    case 6: case 7: *v = 65535; break;        // MAX_GRID_DIM_Y/Z
    case 8: *v = 48 * 1024; break;            // MAX_SHARED_MEMORY_PER_BLOCK
    case 9: *v = 64 * 1024; break;            // TOTAL_CONSTANT_MEMORY
    case 10: *v = 32; break;                  // WARP_SIZE
    case 12: *v = 65536; break;               // MAX_REGISTERS_PER_BLOCK
    case 13: *v = 1000000; break;             // CLOCK_RATE (kHz)
    case 14: *v = 512; break;                 // TEXTURE_ALIGNMENT
    case 16: *v = sms; break;                 // MULTIPROCESSOR_COUNT: one per worker (min 2)
    case 31: *v = 0; break;                   // CONCURRENT_KERNELS: launches run one at a time
    case 38: *v = 4 << 20; break;             // L2_CACHE_SIZE
    case 39: *v = 2048; break;                // MAX_THREADS_PER_MULTIPROCESSOR
    case 41: *v = 1; break;                   // UNIFIED_ADDRESSING
    case 75: *v = CC_MAJOR; break;            // COMPUTE_CAPABILITY_MAJOR
    case 76: *v = CC_MINOR; break;            // COMPUTE_CAPABILITY_MINOR
    case 81: *v = 228 * 1024; break;          // MAX_SHARED_MEMORY_PER_MULTIPROCESSOR
    case 82: *v = 65536; break;               // MAX_REGISTERS_PER_MULTIPROCESSOR
    case 97: *v = (int)vant_emu::MAX_DYNAMIC_SHARED; break;  // MAX_SHARED_MEMORY_PER_BLOCK_OPTIN
    case 106: *v = 32; break;                 // MAX_BLOCKS_PER_MULTIPROCESSOR
    case 36: *v = 1000000; break;             // MEMORY_CLOCK_RATE (kHz)
    case 37: *v = 64; break;                  // GLOBAL_MEMORY_BUS_WIDTH (bits)
    case 40: *v = 1; break;                   // ASYNC_ENGINE_COUNT
    case 17: case 18: case 19: case 20: case 32: case 33: case 34: case 35: case 50:
    case 83: case 89: case 95: case 108: case 115:
      *v = 0; break;                          // timeouts, integrated, host mapping, compute mode, ECC, PCI ids,
                                              // TCC, managed memory, cooperative launch, persisting L2, pools
    default: return CUDA_ERROR_NOT_SUPPORTED;
  }
  return CUDA_SUCCESS;
}

// ---- contexts ----------------------------------------------------------------------------------------------
CUAPI CUresult cuCtxCreate_v2(void** pctx, unsigned flags, CUdevice d) {
  (void)flags;
  std::lock_guard<std::mutex> g(mu);
  if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
  if (int e = device_ok(d)) return e;
  if (!pctx) return CUDA_ERROR_INVALID_VALUE;
  Context* c = new Context();
  contexts[c] = true;
  current = c;
  *pctx = c;
  return CUDA_SUCCESS;
}

CUAPI CUresult cuCtxDestroy_v2(void* ctx) {
  std::lock_guard<std::mutex> g(mu);
  Context* c = (Context*)ctx;
  if (!contexts.count(c)) return CUDA_ERROR_INVALID_CONTEXT;
  contexts.erase(c);
  if (current == c) current = nullptr;
  for (auto it = allocations.begin(); it != allocations.end();) {
    if (it->second.ctx != c) { ++it; continue; }
    allocated -= it->second.padded;
#if VANT_DRIVER_ASAN
    ASAN_UNPOISON_MEMORY_REGION(it->second.raw, it->second.padded + 2 * GUARD);
#endif
    free(it->second.raw);
    it = allocations.erase(it);
  }
  if (c == primary) primary = nullptr;
  delete c;
  return CUDA_SUCCESS;
}

CUAPI CUresult cuCtxSetCurrent(void* ctx) {
  std::lock_guard<std::mutex> g(mu);
  if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
  if (ctx && !contexts.count((Context*)ctx)) return CUDA_ERROR_INVALID_CONTEXT;
  current = (Context*)ctx;
  return CUDA_SUCCESS;
}

CUAPI CUresult cuCtxGetCurrent(void** ctx) {
  if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
  if (!ctx) return CUDA_ERROR_INVALID_VALUE;
  *ctx = current;
  return CUDA_SUCCESS;
}

CUAPI CUresult cuCtxGetDevice(CUdevice* d) {
  std::lock_guard<std::mutex> g(mu);
  if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
  if (!current) return CUDA_ERROR_INVALID_CONTEXT;
  if (!d) return CUDA_ERROR_INVALID_VALUE;
  *d = 0;
  return CUDA_SUCCESS;
}

CUAPI CUresult cuDevicePrimaryCtxRetain(void** pctx, CUdevice d) {
  std::lock_guard<std::mutex> g(mu);
  if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
  if (int e = device_ok(d)) return e;
  if (!pctx) return CUDA_ERROR_INVALID_VALUE;
  if (!primary) {
    primary = new Context();
    contexts[primary] = true;
  }
  primary_refs++;
  *pctx = primary;
  return CUDA_SUCCESS;
}

CUAPI CUresult cuDevicePrimaryCtxRelease_v2(CUdevice d) {
  std::lock_guard<std::mutex> g(mu);
  if (int e = device_ok(d)) return e;
  if (primary_refs == 0) return CUDA_ERROR_INVALID_CONTEXT;
  if (--primary_refs == 0 && primary) primary->sticky = CUDA_SUCCESS;  // a fresh start for the next retain
  return CUDA_SUCCESS;
}

CUAPI CUresult cuCtxPushCurrent_v2(void* ctx) {
  std::lock_guard<std::mutex> g(mu);
  if (!ctx || !contexts.count((Context*)ctx)) return CUDA_ERROR_INVALID_CONTEXT;
  if (!pushed) pushed = new std::vector<Context*>();
  pushed->push_back(current);
  current = (Context*)ctx;
  return CUDA_SUCCESS;
}

CUAPI CUresult cuCtxPopCurrent_v2(void** pctx) {
  std::lock_guard<std::mutex> g(mu);
  if (!current) return CUDA_ERROR_INVALID_CONTEXT;
  if (pctx) *pctx = current;
  current = (pushed && !pushed->empty()) ? pushed->back() : nullptr;
  if (pushed && !pushed->empty()) pushed->pop_back();
  return CUDA_SUCCESS;
}

CUAPI CUresult cuCtxSynchronize() {
  std::lock_guard<std::mutex> g(mu);
  if (int e = ready()) return e;
  return capture_violation("cuCtxSynchronize", CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, false);
}

// ---- memory ------------------------------------------------------------------------------------------------
CUAPI CUresult cuMemAlloc_v2(CUdeviceptr* p, size_t bytes) {
  std::lock_guard<std::mutex> g(mu);
  if (int e = ready()) return e;
  if (!p || bytes == 0) return CUDA_ERROR_INVALID_VALUE;
  if (int e = capture_violation("cuMemAlloc", CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, false)) return e;
  const size_t padded = (bytes + GUARD - 1) / GUARD * GUARD;
  if (allocated + padded > total_memory()) return CUDA_ERROR_OUT_OF_MEMORY;
  unsigned char* raw = (unsigned char*)aligned_alloc(GUARD, padded + 2 * GUARD);
  if (!raw) return CUDA_ERROR_OUT_OF_MEMORY;
  memset(raw, 0xFF, padded + 2 * GUARD);  // guards and the fresh memory itself read as NaN
  const CUdeviceptr user = (CUdeviceptr)(uintptr_t)(raw + GUARD);
#if VANT_DRIVER_ASAN
  ASAN_POISON_MEMORY_REGION(raw, GUARD);
  ASAN_POISON_MEMORY_REGION(raw + GUARD + bytes, padded - bytes + GUARD);
#endif
  allocations[user] = Allocation{raw, bytes, padded, current};
  allocated += padded;
  *p = user;
  return CUDA_SUCCESS;
}

CUAPI CUresult cuMemFree_v2(CUdeviceptr p) {
  std::lock_guard<std::mutex> g(mu);
  if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
  if (int e = capture_violation("cuMemFree", CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, false)) return e;
  auto it = allocations.find(p);
  if (it == allocations.end()) return CUDA_ERROR_INVALID_VALUE;
  allocated -= it->second.padded;
#if VANT_DRIVER_ASAN
  ASAN_UNPOISON_MEMORY_REGION(it->second.raw, it->second.padded + 2 * GUARD);
#endif
  free(it->second.raw);
  allocations.erase(it);
  return current ? current->sticky : CUDA_SUCCESS;
}

// Page-locked host memory is ordinary host memory here.
CUAPI CUresult cuMemAllocHost_v2(void** p, size_t bytes) {
  if (!p || bytes == 0) return CUDA_ERROR_INVALID_VALUE;
  *p = aligned_alloc(4096, (bytes + 4095) / 4096 * 4096);
  return *p ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY;
}
CUAPI CUresult cuMemHostAlloc(void** p, size_t bytes, unsigned) { return cuMemAllocHost_v2(p, bytes); }
CUAPI CUresult cuMemFreeHost(void* p) {
  free(p);
  return CUDA_SUCCESS;
}
CUAPI CUresult cuMemHostRegister_v2(void* p, size_t bytes, unsigned) { return p && bytes ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE; }
CUAPI CUresult cuMemHostUnregister(void* p) { return p ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE; }

CUAPI CUresult cuMemGetInfo_v2(size_t* free_bytes, size_t* total) {
  std::lock_guard<std::mutex> g(mu);
  if (int e = ready()) return e;
  if (!free_bytes || !total) return CUDA_ERROR_INVALID_VALUE;
  *total = total_memory();
  *free_bytes = *total - allocated;
  return CUDA_SUCCESS;
}

// Unified addressing: either side may be host or device memory; device ranges must lie in one allocation.
CUAPI CUresult cuMemcpy(CUdeviceptr dst, CUdeviceptr src, size_t n) {
  std::lock_guard<std::mutex> g(mu);
  if (int e = ready()) return e;
  if (n == 0) return CUDA_SUCCESS;
  if (!dst || !src) return CUDA_ERROR_INVALID_VALUE;
  if (int e = capture_violation("cuMemcpy", CUDA_ERROR_STREAM_CAPTURE_IMPLICIT, true)) return e;
  for (CUdeviceptr p : {dst, src}) {
    auto it = allocations.upper_bound(p);
    const bool maybe_device = it != allocations.begin() && p < std::prev(it)->first + std::prev(it)->second.padded + GUARD &&
                              p >= std::prev(it)->first - GUARD;
    if (maybe_device && !find(p, n)) return CUDA_ERROR_INVALID_VALUE;
  }
  memmove((void*)(uintptr_t)dst, (const void*)(uintptr_t)src, n);
  return CUDA_SUCCESS;
}
CUAPI CUresult cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src, size_t n, void* s) {
  {
    std::lock_guard<std::mutex> g(mu);
    int err;
    if (recording(s, "cuMemcpyAsync", &err)) return CUDA_ERROR_NOT_SUPPORTED;  // unified copies are not captured here
    if (err) return err;
  }
  return cuMemcpy(dst, src, n);
}

CUAPI CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void* src, size_t n) { return copy((void*)(uintptr_t)dst, src, n, HTOD, nullptr, "cuMemcpyHtoD"); }
CUAPI CUresult cuMemcpyDtoH_v2(void* dst, CUdeviceptr src, size_t n) { return copy(dst, (const void*)(uintptr_t)src, n, DTOH, nullptr, "cuMemcpyDtoH"); }
CUAPI CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, size_t n) { return copy((void*)(uintptr_t)dst, (const void*)(uintptr_t)src, n, DTOD, nullptr, "cuMemcpyDtoD"); }
CUAPI CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void* src, size_t n, void* s) { return copy((void*)(uintptr_t)dst, src, n, HTOD, s, "cuMemcpyHtoDAsync"); }
CUAPI CUresult cuMemcpyDtoHAsync_v2(void* dst, CUdeviceptr src, size_t n, void* s) { return copy(dst, (const void*)(uintptr_t)src, n, DTOH, s, "cuMemcpyDtoHAsync"); }
CUAPI CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t n, void* s) { return copy((void*)(uintptr_t)dst, (const void*)(uintptr_t)src, n, DTOD, s, "cuMemcpyDtoDAsync"); }

CUAPI CUresult cuMemsetD8_v2(CUdeviceptr p, unsigned char v, size_t n) { return memset_words(p, &v, 1, n, nullptr, "cuMemsetD8"); }
CUAPI CUresult cuMemsetD16_v2(CUdeviceptr p, unsigned short v, size_t n) { return memset_words(p, &v, 2, n, nullptr, "cuMemsetD16"); }
CUAPI CUresult cuMemsetD32_v2(CUdeviceptr p, unsigned int v, size_t n) { return memset_words(p, &v, 4, n, nullptr, "cuMemsetD32"); }
CUAPI CUresult cuMemsetD8Async(CUdeviceptr p, unsigned char v, size_t n, void* s) { return memset_words(p, &v, 1, n, s, "cuMemsetD8Async"); }
CUAPI CUresult cuMemsetD16Async(CUdeviceptr p, unsigned short v, size_t n, void* s) { return memset_words(p, &v, 2, n, s, "cuMemsetD16Async"); }
CUAPI CUresult cuMemsetD32Async(CUdeviceptr p, unsigned int v, size_t n, void* s) { return memset_words(p, &v, 4, n, s, "cuMemsetD32Async"); }

// ---- modules and functions ---------------------------------------------------------------------------------
CUAPI CUresult cuModuleLoadData(void** pmod, const void* image) {
  std::lock_guard<std::mutex> g(mu);
  if (int e = ready()) return e;
  if (!pmod || !image) return CUDA_ERROR_INVALID_VALUE;
  uint32_t magic;
  memcpy(&magic, image, 4);
  if (magic != 0xBA55ED50u) {
    fprintf(stderr, "[vant emu] cuModuleLoadData: not a fatbin (magic 0x%08x); the emulator runs only the "
                    "kernels compiled into it, bound through the build's fatbin\n", magic);
    return CUDA_ERROR_INVALID_IMAGE;
  }
  // Fatbin header: magic (4), version (2), header size (2), payload size (8).
  uint16_t header;
  uint64_t payload;
  memcpy(&header, (const char*)image + 6, 2);
  memcpy(&payload, (const char*)image + 8, 8);
  Module* m = new Module();
  m->names = image_names((const char*)image, header + payload);
  m->names_visible = false;
  for (const vant_emu::KernelInfo* k = vant_emu_kernel_table(); k->name; ++k) {
    m->functions[k->name] = new Function{k};
    if (m->names.count(k->name)) m->names_visible = true;
  }
  if (!m->names_visible)
    fprintf(stderr, "[vant emu] cuModuleLoadData: no kernel name readable in the fatbin (compressed?): every "
                    "emulated kernel is offered\n");
  *pmod = m;
  return CUDA_SUCCESS;
}

CUAPI CUresult cuModuleLoadDataEx(void** pmod, const void* image, unsigned, void*, void**) { return cuModuleLoadData(pmod, image); }
CUAPI CUresult cuModuleLoadFatBinary(void** pmod, const void* image) { return cuModuleLoadData(pmod, image); }

CUAPI CUresult cuModuleUnload(void* mod) {
  std::lock_guard<std::mutex> g(mu);
  if (!mod) return CUDA_ERROR_INVALID_HANDLE;
  Module* m = (Module*)mod;
  // Function handles stay valid memory (a stale handle must not crash the JVM); a module is loaded once.
  m->functions.clear();
  return CUDA_SUCCESS;
}

CUAPI CUresult cuModuleGetFunction(void** pf, void* mod, const char* name) {
  std::lock_guard<std::mutex> g(mu);
  if (int e = ready()) return e;
  if (!pf || !mod || !name) return CUDA_ERROR_INVALID_VALUE;
  Module* m = (Module*)mod;
  auto it = m->functions.find(name);
  // The fatbin's ELF string tables hold every entry point as a NUL-terminated name.
  const bool in_image = !m->names_visible || m->names.count(name);
  if (it == m->functions.end() || !in_image) {
    if (it == m->functions.end() && in_image)
      fprintf(stderr, "[vant emu] cuModuleGetFunction(%s): in the fatbin but not compiled into the emulator "
                      "(rebuild target/emu: native/emu/build-emu.sh)\n", name);
    return CUDA_ERROR_NOT_FOUND;
  }
  *pf = it->second;
  return CUDA_SUCCESS;
}

CUAPI CUresult cuFuncGetAttribute(int* v, int attr, void* f) {
  if (!v || !f) return CUDA_ERROR_INVALID_VALUE;
  Function* fn = (Function*)f;
  switch (attr) {
    case 0: *v = (int)fn->info->max_threads; break;        // MAX_THREADS_PER_BLOCK
    case 1: case 2: case 3: *v = 0; break;                 // SHARED/CONST/LOCAL_SIZE_BYTES: not known here
    case 4: *v = 0; break;                                 // NUM_REGS: no registers on the CPU
    case 5: case 6: *v = CC_MAJOR * 10 + CC_MINOR; break;  // PTX_VERSION, BINARY_VERSION
    case 8: *v = fn->max_dynamic_shared; break;            // MAX_DYNAMIC_SHARED_SIZE_BYTES
    case 9: *v = -1; break;                                // PREFERRED_SHARED_MEMORY_CARVEOUT
    default: return CUDA_ERROR_NOT_SUPPORTED;
  }
  return CUDA_SUCCESS;
}

CUAPI CUresult cuFuncSetAttribute(void* f, int attr, int v) {
  if (!f) return CUDA_ERROR_INVALID_HANDLE;
  Function* fn = (Function*)f;
  switch (attr) {
    case 8:
      if (v < 0 || (size_t)v > vant_emu::MAX_DYNAMIC_SHARED) return CUDA_ERROR_INVALID_VALUE;
      fn->max_dynamic_shared = v;
      return CUDA_SUCCESS;
    case 9:
      return (v < -1 || v > 100) ? CUDA_ERROR_INVALID_VALUE : CUDA_SUCCESS;
    default:
      return CUDA_ERROR_NOT_SUPPORTED;
  }
}

CUAPI CUresult cuFuncSetCacheConfig(void* f, int) { return f ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE; }

// Resident blocks per "multiprocessor" as on sm_90 (2048 threads, 32 blocks, 228 KiB shared per SM), so
// grid sizing code sees realistic numbers; the emulator itself runs one block per worker at a time.
CUAPI CUresult cuOccupancyMaxActiveBlocksPerMultiprocessor(int* n, void* f, int block, size_t dynamic_shared) {
  if (!n || !f || block <= 0) return CUDA_ERROR_INVALID_VALUE;
  if (block > (int)((Function*)f)->info->max_threads) { *n = 0; return CUDA_SUCCESS; }
  int by_threads = 2048 / ((block + 31) / 32 * 32), by_shared = (int)((228 * 1024) / (dynamic_shared + 1024));
  int v = by_threads < by_shared ? by_threads : by_shared;
  *n = v < 32 ? v : 32;
  return CUDA_SUCCESS;
}
CUAPI CUresult cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(int* n, void* f, int block, size_t shared, unsigned) {
  return cuOccupancyMaxActiveBlocksPerMultiprocessor(n, f, block, shared);
}

CUAPI CUresult cuLaunchKernel(void* f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                              unsigned shared, void* stream, void** params, void** extra) {
  std::lock_guard<std::mutex> g(mu);
  if (int e = ready()) return e;
  if (!f) return CUDA_ERROR_INVALID_HANDLE;
  Function* fn = (Function*)f;
  const vant_emu::KernelInfo* k = fn->info;
  if (extra && !params) return CUDA_ERROR_NOT_SUPPORTED;  // CU_LAUNCH_PARAM_BUFFER_POINTER: not emulated
  if (!params && k->params > 0) return CUDA_ERROR_INVALID_VALUE;
  const unsigned long long threads = (unsigned long long)bx * by * bz;
  if (gx == 0 || gy == 0 || gz == 0 || gy > 65535 || gz > 65535 || bx == 0 || by == 0 || bz == 0 || bx > 1024 ||
      by > 1024 || bz > 64 || threads > 1024) {
    fprintf(stderr, "[vant emu] %s: invalid launch configuration grid (%u,%u,%u) block (%u,%u,%u)\n", k->name, gx, gy, gz, bx, by, bz);
    return CUDA_ERROR_INVALID_VALUE;
  }
  if (threads > k->max_threads) {
    fprintf(stderr, "[vant emu] %s: %llu threads per block exceed its __launch_bounds__(%u)\n", k->name, threads, k->max_threads);
    return CUDA_ERROR_INVALID_VALUE;
  }
  if ((int)shared > fn->max_dynamic_shared) {
    fprintf(stderr, "[vant emu] %s: %u bytes of dynamic shared memory exceed the function's limit of %d "
                    "(cuFuncSetAttribute(CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES) raises it)\n",
            k->name, shared, fn->max_dynamic_shared);
    return CUDA_ERROR_INVALID_VALUE;
  }
  vant_emu::LaunchConfig cfg;
  cfg.grid = dim3(gx, gy, gz);
  cfg.block = dim3(bx, by, bz);
  cfg.shared_bytes = shared;
  cfg.name = k->name;
  int err;
  if (Graph* gr = recording(stream, k->name, &err)) {
    Node node;
    node.kind = Node::KERNEL;
    node.kernel = k;
    node.cfg = cfg;
    node.args = std::shared_ptr<void>(k->capture(params), k->release);
    gr->nodes.push_back(node);
    return CUDA_SUCCESS;
  }
  if (err) return err;
  std::string why;
  if (!k->launch(cfg, params, &why)) {
    fault(CUDA_ERROR_LAUNCH_FAILED, why);
    return CUDA_SUCCESS;  // like a device fault: reported by the next call that synchronizes
  }
  std::string where;
  if (!guards_intact(&where)) fault(CUDA_ERROR_ILLEGAL_ADDRESS, std::string(k->name) + ": " + where);
  return CUDA_SUCCESS;
}

// ---- streams and events --------------------------------------------------------------------------------------
CUAPI CUresult cuStreamCreate(void** ps, unsigned flags) {
  std::lock_guard<std::mutex> g(mu);
  if (int e = ready()) return e;
  if (!ps) return CUDA_ERROR_INVALID_VALUE;
  Stream* st = new Stream();
  st->flags = flags;
  *ps = st;
  return CUDA_SUCCESS;
}
CUAPI CUresult cuStreamCreateWithPriority(void** ps, unsigned flags, int) { return cuStreamCreate(ps, flags); }
CUAPI CUresult cuStreamDestroy_v2(void* s) {
  std::lock_guard<std::mutex> g(mu);
  if (null_stream(s)) return CUDA_ERROR_INVALID_HANDLE;
  Stream* st = (Stream*)s;
  if (st->capture) {  // the driver ends an abandoned capture with the stream
    delete st->capture;
    capturing.erase(st);
  }
  delete st;
  return CUDA_SUCCESS;
}
CUAPI CUresult cuStreamSynchronize(void* s) {
  std::lock_guard<std::mutex> g(mu);
  if (int e = ready()) return e;
  if (null_stream(s)) return capture_violation("cuStreamSynchronize(NULL stream)", CUDA_ERROR_STREAM_CAPTURE_IMPLICIT, true);
  Stream* st = (Stream*)s;
  if (st->capture) {
    st->invalidated = true;
    fprintf(stderr, "[vant emu] cuStreamSynchronize of a capturing stream: CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED (the capture is invalidated)\n");
    return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
  }
  return CUDA_SUCCESS;
}

// ---- stream capture and graphs ---------------------------------------------------------------------------
CUAPI CUresult cuStreamBeginCapture_v2(void* s, int mode) {
  std::lock_guard<std::mutex> g(mu);
  if (int e = ready()) return e;
  if (mode < 0 || mode > 2) return CUDA_ERROR_INVALID_VALUE;
  if (null_stream(s)) {
    fprintf(stderr, "[vant emu] cuStreamBeginCapture on the legacy NULL stream: CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED\n");
    return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
  }
  Stream* st = (Stream*)s;
  if (st->capture) return CUDA_ERROR_ILLEGAL_STATE_CAPTURE;
  st->capture = new Graph();
  st->mode = mode;
  st->thread = std::this_thread::get_id();
  st->invalidated = false;
  capturing[st] = true;
  return CUDA_SUCCESS;
}

CUAPI CUresult cuStreamEndCapture(void* s, void** pgraph) {
  std::lock_guard<std::mutex> g(mu);
  if (!pgraph) return CUDA_ERROR_INVALID_VALUE;
  *pgraph = nullptr;
  if (null_stream(s)) return CUDA_ERROR_ILLEGAL_STATE_CAPTURE;
  Stream* st = (Stream*)s;
  if (!st->capture) return CUDA_ERROR_ILLEGAL_STATE_CAPTURE;
  if (st->mode == 1 && st->thread != std::this_thread::get_id()) return CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD;
  Graph* gr = st->capture;
  st->capture = nullptr;
  capturing.erase(st);
  if (st->invalidated) {
    delete gr;
    return CUDA_ERROR_STREAM_CAPTURE_INVALIDATED;
  }
  *pgraph = gr;
  return ready();
}

CUAPI CUresult cuStreamIsCapturing(void* s, int* status) {
  std::lock_guard<std::mutex> g(mu);
  if (!status) return CUDA_ERROR_INVALID_VALUE;
  if (null_stream(s)) {
    *status = 0;
    for (auto& [c, on] : capturing) if (!(c->flags & 1)) return CUDA_ERROR_STREAM_CAPTURE_IMPLICIT;
    return CUDA_SUCCESS;
  }
  Stream* st = (Stream*)s;
  *status = !st->capture ? 0 : st->invalidated ? 2 : 1;  // NONE, ACTIVE, INVALIDATED
  return CUDA_SUCCESS;
}

CUAPI CUresult cuGraphDestroy(void* graph) {
  if (!graph) return CUDA_ERROR_INVALID_VALUE;
  delete (Graph*)graph;
  return CUDA_SUCCESS;
}

CUAPI CUresult cuGraphInstantiateWithFlags(void** pexec, void* graph, unsigned long long flags) {
  std::lock_guard<std::mutex> g(mu);
  if (int e = ready()) return e;
  if (!pexec || !graph) return CUDA_ERROR_INVALID_VALUE;
  if (flags != 0) return CUDA_ERROR_NOT_SUPPORTED;  // auto-free-on-launch, upload, device launch: not emulated
  *pexec = new GraphExec{((Graph*)graph)->nodes};
  return CUDA_SUCCESS;
}

CUAPI CUresult cuGraphExecDestroy(void* exec) {
  if (!exec) return CUDA_ERROR_INVALID_VALUE;
  delete (GraphExec*)exec;
  return CUDA_SUCCESS;
}

// Runs the nodes in capture order (a captured single stream is a chain). A kernel failure is sticky, as
// for cuLaunchKernel; the nodes after it do not run.
CUAPI CUresult cuGraphLaunch(void* exec, void* stream) {
  std::lock_guard<std::mutex> g(mu);
  if (int e = ready()) return e;
  if (!exec) return CUDA_ERROR_INVALID_VALUE;
  int err;
  if (recording(stream, "cuGraphLaunch", &err)) return CUDA_ERROR_NOT_SUPPORTED;  // child graphs: not emulated
  if (err) return err;
  for (const Node& n : ((GraphExec*)exec)->nodes) {
    switch (n.kind) {
      case Node::COPY:
        if ((n.dir != HTOD && !find((CUdeviceptr)(uintptr_t)n.src, n.n)) || (n.dir != DTOH && !find((CUdeviceptr)(uintptr_t)n.dst, n.n))) {
          fault(CUDA_ERROR_ILLEGAL_ADDRESS, "graph memcpy node: a device range was freed after capture");
          return CUDA_SUCCESS;
        }
        memmove(n.dst, n.src, n.n);
        break;
      case Node::MEMSET:
        if (!find((CUdeviceptr)(uintptr_t)n.dst, n.n * n.width)) {
          fault(CUDA_ERROR_ILLEGAL_ADDRESS, "graph memset node: the range was freed after capture");
          return CUDA_SUCCESS;
        }
        memset_now((CUdeviceptr)(uintptr_t)n.dst, &n.word, n.width, n.n);
        break;
      case Node::KERNEL: {
        std::string why;
        if (!n.kernel->replay(n.cfg, n.args.get(), &why)) {
          fault(CUDA_ERROR_LAUNCH_FAILED, why);
          return CUDA_SUCCESS;
        }
        std::string where;
        if (!guards_intact(&where)) {
          fault(CUDA_ERROR_ILLEGAL_ADDRESS, std::string(n.kernel->name) + " (graph node): " + where);
          return CUDA_SUCCESS;
        }
        break;
      }
    }
  }
  return CUDA_SUCCESS;
}
CUAPI CUresult cuStreamQuery(void*) {
  std::lock_guard<std::mutex> g(mu);
  return ready();
}
CUAPI CUresult cuStreamWaitEvent(void*, void* ev, unsigned) {
  std::lock_guard<std::mutex> g(mu);
  if (!ev) return CUDA_ERROR_INVALID_HANDLE;
  return ready();
}

CUAPI CUresult cuEventCreate(void** pe, unsigned flags) {
  std::lock_guard<std::mutex> g(mu);
  if (int e = ready()) return e;
  if (!pe) return CUDA_ERROR_INVALID_VALUE;
  *pe = new Event{flags, false, {}};
  return CUDA_SUCCESS;
}
CUAPI CUresult cuEventDestroy_v2(void* e) {
  if (!e) return CUDA_ERROR_INVALID_HANDLE;
  delete (Event*)e;
  return CUDA_SUCCESS;
}
CUAPI CUresult cuEventRecord(void* e, void*) {
  std::lock_guard<std::mutex> g(mu);
  if (int r = ready()) return r;
  if (!e) return CUDA_ERROR_INVALID_HANDLE;
  Event* ev = (Event*)e;
  ev->recorded = true;
  ev->when = std::chrono::steady_clock::now();
  return CUDA_SUCCESS;
}
CUAPI CUresult cuEventRecordWithFlags(void* e, void* s, unsigned) { return cuEventRecord(e, s); }
CUAPI CUresult cuEventSynchronize(void* e) {
  std::lock_guard<std::mutex> g(mu);
  if (!e) return CUDA_ERROR_INVALID_HANDLE;
  return ready();
}
CUAPI CUresult cuEventQuery(void* e) {
  std::lock_guard<std::mutex> g(mu);
  if (!e) return CUDA_ERROR_INVALID_HANDLE;
  return ready();
}
CUAPI CUresult cuEventElapsedTime(float* ms, void* start, void* end) {
  std::lock_guard<std::mutex> g(mu);
  if (int r = ready()) return r;
  if (!ms) return CUDA_ERROR_INVALID_VALUE;
  if (!start || !end) return CUDA_ERROR_INVALID_HANDLE;
  Event* a = (Event*)start;
  Event* b = (Event*)end;
  if ((a->flags | b->flags) & 2) return CUDA_ERROR_INVALID_HANDLE;  // CU_EVENT_DISABLE_TIMING
  if (!a->recorded || !b->recorded) return CUDA_ERROR_INVALID_HANDLE;
  *ms = std::chrono::duration<float, std::milli>(b->when - a->when).count();
  return CUDA_SUCCESS;
}

// ---- errors --------------------------------------------------------------------------------------------------
CUAPI CUresult cuGetErrorName(CUresult e, const char** s) {
  if (!s) return CUDA_ERROR_INVALID_VALUE;
  *s = error_name(e);
  return *s ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}
CUAPI CUresult cuGetErrorString(CUresult e, const char** s) {
  if (!s) return CUDA_ERROR_INVALID_VALUE;
  *s = error_string(e);
  return *s ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}
