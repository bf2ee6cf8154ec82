package dev.vant.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** native/build-kernels.sh: the no-nvcc path (warn, or fail under VANT_REQUIRE_NVCC=1) and the spill check. */
class KernelBuildTest {
  private static final Path SCRIPT = Path.of("native/build-kernels.sh");

  private record Result(int code, String output) {}

  private static Result build(Path res, Path rep, Map<String, String> env) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString(), res.toString(), rep.toString()).redirectErrorStream(true);
    pb.environment().remove("VANT_REQUIRE_NVCC");  // CI (.ci/run) exports it; each test sets what it tests
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    return new Result(p.waitFor(), out);
  }

  @Test
  void withoutNvccTheBuildWarnsAndShipsNoGpuCode(@TempDir Path tmp) throws Exception {
    Result r = build(tmp.resolve("res"), tmp.resolve("rep"), Map.of("NVCC", "nvcc-not-installed-here"));
    assertEquals(0, r.code(), r.output());
    assertTrue(r.output().contains("WARNING: nvcc not found"), r.output());
    assertFalse(Files.exists(tmp.resolve("res/vant.fatbin")));
  }

  @Test
  void withoutNvccCiFails(@TempDir Path tmp) throws Exception {
    Result r = build(tmp.resolve("res"), tmp.resolve("rep"), Map.of("NVCC", "nvcc-not-installed-here", "VANT_REQUIRE_NVCC", "1"));
    assertEquals(1, r.code(), r.output());
    assertTrue(r.output().contains("VANT_REQUIRE_NVCC=1"), r.output());
  }

  @Test
  void aSpillingKernelFailsTheBuildUnlessAllowed(@TempDir Path tmp) throws Exception {
    Map<String, String> env = fixture(tmp, "spills.cu", "80");
    Result r = build(tmp.resolve("res"), tmp.resolve("rep"), env);
    assertEquals(1, r.code(), r.output());
    assertTrue(r.output().contains("spill to local memory") && r.output().contains("spills_on_purpose"), r.output());
    assertFalse(Files.exists(tmp.resolve("res/vant.fatbin")));

    Files.writeString(tmp.resolve("kernels/spill-allowed.txt"), "spills_on_purpose  test fixture\n");
    r = build(tmp.resolve("res"), tmp.resolve("rep"), env);
    assertEquals(0, r.code(), r.output());
    assertTrue(r.output().contains("allowed by"), r.output());
    assertTrue(Files.size(tmp.resolve("res/vant.fatbin")) > 0);
  }

  /** A kernel whose wgmma ptxas serializes (it would only say so in an info line) fails the build, naming it. */
  @Test
  void aKernelWithSerializedWgmmaFailsTheBuild(@TempDir Path tmp) throws Exception {
    Result r = build(tmp.resolve("res"), tmp.resolve("rep"), fixture(tmp, "wgmma_serialized.cu", "90a"));
    assertEquals(1, r.code(), r.output());
    assertTrue(r.output().contains("serialized the wgmma") && r.output().contains("'wgmma_call_in_flight'")
        && r.output().contains("'wgmma_accumulator_read_in_flight'"), r.output());
    assertFalse(Files.exists(tmp.resolve("res/vant.fatbin")));
  }

  /**
   * A kernels folder under tmp holding tests/fixtures/kernels/{@code file} alone, and the build's environment for it
   * (architectures {@code archs}); aborts the test where nvcc is missing (CI must have it).
   */
  private static Map<String, String> fixture(Path tmp, String file, String archs) throws Exception {
    if (!nvccPresent()) {
      org.junit.jupiter.api.Assumptions.assumeFalse("true".equals(System.getenv("CI")), "CI must have nvcc");
      org.junit.jupiter.api.Assumptions.abort("nvcc not installed");
    }
    Path kernels = Files.createDirectories(tmp.resolve("kernels"));
    Files.copy(Path.of("tests/fixtures/kernels", file), kernels.resolve(file));
    return Map.of("VANT_KERNELS_DIR", kernels.toString(), "VANT_ARCHS", archs);
  }

  private static boolean nvccPresent() {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(d, "nvcc"))) return true;
    }
    return false;
  }
}
