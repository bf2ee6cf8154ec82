package dev.vant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vant.backend.Backend;
import dev.vant.backend.MathMode;
import dev.vant.backend.cuda.CudaBackend;
import dev.vant.cuda.CudaDevice;
import dev.vant.cuda.GpuTests;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --device cuda}: the math mode defaults to TF32 (compute capability 8.0+), the flag wins, config.json records it. */
@Tag("gpu")
class MathFlagGpuTest {
  private static void requireAmpere() {
    try (CudaDevice dev = GpuTests.open()) {
      Assumptions.assumeTrue(dev.info().ccMajor() >= 8, "TF32 needs compute capability 8.0: " + dev.info().name());
    }
  }

  private static MathMode mathOf(String flag) {
    try (Backend b = DeviceOption.open("cuda", 1, flag)) {
      return ((CudaBackend) b).math();
    }
  }

  @Test
  void defaultIsTf32AndTheFlagWins() {
    requireAmpere();
    assertEquals(MathMode.TF32, mathOf(null));
    assertEquals(MathMode.FP32, mathOf("fp32"));
    assertEquals(MathMode.TF32, mathOf("TF32"));
  }

  @Test
  void trainRecordsTheModeItUsed(@TempDir Path tmp) throws Exception {
    requireAmpere();
    Path out = tmp.resolve("run");
    CliTestSupport.Run r = CliTestSupport.run("train", "--model", "mlp", "--dataset", "synthetic", "--limit", "32", "--test-limit",
        "16", "--epochs", "1", "--batch", "16", "--device", "cuda", "--out", out.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals("tf32", new ObjectMapper().readTree(out.resolve("config.json").toFile()).path("math").asText());
  }
}
