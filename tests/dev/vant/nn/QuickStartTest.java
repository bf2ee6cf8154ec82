package dev.vant.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.backend.cpu.FastBackend;
import dev.vant.backend.cpu.Precision;
import dev.vant.backend.cpu.ReferenceBackend;
import dev.vant.examples.QuickStart;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

/** The README's Java example compiles, runs, and is the code the README quotes. */
class QuickStartTest {
  @Test
  void runsOnBothCpuBackends() {
    QuickStart.Result ref = QuickStart.run(new ReferenceBackend(Precision.FLOAT32));
    assertTrue(Float.isFinite(ref.trainLoss()) && ref.trainLoss() > 0);
    assertEquals(16, ref.total());
    assertEquals(6, ref.noiseSites());
    try (FastBackend fast = new FastBackend(2)) {
      QuickStart.Result f = QuickStart.run(fast);
      assertEquals(ref.trainLoss(), f.trainLoss(), 1e-4 * ref.trainLoss());
    }
  }

  @Test
  void mainPrints() {
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true));
    try {
      QuickStart.main(new String[0]);
    } finally {
      System.setOut(old);
    }
    assertTrue(out.toString().contains("noise sites"), out.toString());
  }

  @Test
  void readmeQuotesTheExample() throws Exception {
    String readme = Files.readString(Paths.get("README.md"));
    String src = Files.readString(Paths.get("java/dev/vant/examples/QuickStart.java"));
    assertTrue(readme.contains("## Using vant from Java"), "README lacks the section");
    // Every line of the example's body between the markers appears in the README.
    String body = src.substring(src.indexOf("    // 1. A model from layers."), src.indexOf("      return new Result"));
    for (String line : body.split("\n")) {
      if (!line.isBlank()) assertTrue(readme.contains(line.strip()), "README lacks example line: " + line.strip());
    }
  }
}
