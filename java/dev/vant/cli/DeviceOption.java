package dev.vant.cli;

import dev.vant.backend.Backend;
import dev.vant.backend.Backends;
import dev.vant.backend.MathMode;
import dev.vant.backend.cuda.CudaBackend;

/**
 * The {@code --device} and {@code --math} flags: a backend, or a usage error (exit 2) naming the flag and why
 * it cannot be had.
 */
public final class DeviceOption {
  /** The help text of every command's {@code --math} flag. */
  public static final String MATH_HELP = "GEMM arithmetic on a GPU: fp32 (exact, FFMA) | tf32 (tensor cores, operands rounded "
      + "to nearest TF32, ~1e-3 relative) | tf32rz (tensor cores, operands truncated as cuBLAS/cuDNN do: no rounding pass, ~2e-3) "
      + "(default: tf32 on compute capability 8.0+). CPU backends ignore it: they compute in FP32.";

  private DeviceOption() {}

  public static Backend open(String device, int threads) {
    return open(device, threads, null);
  }

  /** {@code math}: the {@code --math} value, or null for the device's default. */
  public static Backend open(String device, int threads, String math) {
    MathMode m = math(math);
    Backend b;
    try {
      b = Backends.select(device, threads, m);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    if (m != null && m.tensorCores() && !(b instanceof CudaBackend)) {
      System.err.println("[vant] --math " + m.cliName() + " is ignored on the CPU backend: it computes in FP32");
    }
    return b;
  }

  /** The {@code --math} value as a mode (null stays null: the device's default); a bad value is a usage error. */
  public static MathMode math(String value) {
    if (value == null) return null;
    try {
      return MathMode.parse(value);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }

  /** The math the backend's GEMMs use, as config.json records it: the CUDA backend's mode, FP32 on the CPU. */
  public static String mathOf(Backend b) {
    return b instanceof CudaBackend c ? c.math().cliName() : MathMode.FP32.cliName();
  }
}
