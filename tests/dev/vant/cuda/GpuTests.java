package dev.vant.cuda;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;

/**
 * Opening the device in GPU-tagged tests: skipped where CUDA is unavailable, a failure instead when the
 * environment sets {@code REQUIRE_GPU=1} (GPU hosts, the emulated CI run).
 */
public final class GpuTests {
  private GpuTests() {}

  public static boolean required() {
    return "1".equals(System.getenv("REQUIRE_GPU"));
  }

  /** Device 0, or the test is skipped (or failed under REQUIRE_GPU=1) with the reason CUDA is unavailable. */
  public static CudaDevice open() {
    Cuda.Status s = Cuda.status();
    if (!s.available()) {
      if (required()) fail("REQUIRE_GPU=1 but CUDA is unavailable: " + s.reason());
      Assumptions.abort("CUDA unavailable: " + s.reason());
    }
    return Cuda.open();
  }

  /** {@code full} on a real GPU; {@code emulated} under the CPU emulation of the driver, which is far slower. */
  public static long size(CudaDevice dev, long full, long emulated) {
    return dev.info().emulated() ? emulated : full;
  }
}
