package dev.vant.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.backend.Backend;
import dev.vant.backend.Backends;
import dev.vant.cli.TrainCommand;
import dev.vant.data.Datasets;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
  private static TrainConfig small(Path out, String noise) {
    TrainConfig c = new TrainConfig();
    c.model = "lenet5";
    c.dataset = "synthetic";
    c.limit = 192;
    c.testLimit = 64;
    c.epochs = 2;
    c.batch = 32;
    c.noise = noise;
    c.sigmaTrain = noise.equals("none") ? 0 : 0.5f;
    c.seed = 7;
    c.threads = 2;
    c.out = out.toString();
    return c.validate();
  }

  private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

  private static List<EpochMetrics> train(TrainConfig cfg, boolean resume, int stopAfter) throws Exception {
    Datasets.Splits d = TrainCommand.loadData(cfg);
    try (Backend b = Backends.cpuFast(cfg.threads); Trainer t = new Trainer(cfg, d, b, QUIET)) {
      return t.fit(Path.of(cfg.out), resume, stopAfter);
    }
  }

  /** Issue 4: a run stopped after epoch 1 and resumed ends bit-identical to the uninterrupted run. */
  @Test
  void resumedRunEqualsUninterruptedRun(@TempDir Path tmp) throws Exception {
    TrainConfig full = small(tmp.resolve("full"), "vant");
    List<EpochMetrics> a = train(full, false, Integer.MAX_VALUE);
    TrainConfig part = small(tmp.resolve("part"), "vant");
    train(part, false, 1);
    assertEquals(1, Files.readAllLines(tmp.resolve("part/metrics.jsonl")).size());
    TrainConfig again = TrainConfig.fromJson(tmp.resolve("part/config.json"));
    List<EpochMetrics> b = train(again, true, Integer.MAX_VALUE);

    assertArrayEquals(Files.readAllBytes(tmp.resolve("full/checkpoint.safetensors")),
        Files.readAllBytes(tmp.resolve("part/checkpoint.safetensors")), "weights, BN statistics, optimizer state");
    assertEquals(2, b.size());
    for (int i = 0; i < 2; i++) {
      assertEquals(a.get(i).loss(), b.get(i).loss(), 0.0, "loss of epoch " + (i + 1));
      assertEquals(a.get(i).testClean(), b.get(i).testClean(), 0.0);
      assertEquals(a.get(i).sigmaMean(), b.get(i).sigmaMean(), 0.0);
    }
  }

  @Test
  void runFolderHoldsConfigMetricsAndCheckpoint(@TempDir Path tmp) throws Exception {
    TrainConfig cfg = small(tmp.resolve("run"), "nt");
    List<EpochMetrics> m = train(cfg, false, Integer.MAX_VALUE);
    assertEquals(2, m.size());
    assertEquals(0.5, m.get(1).sigmaMean(), 1e-6, "NT: one level for every sample");
    assertEquals(0.0, m.get(1).sigmaStd(), 1e-6);
    assertTrue(m.get(1).testAtSigmaTrain() != null);
    TrainConfig back = TrainConfig.fromJson(tmp.resolve("run/config.json"));
    assertEquals(cfg.toJson(), back.toJson(), "config.json holds everything needed to rerun");
    assertEquals(2, Files.readAllLines(tmp.resolve("run/metrics.jsonl")).size());
    try (var files = Files.list(tmp.resolve("run"))) {
      assertTrue(files.noneMatch(p -> p.getFileName().toString().contains(".tmp")), "no half-written files left");
    }
  }

  /** The loss is read every few steps (a sync on a GPU); a NaN/Inf still stops the run, naming the steps. */
  @Test
  void divergingLossStopsTheRunNamingTheSteps(@TempDir Path tmp) {
    TrainConfig cfg = small(tmp.resolve("nan"), "none");
    cfg.lr = 1e30f;
    ArithmeticException e = assertThrows(ArithmeticException.class, () -> train(cfg, false, Integer.MAX_VALUE));
    assertTrue(e.getMessage().contains("between steps") && e.getMessage().contains("epoch 1"), e.getMessage());
  }

  @Test
  void resumeWithoutCheckpointFailsNamingTheFile(@TempDir Path tmp) throws Exception {
    TrainConfig cfg = small(tmp.resolve("empty"), "none");
    Exception e = assertThrows(java.io.IOException.class, () -> train(cfg, true, Integer.MAX_VALUE));
    assertTrue(e.getMessage().contains("checkpoint.safetensors"), e.getMessage());
  }
}
