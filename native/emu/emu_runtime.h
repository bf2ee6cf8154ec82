// native/emu/emu_runtime.h — the host side of the CUDA emulation: run a grid of emulated kernel threads.
// Used by the emulated driver (driver.cpp) and by the fixture/sanitizer harness (fixture_runner.cpp).
#pragma once
#include <cstddef>
#include <cstring>
#include <string>
#include <tuple>
#include <type_traits>
#include "cuda_emu.h"

namespace vant_emu {

// Largest dynamic shared memory a launch may ask for (sm_90: 227 KiB per block after opt-in).
constexpr size_t MAX_DYNAMIC_SHARED = 227 * 1024;
// Without cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES) a launch gets at most 48 KiB.
constexpr size_t DEFAULT_DYNAMIC_SHARED = 48 * 1024;

struct LaunchConfig {
  dim3 grid;
  dim3 block;
  size_t shared_bytes = 0;
  const char* name = "?";
};

// Runs every block of the grid to completion on the worker pool. body(ctx) is one GPU thread's work
// (the kernel call with its arguments). Returns true, or false with *error naming the kernel, the block
// and what went wrong (__trap, deadlock, a warp intrinsic misused).
bool run_grid(const LaunchConfig& cfg, void (*body)(void*), void* ctx, std::string* error);

// Worker threads that run blocks (VANT_EMU_WORKERS, default: the CPUs, at most 8).
unsigned worker_count();

// ---- typed launches -------------------------------------------------------------------------------------
template <class Sig> struct Thunk;
template <class... A>
struct Thunk<void (*)(A...)> {
  using Args = std::tuple<std::decay_t<A>...>;
  static_assert((std::is_trivially_copyable_v<std::decay_t<A>> && ...), "kernel parameters must be trivially copyable");

  template <void (*F)(A...)>
  static void body(void* ctx) { std::apply(F, *static_cast<Args*>(ctx)); }

  // cuLaunchKernel's kernelParams: params[i] points at the value of parameter i.
  template <size_t... I>
  static void unpack(Args& args, void** params, std::index_sequence<I...>) {
    (std::memcpy(&std::get<I>(args), params[I], sizeof(std::get<I>(args))), ...);
  }

  template <void (*F)(A...)>
  static bool launch(const LaunchConfig& cfg, void** params, std::string* error) {
    Args args{};
    unpack(args, params, std::index_sequence_for<A...>{});
    return run_grid(cfg, &body<F>, &args, error);
  }

  // Stream capture (CUDA graphs): the parameter values are copied when the launch is captured, as the
  // real driver does, and the kernel runs from that copy at every graph launch.
  static void* capture(void** params) {
    Args* args = new Args{};
    unpack(*args, params, std::index_sequence_for<A...>{});
    return args;
  }
  static void release(void* args) { delete static_cast<Args*>(args); }
  template <void (*F)(A...)>
  static bool replay(const LaunchConfig& cfg, void* args, std::string* error) {
    Args copy = *static_cast<Args*>(args);  // a kernel may modify its parameters; every replay starts afresh
    return run_grid(cfg, &body<F>, &copy, error);
  }
};

// A kernel of the emulated module: what cuModuleGetFunction finds by name.
struct KernelInfo {
  const char* name;
  bool (*launch)(const LaunchConfig&, void** params, std::string* error);
  unsigned max_threads;  // from __launch_bounds__, else 1024
  unsigned params;       // parameter count
  void* (*capture)(void** params);  // a heap copy of the parameter values (stream capture) ...
  void (*release)(void* args);      // ... freed by this ...
  bool (*replay)(const LaunchConfig&, void* args, std::string* error);  // ... and run by this
};

template <class... A>
constexpr unsigned param_count(void (*)(A...)) { return sizeof...(A); }

// Direct launch from C++ (the fixture harness): launch<kernel>(cfg, args...).
template <auto F, class... V>
bool launch(const LaunchConfig& cfg, std::string* error, V... values) {
  using T = Thunk<decltype(F)>;
  typename T::Args args{values...};
  return run_grid(cfg, &T::template body<F>, &args, error);
}

}  // namespace vant_emu

#define VANT_EMU_KERNEL(name, max_threads) \
  ::vant_emu::KernelInfo{#name, &::vant_emu::Thunk<decltype(&name)>::launch<&name>, max_threads, ::vant_emu::param_count(&name), \
                         &::vant_emu::Thunk<decltype(&name)>::capture, &::vant_emu::Thunk<decltype(&name)>::release, \
                         &::vant_emu::Thunk<decltype(&name)>::replay<&name>}
