package dev.vant.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.backend.Backend;
import dev.vant.backend.Backends;
import dev.vant.cli.TrainCommand;
import dev.vant.data.Datasets;
import dev.vant.train.TrainConfig;
import dev.vant.train.Trainer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluatorTest {
  /**
   * A curve counts correct answers on the backend (loss-kernel statistics summed there, read once); traces
   * count them on the host batch by batch. Both must give the same accuracy, exactly, at every level.
   */
  @Test
  void countingOnTheBackendEqualsCountingOnTheHost(@TempDir Path tmp) throws Exception {
    TrainConfig c = new TrainConfig();
    c.model = "lenet5";
    c.dataset = "synthetic";
    c.limit = 256;
    c.testLimit = 200; // not a multiple of the evaluation batch: a partial last batch
    c.epochs = 1;
    c.batch = 32;
    c.noise = "nt";
    c.sigmaTrain = 0.5f;
    c.seed = 3;
    c.threads = 2;
    c.out = tmp.toString();
    c.validate();
    Datasets.Splits d = TrainCommand.loadData(c);
    try (Backend b = Backends.cpuFast(2);
         Trainer t = new Trainer(c, d, b, new PrintStream(new ByteArrayOutputStream()))) {
      t.fit(tmp, false);
      Evaluator ev = t.evaluator();
      double previous = -1;
      for (double sigma : new double[] {0, 0.5, 3}) {
        double device = ev.accuracy(sigma, 0), host = ev.accuracyCountedOnHost(sigma, 0);
        assertEquals(host, device, "sigma " + sigma);
        assertTrue(device > 0 && device < 1, "a count, not a constant: " + device);
        assertNotEquals(previous, device, "the levels give different accuracies");
        previous = device;
      }
    }
  }
}
