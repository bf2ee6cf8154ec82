package dev.vant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.cuda.Cuda;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** {@code vant bench} flag checks (they fail before any device is touched) and the no-GPU message. */
class BenchCommandTest {
  @Test
  void badFlagValuesExitTwoNamingTheFlag() {
    String[][] cases = {
        {"--only", "everything"}, {"--batch", "0"}, {"--noise", "loud"}, {"--samples", "2"}, {"--warmup", "0"},
        {"--windows", "0"}, {"--name", "../x"}, {"--kernels", "layer9"}, {"--budget-s", "-1"}, {"--cuda-graph", "maybe"}, {"--model", "resnet50"}};
    for (String[] c : cases) {
      CliTestSupport.Run r = CliTestSupport.run("bench", c[0], c[1]);
      assertEquals(2, r.code(), String.join(" ", c) + ": " + r.err());
      assertTrue(r.err().contains(c[0]), String.join(" ", c) + ": " + r.err());
    }
  }

  @Test
  void peerFileMustExist() {
    CliTestSupport.Run r = CliTestSupport.run("bench", "--peer", "/nonexistent/torch.json");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("--peer /nonexistent/torch.json: no such file"), r.err());
  }

  @Test
  void withoutCudaItSaysWhyAndPointsAtTheCpuSuite() {
    Assumptions.assumeFalse(Cuda.status().available(), "CUDA is available here");
    CliTestSupport.Run r = CliTestSupport.run("bench", "--tiny");
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains("CUDA is unavailable: " + Cuda.status().reason()), r.err());
    assertTrue(r.err().contains("bench/cpu-suite.sh"), r.err());
  }

  @Test
  void listedInHelp() {
    CliTestSupport.Run r = CliTestSupport.run("--help");
    assertTrue(r.out().contains("bench"), r.out());
  }
}
