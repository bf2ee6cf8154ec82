package dev.vant.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build of the CPU emulation (native/emu): the generated kernel registry, the emulated driver's
 * exports against what JCuda's native library imports, the test-only placement of the library, and the
 * real-driver guard of native/emu/build-emu.sh.
 */
class EmulatorBuildTest {
  private static final Path EMU = Path.of(System.getProperty("vant.emuDir", "target/emu"));
  private static final String JCUDA_NATIVE = "/lib/libJCudaDriver-12.6.0-linux-x86_64.so";

  private record Result(int code, String output) {}

  private static Result exec(Map<String, String> env, String... cmd) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    return new Result(p.waitFor(), out);
  }

  @Test
  void registryListsEveryExternCKernelWithItsLaunchBounds(@TempDir Path tmp) throws Exception {
    Path cu = tmp.resolve("k.cu");
    Files.writeString(cu, String.join("\n",
        "// extern \"C\" __global__ void commented_out(int* p) {}",
        "/* extern \"C\" __global__ void also_commented(int* p) {} */",
        "extern \"C\" __global__ void plain(float* dY, int n) { dY[0] = n; }",
        "extern \"C\" __global__ void __launch_bounds__(256)",
        "bounded(const float* __restrict__ dX, float* dY) { extern __shared__ float smem[]; smem[0] = dX[0]; dY[0] = smem[0]; }",
        "extern \"C\" __global__ __launch_bounds__(128, 2) void bounds_first(int* p) {}",
        "extern \"C\" __device__ float not_a_kernel(float x) { return x; }",
        "__global__ void not_extern_c(int* p) {}", ""));
    Result r = exec(Map.of(), "bash", "native/emu/gen-registry.sh", tmp.resolve("gen").toString(), cu.toString());
    assertEquals(0, r.code(), r.output());
    String reg = Files.readString(tmp.resolve("gen/registry.cpp"));
    assertTrue(reg.contains("VANT_EMU_KERNEL(plain, 1024)"), reg);
    assertTrue(reg.contains("VANT_EMU_KERNEL(bounded, 256)"), reg);
    assertTrue(reg.contains("VANT_EMU_KERNEL(bounds_first, 128)"), reg);
    for (String no : List.of("commented_out", "also_commented", "not_a_kernel", "not_extern_c")) assertFalse(reg.contains(no), reg);
    String dyn = Files.readString(tmp.resolve("gen/dyn_smem.cpp"));
    assertTrue(dyn.contains("thread_local unsigned char smem[::vant_emu::MAX_DYNAMIC_SHARED]"), dyn);
  }

  @Test
  void emulatedDriverExportsEverySymbolJCudaImports(@TempDir Path tmp) throws Exception {
    Path lib = EMU.resolve("libcuda.so.1");
    if (Files.exists(EMU.resolve("real-driver-present"))) Assumptions.abort("real NVIDIA driver present: no emulated driver is built");
    if (!Files.exists(lib)) fail(lib + " is missing: run the tests through Maven (native/emu/build-emu.sh builds it)");
    Path jcuda = tmp.resolve("libJCudaDriver.so");
    try (InputStream in = EmulatorBuildTest.class.getResourceAsStream(JCUDA_NATIVE)) {
      if (in == null) fail(JCUDA_NATIVE + " not on the test classpath");
      Files.copy(in, jcuda);
    }
    Set<String> imported = symbols(exec(Map.of(), "nm", "-D", "--undefined-only", jcuda.toString()));
    Set<String> listed = Files.readAllLines(Path.of("native/emu/jcuda-driver-imports.txt")).stream()
        .filter(l -> !l.isBlank() && !l.startsWith("#")).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(imported, listed, "native/emu/jcuda-driver-imports.txt must list exactly what JCuda imports");
    Set<String> exported = symbols(exec(Map.of(), "nm", "-D", "--defined-only", lib.toString()));
    Set<String> missing = new TreeSet<>(imported);
    missing.removeAll(exported);
    assertTrue(missing.isEmpty(), "not exported by the emulated driver: " + missing);
    Result soname = exec(Map.of(), "readelf", "-d", lib.toString());
    assertTrue(soname.output().contains("Library soname: [libcuda.so.1]"), soname.output());
  }

  private static Set<String> symbols(Result nm) {
    assertEquals(0, nm.code(), nm.output());
    return nm.output().lines().map(l -> l.trim().split("\\s+")).map(f -> f[f.length - 1])
        .filter(s -> s.startsWith("cu")).collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  void emulatorIsATestArtifactOutsideTheJarContents() throws Exception {
    Path classes = Path.of("target/classes");
    try (var files = Files.walk(classes)) {
      List<Path> natives = files.filter(p -> p.getFileName().toString().startsWith("libcuda")).toList();
      assertTrue(natives.isEmpty(), "the jar's contents must not hold an emulated driver: " + natives);
    }
    assertFalse(EMU.toAbsolutePath().normalize().startsWith(classes.toAbsolutePath().normalize()));
  }

  @Test
  void noEmulatedDriverWhereARealOneIsPresent(@TempDir Path tmp) throws Exception {
    Result r = exec(Map.of("VANT_EMU_PRETEND_REAL_DRIVER", "1", "VANT_EMU_SKIP_FIXTURES", "1"),
        "bash", "native/emu/build-emu.sh", tmp.toString());
    assertEquals(0, r.code(), r.output());
    assertFalse(Files.exists(tmp.resolve("libcuda.so.1")), r.output());
    assertTrue(Files.readString(tmp.resolve("real-driver-present")).contains("VANT_EMU_PRETEND_REAL_DRIVER"));
    assertTrue(r.output().contains("the emulated GPU run is skipped"), r.output());
  }

  /** The fixtures are written for the GPU too: nvcc must compile them (sm_80, the oldest we support). */
  @Test
  void fixturesCompileWithNvcc(@TempDir Path tmp) throws Exception {
    String nvcc = FixtureKernelsTest.nvcc();
    if (nvcc == null) {
      Assumptions.assumeFalse("true".equals(System.getenv("CI")), "CI must have nvcc");
      Assumptions.abort("nvcc not installed");
    }
    Path cubin = tmp.resolve("fixtures.cubin");
    List<String> cmd = new ArrayList<>(List.of(nvcc, "-cubin", "-std=c++17", "-arch=sm_80", "-I", "kernels", "-o",
        cubin.toString(), FixtureKernelsTest.allFixturesUnit(tmp).toString()));
    Result r = exec(Map.of(), cmd.toArray(String[]::new));
    assertEquals(0, r.code(), r.output());
    assertTrue(Files.size(cubin) > 0);
  }
}
