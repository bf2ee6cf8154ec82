package dev.vant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vant.cuda.GpuTests;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vant train --cuda-graph on|auto --device cuda}: the run records and replays its step and config.json says so. */
@Tag("gpu")
class CudaGraphFlagGpuTest {
  @Test
  void trainWithCudaGraphRecordsAndReplays(@TempDir Path tmp) throws Exception {
    GpuTests.open().close(); // skipped (or failed under REQUIRE_GPU=1) without a device
    Path out = tmp.resolve("run");
    CliTestSupport.Run r = CliTestSupport.run("train", "--model", "mlp", "--dataset", "synthetic", "--limit", "64", "--test-limit",
        "16", "--epochs", "1", "--batch", "16", "--device", "cuda", "--math", "fp32", "--cuda-graph", "on", "--out", out.toString());
    assertEquals(0, r.code(), r.out() + r.err());
    // 4 steps: two op by op (the pool fills), one recorded, one replayed.
    assertTrue(r.out().contains("cuda graphs: 1 recorded, 1 replayed steps"), r.out());
    assertEquals("on", new ObjectMapper().readTree(out.resolve("config.json").toFile()).path("cuda-graph").asText());

    // The default, auto, records on the GPU too.
    Path auto = tmp.resolve("auto");
    CliTestSupport.Run a = CliTestSupport.run("train", "--model", "mlp", "--dataset", "synthetic", "--limit", "64", "--test-limit",
        "16", "--epochs", "1", "--batch", "16", "--device", "cuda", "--math", "fp32", "--out", auto.toString());
    assertEquals(0, a.code(), a.out() + a.err());
    assertTrue(a.out().contains("cuda graphs: 1 recorded, 1 replayed steps"), a.out());
    assertEquals("auto", new ObjectMapper().readTree(auto.resolve("config.json").toFile()).path("cuda-graph").asText());
  }
}
