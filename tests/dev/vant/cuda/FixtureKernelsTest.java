package dev.vant.cuda;

import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The tensor-core fixture of tests/fixtures/kernels/emu/mma.cu through JCuda, from a test-only fatbin that
 * nvcc builds here (sm_80 SASS + compute_80 PTX, so any GPU of capability 8.0 or newer runs it): on the
 * emulated driver in CI, on the real device on a GPU host. The fixtures never enter the jar's fatbin.
 *
 * <p>{@code emu_matmul_tf32} computes C = A W^T with mma.sync TF32 fragments. Tolerance: TF32 keeps 11
 * significant bits (relative rounding error <= 2^-11 ~ 4.9e-4 per input), so the result must be within 1e-3
 * of the FP32 reference in the Frobenius norm (measured ~2.5e-4 under emulation). The wrong-fragment twin
 * {@code emu_matmul_tf32_badfrag} must miss that bound (it is off by O(1)).
 */
@Tag("gpu")
class FixtureKernelsTest {
  private static CudaDevice dev;
  private static CUmodule module;

  /** nvcc from NVCC or PATH, or null. */
  static String nvcc() {
    String env = System.getenv("NVCC");
    if (env != null && !env.isBlank() && Files.isExecutable(Path.of(env))) return env;
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, "nvcc"))) return Path.of(d, "nvcc").toString();
    }
    return null;
  }

  /** One translation unit including every fixture kernel (as native/build-kernels.sh does for kernels/). */
  static Path allFixturesUnit(Path dir) throws IOException {
    List<Path> cus;
    try (var files = Files.list(Path.of("tests/fixtures/kernels/emu"))) {
      cus = files.filter(p -> p.toString().endsWith(".cu")).sorted().toList();
    }
    Path unit = dir.resolve("all_fixtures.cu");
    Files.writeString(unit, cus.stream().map(p -> "#include \"" + p.toAbsolutePath() + "\"").collect(Collectors.joining("\n", "", "\n")));
    return unit;
  }

  @BeforeAll
  static void loadFixtures() throws Exception {
    dev = GpuTests.open();
    String nvcc = nvcc();
    if (nvcc == null) {
      dev.close();
      if (GpuTests.required() || "true".equals(System.getenv("CI"))) fail("nvcc is needed to build the fixture fatbin");
      Assumptions.abort("nvcc not installed: no fixture fatbin");
    }
    Path dir = Files.createTempDirectory("vant-fixtures");
    Path fatbin = dir.resolve("fixtures.fatbin");
    ProcessBuilder pb = new ProcessBuilder(nvcc, "-fatbin", "-std=c++17", "-O3", "-I", "kernels",
        "-gencode", "arch=compute_80,code=sm_80", "-gencode", "arch=compute_80,code=compute_80",
        "-o", fatbin.toString(), allFixturesUnit(dir).toString()).redirectErrorStream(true);
    pb.environment().remove("LD_PRELOAD");  // the ASan run preloads libasan into the JVM, not into nvcc
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), "nvcc on the fixtures:\n" + out);
    byte[] image = Files.readAllBytes(fatbin);
    dev.makeCurrent();
    module = new CUmodule();
    CudaDevice.check(cuModuleLoadData(module, Arrays.copyOf(image, image.length + 1)), "load the fixture fatbin");
  }

  @AfterAll
  static void close() {
    if (dev == null) return;
    if (module != null) {
      dev.makeCurrent();
      cuModuleUnload(module);
    }
    dev.close();
  }

  /** Relative Frobenius error of kernel {@code name} against A W^T in double. */
  private static double matmulError(String name, int m, int n, int k, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    float[] a = new float[m * k], w = new float[n * k];
    for (int i = 0; i < a.length; i++) a[i] = (float) (rnd.nextDouble() * 2 - 1);
    for (int i = 0; i < w.length; i++) w[i] = (float) (rnd.nextDouble() * 2 - 1);
    float[] c = new float[m * n];
    try (DeviceBuffer dA = dev.pool().acquire(4L * a.length, "A [" + m + "][" + k + "]");
         DeviceBuffer dW = dev.pool().acquire(4L * w.length, "W [" + n + "][" + k + "]");
         DeviceBuffer dC = dev.pool().acquire(4L * c.length, "C [" + m + "][" + n + "]")) {
      dA.copyFrom(a, a.length);
      dW.copyFrom(w, w.length);
      dC.fill32(0x7FC0DEAD);
      dev.makeCurrent();
      CUfunction f = new CUfunction();
      CudaDevice.check(cuModuleGetFunction(f, module, name), "cuModuleGetFunction(" + name + ")");
      Pointer params = Pointer.to(dA.arg(), dW.arg(), dC.arg(), Pointer.to(new int[] {m}), Pointer.to(new int[] {n}),
          Pointer.to(new int[] {k}));
      CudaDevice.check(cuLaunchKernel(f, (n + 31) / 32, (m + 31) / 32, 1, 128, 1, 1, 0, null, params, null), "launch " + name);
      dev.synchronize(name);
      dC.copyTo(c, c.length);
    }
    double num = 0, den = 0;
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double ref = 0;
        for (int q = 0; q < k; q++) ref += (double) a[i * k + q] * w[j * k + q];
        double d = c[i * n + j] - ref;
        num += d * d;
        den += ref * ref;
      }
    }
    return Math.sqrt(num / den);
  }

  @Test
  void mmaTf32MatmulMatchesTheReference() {
    int m = (int) GpuTests.size(dev, 1000, 70), n = (int) GpuTests.size(dev, 520, 50), k = (int) GpuTests.size(dev, 388, 36);
    double err = matmulError("emu_matmul_tf32", m, n, k, 11);
    assertTrue(err <= 1e-3, "emu_matmul_tf32 " + m + "x" + n + "x" + k + ": relative error " + err);
  }

  @Test
  void wrongFragmentIndexIsWrong() {
    double err = matmulError("emu_matmul_tf32_badfrag", 64, 48, 32, 12);
    assertTrue(err > 0.1, "emu_matmul_tf32_badfrag: relative error only " + err);
  }

  @Test
  void kernelsOutsideTheLoadedModuleAreNotFound() {
    dev.makeCurrent();
    // noise_add is compiled into the emulator and into the jar's fatbin, but not into this module.
    assertEquals(CUresult.CUDA_ERROR_NOT_FOUND, cuModuleGetFunction(new CUfunction(), module, "noise_add"));
  }
}
