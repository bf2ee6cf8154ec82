package dev.vant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vant.cuda.CudaDevice;
import dev.vant.cuda.GpuTests;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vant train --device cuda}: the math mode defaults to TF32 (compute capability 8.0+) and config.json records it. */
@Tag("gpu")
class MathFlagGpuTest {
  private static String trainedMath(Path out, String... math) throws Exception {
    String[] base = {"train", "--model", "mlp", "--dataset", "synthetic", "--limit", "32", "--test-limit", "16", "--epochs", "1",
        "--batch", "16", "--device", "cuda", "--out", out.toString()};
    String[] args = new String[base.length + math.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(math, 0, args, base.length, math.length);
    CliTestSupport.Run r = CliTestSupport.run(args);
    assertEquals(0, r.code(), r.err());
    return new ObjectMapper().readTree(out.resolve("config.json").toFile()).path("math").asText();
  }

  @Test
  void defaultIsTf32AndTheFlagWins(@TempDir Path tmp) throws Exception {
    try (CudaDevice dev = GpuTests.open()) {
      Assumptions.assumeTrue(dev.info().ccMajor() >= 8, "TF32 needs compute capability 8.0: " + dev.info().name());
    }
    assertEquals("tf32", trainedMath(tmp.resolve("default")));
    assertEquals("fp32", trainedMath(tmp.resolve("fp32"), "--math", "fp32"));
  }
}
