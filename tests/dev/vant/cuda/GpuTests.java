package dev.vant.cuda;

import static org.junit.jupiter.api.Assertions.fail;

import dev.vant.backend.cuda.CudaBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

  /** True in the second `gpu` run of `mvn test`, the one on the emulated driver (pom.xml, gpu-emulated). */
  public static boolean emulatedRun() {
    return "1".equals(System.getenv("VANT_EMULATED_RUN"));
  }

  /** Device 0, or the test is skipped (or failed under REQUIRE_GPU=1) with the reason CUDA is unavailable. */
  public static CudaDevice open() {
    if (emulatedRun()) {
      // native/emu/build-emu.sh builds no emulator where a real driver is present and leaves this marker.
      Path marker = Path.of(System.getProperty("vant.emuDir", "target/emu"), "real-driver-present");
      if (Files.exists(marker)) Assumptions.abort("emulated GPU run skipped: a real NVIDIA driver is present (" + read(marker) + ")");
    }
    Cuda.Status s = Cuda.status();
    if (emulatedRun() && s.fatbin() == null && !"1".equals(System.getenv("VANT_REQUIRE_NVCC"))) {
      // The emulator binds the build's fatbin; a build without nvcc has none (CI has nvcc: see .ci/run).
      Assumptions.abort("emulated GPU run skipped: " + Fatbin.NO_GPU_CODE);
    }
    if (!s.available()) {
      if (required()) fail("REQUIRE_GPU=1 but CUDA is unavailable: " + s.reason());
      Assumptions.abort("CUDA unavailable: " + s.reason());
    }
    if (emulatedRun() && !s.device().emulated()) {
      fail("the emulated GPU run opened a real device (" + s.device().name() + "): LD_LIBRARY_PATH must point at target/emu");
    }
    return Cuda.open();
  }

  private static String read(Path p) {
    try {
      return Files.readString(p).strip();
    } catch (IOException e) {
      return p.toString();
    }
  }

  /**
   * Whether {@code dev} runs the sm_90a wgmma kernels (VANT_TF32_TILE=wgmma*): compute capability 9.0 (Hopper; the
   * emulated device reports it) and a fatbin with sm_90a code. Elsewhere vant refuses that setting, so tests of it
   * skip.
   */
  public static boolean wgmma(CudaDevice dev) {
    return CudaBackend.wgmmaRuns(dev);
  }

  /**
   * True where the tests should use their small problem sizes: under the CPU emulation of the driver, which is
   * far slower, and on a real GPU when {@code VANT_GPU_TEST_SIZE=small} (the compute-sanitizer run of
   * bench/gpu-suite.sh: memcheck slows every kernel down ~100x, and the edge shapes matter there, not the size).
   */
  public static boolean smallSizes(CudaDevice dev) {
    return dev.info().emulated() || "small".equals(System.getenv("VANT_GPU_TEST_SIZE"));
  }

  /** {@code full} on a real GPU; {@code emulated} where {@link #smallSizes} says so. */
  public static long size(CudaDevice dev, long full, long emulated) {
    return smallSizes(dev) ? emulated : full;
  }
}
