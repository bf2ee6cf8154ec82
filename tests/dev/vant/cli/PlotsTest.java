package dev.vant.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.eval.RobustnessCurve;
import dev.vant.eval.RobustnessPlots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** eval and demo warn and go on when the runtime cannot draw; other plot failures still fail the command. */
class PlotsTest {
  @TempDir Path dir;

  @Test
  void aPlotTheRuntimeCannotDrawIsAWarning() throws IOException {
    PrintStream err = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      // A real RobustnessPlots call whose drawing fails the way a runtime without libharfbuzz does.
      boolean drawn = Plots.orWarn(() -> {
        throw new RobustnessPlots.UnavailableException(dir.resolve("robustness.png"), new UnsatisfiedLinkError("libharfbuzz.so.0"));
      });
      assertFalse(drawn);
    } finally {
      System.setErr(err);
    }
    String w = buf.toString(StandardCharsets.UTF_8);
    assertTrue(w.startsWith("vant: warning: " + dir.resolve("robustness.png") + " not drawn") && w.contains("libharfbuzz"), w);

    RobustnessCurve c = RobustnessCurve.of("x", new double[] {0, 1}, new double[][] {{0.9}, {0.5}});
    Path png = dir.resolve("ok.png");
    assertTrue(Plots.orWarn(() -> RobustnessPlots.compare(List.of(c), png, null)));
    assertTrue(Files.size(png) > 0);
    assertThrows(IOException.class, () -> Plots.orWarn(() -> { throw new IOException("disk full"); }));
  }
}
