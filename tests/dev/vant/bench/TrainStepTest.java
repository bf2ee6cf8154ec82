package dev.vant.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.backend.cpu.FastBackend;
import org.junit.jupiter.api.Test;

/** The benchmarks' training step on the CPU: every mode trains (finite loss) and bad arguments are named. */
class TrainStepTest {
  @Test
  void everyModeRunsAndTheLossIsFinite() {
    try (FastBackend b = new FastBackend(2)) {
      for (TrainStep.Mode m : TrainStep.Mode.values()) {
        try (TrainStep ts = new TrainStep(b, "resnet20", 2, 8, m)) {
          ts.run(0);
          ts.run(1);
          float loss = ts.readLoss();
          assertTrue(Float.isFinite(loss) && loss > 0, m + ": loss " + loss);
        }
      }
    }
  }

  /** Was in the GPU-tagged TrainStepGraphTest, where the bundle for GPU hosts carries no OpenBLAS to open the CPU backend. */
  @Test
  void theCpuCannotRecord() {
    try (FastBackend b = new FastBackend(1)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TrainStep(b, "resnet20", 2, 8, TrainStep.Mode.NT, true));
      assertTrue(e.getMessage().contains("cannot record CUDA graphs"), e.getMessage());
    }
  }

  @Test
  void modesParseAndSchedulesMatchTheReport() {
    assertEquals(TrainStep.Mode.VANT, TrainStep.Mode.parse(" VANT "));
    assertEquals("nt", TrainStep.Mode.NT.cliName());
    assertEquals(0.45f, TrainStep.Mode.VANT.schedule().vantBase(), 0f);
    assertEquals(1.0f, TrainStep.Mode.NT.schedule().sigmaTrain(), 0f);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainStep.Mode.parse("loud"));
    assertTrue(e.getMessage().contains("loud"));
  }

  @Test
  void badArgumentsAreNamed() {
    try (FastBackend b = new FastBackend(1)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TrainStep(b, "vgg", 2, 8, TrainStep.Mode.NONE));
      assertTrue(e.getMessage().contains("vgg"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> new TrainStep(b, "resnet20", 0, 8, TrainStep.Mode.NONE));
      try (TrainStep ts = new TrainStep(b, "resnet20", 1, 8, TrainStep.Mode.NONE)) {
        assertThrows(IllegalStateException.class, ts::readLoss);
      }
    }
  }
}
