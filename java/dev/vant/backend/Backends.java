package dev.vant.backend;

import dev.vant.backend.cpu.FastBackend;
import dev.vant.backend.cpu.Precision;
import dev.vant.backend.cpu.ReferenceBackend;
import dev.vant.backend.cuda.CudaBackend;
import dev.vant.cuda.Cuda;

/** Factory of backends: what the CLI's {@code --device} flag and the library's entry points call. */
public final class Backends {
  private Backends() {}

  /** The plain-loop oracle; {@link Precision#DOUBLE} for gradient checks, FLOAT32 as the float32 reference. */
  public static Backend cpuReference(Precision precision) {
    return new ReferenceBackend(precision);
  }

  /** The multi-threaded CPU backend on {@code threads} threads (0 = all cores). */
  public static Backend cpuFast(int threads) {
    if (threads < 0) throw new IllegalArgumentException("cpu-fast: threads must be >= 0 (0 = all cores), got " + threads);
    return new FastBackend(threads == 0 ? defaultThreads() : threads);
  }

  /** Threads used when a caller passes 0: all cores. */
  public static int defaultThreads() {
    return Runtime.getRuntime().availableProcessors();
  }

  /**
   * The backend for a {@code --device} value: "cpu" gives the fast CPU backend; "cuda" the GPU backend
   * ({@link CudaBackend} on device 0; closing it closes the device); "auto" the GPU where CUDA is
   * usable, else the CPU, saying why on stderr.
   *
   * @param threads CPU threads (0 = all cores)
   * @throws IllegalArgumentException for an unknown device, or "cuda" where CUDA cannot be used (the
   *     message says why, from {@link Cuda#status()})
   */
  public static Backend select(String device, int threads) {
    return select(device, threads, null);
  }

  /**
   * As {@link #select(String, int)}, with the GEMMs of a CUDA backend in {@code math} (null: the device's
   * default, TF32 on compute capability 8.0+). CPU backends ignore {@code math}: they compute in FP32.
   */
  public static Backend select(String device, int threads, MathMode math) {
    if (threads < 0) throw new IllegalArgumentException("--threads must be >= 0 (0 = all cores), got " + threads);
    int t = threads == 0 ? defaultThreads() : threads;
    String d = device == null ? "auto" : device.trim().toLowerCase(java.util.Locale.ROOT);
    switch (d) {
      case "cpu":
        return cpuFast(t);
      case "auto": {
        Cuda.Status s = Cuda.status();
        if (s.available()) return CudaBackend.open(math);
        System.err.println("[vant] --device auto: using the CPU (" + t + " threads) because CUDA is unavailable: " + s.reason());
        return cpuFast(t);
      }
      case "cuda": {
        Cuda.Status s = Cuda.status();
        if (!s.available()) {
          throw new IllegalArgumentException("--device cuda: CUDA is unavailable here: " + s.reason());
        }
        return CudaBackend.open(math);
      }
      default:
        throw new IllegalArgumentException("--device " + device + ": unknown device (expected cpu, cuda or auto)");
    }
  }
}
