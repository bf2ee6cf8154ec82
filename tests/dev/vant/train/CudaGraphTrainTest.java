package dev.vant.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.backend.MathMode;
import dev.vant.backend.cuda.CudaBackend;
import dev.vant.cuda.CudaDevice;
import dev.vant.cuda.GpuTests;
import dev.vant.data.Datasets;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --cuda-graph on}: training with the step recorded once as a CUDA graph and replayed ends
 * bit-identical to op-by-op training on the CUDA backend — the checkpoint (parameters, BatchNorm
 * statistics, Adam / SGD state, step) byte for byte and every epoch's loss and accuracy. 3 epochs of 3
 * batches (the trainer drops a last partial batch), so replays cross epoch boundaries, the cosine learning
 * rate changes every step, and VANT draws new per-sample levels on the device at every replayed step.
 * NT runs with a 2-epoch ramp and SGD: the level changes after epoch 1, so that step is recorded anew.
 */
@Tag("gpu")
class CudaGraphTrainTest {
  private static TrainConfig config(Path out, String noise, String optimizer, int ramp, String graph) {
    TrainConfig c = new TrainConfig();
    c.model = "resnet20";
    c.resnetBlocks = List.of(1, 1);
    c.resnetWidths = List.of(4, 8);
    c.dataset = "synthetic";
    c.limit = 48;
    c.testLimit = 8;
    c.epochs = 3;
    c.batch = 16;
    c.optimizer = optimizer;
    c.lr = 3e-3f;
    c.noise = noise;
    c.sigmaTrain = 0.2f;
    c.rampEpochs = ramp;
    c.device = "cuda";
    c.math = "fp32";
    c.cudaGraph = graph;
    c.seed = 3;
    c.threads = 1;
    c.out = out.toString();
    return c.validate();
  }

  private record Run(List<EpochMetrics> metrics, byte[] checkpoint, String log) {}

  private static Run train(CudaDevice dev, TrainConfig cfg) throws Exception {
    Datasets.Splits data = Datasets.load("synthetic", null,
        Datasets.Options.defaults().withLimits(cfg.limit, cfg.testLimit).withSynthetic(1, 8, 8, 3));
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    List<EpochMetrics> m;
    try (CudaBackend b = new CudaBackend(dev, MathMode.FP32);
         Trainer t = new Trainer(cfg, data, b, new PrintStream(log, true, StandardCharsets.UTF_8))) {
      m = t.fit(Path.of(cfg.out), false);
    }
    return new Run(m, Files.readAllBytes(Trainer.checkpoint(Path.of(cfg.out))), log.toString(StandardCharsets.UTF_8));
  }

  private static void compare(Path tmp, String noise, String optimizer, int ramp, String expectGraphs) throws Exception {
    try (CudaDevice dev = GpuTests.open()) {
      Run eager = train(dev, config(tmp.resolve("eager"), noise, optimizer, ramp, "off"));
      Run graph = train(dev, config(tmp.resolve("graph"), noise, optimizer, ramp, "on"));
      assertTrue(graph.log.contains(expectGraphs), "graph mode should report '" + expectGraphs + "':\n" + graph.log);
      assertTrue(!eager.log.contains("cuda graphs"), eager.log);
      assertEquals(eager.metrics.size(), graph.metrics.size());
      for (int e = 0; e < eager.metrics.size(); e++) {
        EpochMetrics a = eager.metrics.get(e), b = graph.metrics.get(e);
        assertEquals(a.loss(), b.loss(), 0.0, "epoch " + (e + 1) + " loss");
        assertEquals(a.trainAccuracy(), b.trainAccuracy(), 0.0, "epoch " + (e + 1) + " train accuracy");
        assertEquals(a.testClean(), b.testClean(), 0.0, "epoch " + (e + 1) + " clean accuracy");
      }
      assertArrayEquals(eager.checkpoint, graph.checkpoint, "checkpoints (parameters, BN and optimizer state) differ");
      System.out.printf("[vant] cuda graph %s/%s: %d epochs bit-identical, losses %s%n", noise, optimizer, graph.metrics.size(),
          graph.metrics.stream().map(EpochMetrics::loss).toList());
    }
  }

  @Test
  void vantWithAdamReplaysBitIdentically(@TempDir Path tmp) throws Exception {
    compare(tmp, "vant", "adam", 0, "cuda graphs: 1 recorded, 6 replayed steps");
  }

  @Test
  void rampedNtWithSgdRecordsAgainWhenTheLevelChanges(@TempDir Path tmp) throws Exception {
    compare(tmp, "nt", "sgd", 2, "cuda graphs: 2 recorded, 3 replayed steps");
  }
}
