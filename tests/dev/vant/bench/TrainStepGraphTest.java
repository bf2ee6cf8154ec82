package dev.vant.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vant.backend.MathMode;
import dev.vant.backend.cuda.CudaBackend;
import dev.vant.cuda.CudaDevice;
import dev.vant.cuda.GpuTests;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@code vant bench --cuda-graph on}: the benchmark's recorded-and-replayed step computes what the op-by-op step does. */
@Tag("gpu")
class TrainStepGraphTest {
  @Test
  void replayedBenchStepsEqualOpByOpSteps() {
    // The recorded steps' memory accesses are checked under ASan by StepGraphTest and CudaGraphTrainTest; this
    // one (the bench's ResNet-20) would add ~10 s there.
    Assumptions.assumeFalse("1".equals(System.getenv("VANT_EMU_ASAN")), "not repeated under ASan");
    try (CudaDevice dev = GpuTests.open()) {
      TrainStep.Mode m = TrainStep.Mode.VANT; // per-sample levels drawn on the device at every replayed step
      float[] eager = losses(dev, m, false), graph = losses(dev, m, true);
      for (int s = 0; s < eager.length; s++) assertEquals(eager[s], graph[s], 0f, m + " step " + s);
    }
  }

  /**
   * Two recorded steps on one device, the second model made after the first one's step was recorded (the bench's
   * training table sets its modes up this way): replaying either leaves the other's tensors alone, so each computes
   * the losses it computes alone. Before the pool held a graph's blocks for it, the second model's tensors could
   * take blocks the first graph's scratch buffers had been freed to, and each replay overwrote them.
   */
  @Test
  void recordedStepsOfTwoModelsLeaveEachOtherAlone() {
    Assumptions.assumeFalse("1".equals(System.getenv("VANT_EMU_ASAN")), "not repeated under ASan");
    try (CudaDevice dev = GpuTests.open()) {
      float[] none = losses(dev, TrainStep.Mode.NONE, true), vant = losses(dev, TrainStep.Mode.VANT, true);
      try (CudaBackend b = new CudaBackend(dev, MathMode.FP32);
           TrainStep a = new TrainStep(b, "resnet20", 2, 8, TrainStep.Mode.NONE, true)) {
        float[] la = new float[5], lv = new float[5];
        for (int s = 0; s < 3; s++) la[s] = step(a, s); // recorded at step 2
        try (TrainStep v = new TrainStep(b, "resnet20", 2, 8, TrainStep.Mode.VANT, true)) {
          for (int s = 0; s < 3; s++) lv[s] = step(v, s);
          for (int s = 3; s < 5; s++) {
            la[s] = step(a, s);
            lv[s] = step(v, s);
          }
        }
        for (int s = 0; s < 5; s++) {
          assertEquals(none[s], la[s], 0f, "none, step " + s);
          assertEquals(vant[s], lv[s], 0f, "vant, step " + s);
        }
      }
    }
  }

  private static float step(TrainStep t, int s) {
    t.run(s);
    return t.readLoss();
  }

  /** The loss of steps 0..4 (steps 3 and 4 replay the graph recorded at step 2). */
  private static float[] losses(CudaDevice dev, TrainStep.Mode m, boolean graph) {
    try (CudaBackend b = new CudaBackend(dev, MathMode.FP32); TrainStep ts = new TrainStep(b, "resnet20", 2, 8, m, graph)) {
      float[] l = new float[5];
      for (int s = 0; s < l.length; s++) l[s] = step(ts, s);
      return l;
    }
  }
}
