package dev.vant.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.backend.AdamConfig;
import dev.vant.backend.MathMode;
import dev.vant.backend.Noise;
import dev.vant.backend.SgdConfig;
import dev.vant.backend.StepGraph;
import dev.vant.backend.StepScalars;
import dev.vant.cuda.CudaDevice;
import dev.vant.cuda.CudaException;
import dev.vant.cuda.DeviceBuffer;
import dev.vant.cuda.GpuTests;
import dev.vant.tensor.Tensor;
import java.util.List;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Recorded steps (CUDA graphs, {@link CudaBackend#captureStep}): a replay reads step, learning rate and
 * Adam's bias corrections from the device StepState, so replays at later steps equal eager launches at
 * those steps bit for bit; and what a capture cannot contain (a synchronous copy, an allocation, an op at
 * another step) is refused, by the backend naming the op and by the (emulated) driver.
 */
@Tag("gpu")
class StepGraphTest {
  private static final long SEED = 99;
  private static final int SITE = 3, DRAW_SITE = 0x7FFFFFF0;

  /** One "step": VANT levels drawn at {@code step}, relu + per-sample noise at {@code step}, then Adam at (lr, t). */
  private static void body(CudaBackend b, Tensor x, Tensor sigma, Tensor y, List<Tensor> p, List<Tensor> g, List<Tensor> m,
      List<Tensor> v, int step, float lr, int t) {
    b.sampleSigmas(SEED, DRAW_SITE, step, 0.05f, 0.1f, sigma);
    b.reluForward(x, new Noise(Noise.Type.ADDITIVE, 0f, sigma, SEED, SITE, step), y);
    b.copy(y, g.get(0));
    b.adamUpdate(p, g, m, v, new AdamConfig(lr, 0.9f, 0.999f, 1e-8f, 1e-4f), t);
  }

  @Test
  void replaysReadStepLrAndBiasCorrectionFromDeviceMemory() {
    int n = 4, per = 10;
    float[] xs = new float[n * per];
    for (int i = 0; i < xs.length; i++) xs[i] = (i % 7) * 0.25f - 0.5f;
    float[][] eager = new float[3][], replayed = new float[3][], eagerP = new float[3][], replayedP = new float[3][];
    try (CudaDevice dev = GpuTests.open(); CudaBackend b = new CudaBackend(dev, MathMode.FP32)) {
      for (int mode = 0; mode < 2; mode++) {
        Tensor x = b.fromHost(xs, n, per), sigma = b.zeros(n), y = b.zeros(n, per);
        List<Tensor> p = List.of(b.fromHost(xs, n, per)), g = List.of(b.zeros(n, per)), m = List.of(b.zeros(n, per)),
            v = List.of(b.zeros(n, per));
        StepGraph graph = null;
        for (int k = 0; k < 3; k++) {
          int step = 40 + 3 * k, t = k + 1;
          float lr = 1e-2f / (k + 1);
          if (mode == 0) {
            body(b, x, sigma, y, p, g, m, v, step, lr, t);
          } else if (graph == null) {
            graph = b.captureStep(new StepScalars(step, lr, t), () -> body(b, x, sigma, y, p, g, m, v, step, lr, t));
          } else {
            graph.replay(new StepScalars(step, lr, t));
          }
          (mode == 0 ? eager : replayed)[k] = b.toHost(y);
          (mode == 0 ? eagerP : replayedP)[k] = b.toHost(p.get(0));
        }
        if (graph != null) graph.close();
      }
    }
    for (int k = 0; k < 3; k++) {
      assertArrayEquals(eager[k], replayed[k], "noisy output at replay " + k);
      assertArrayEquals(eagerP[k], replayedP[k], "Adam update at replay " + k);
    }
    // The steps differ, so a graph that replayed its captured step would be caught above.
    assertFalse(java.util.Arrays.equals(eager[0], eager[1]), "different steps draw different noise");
  }

  @Test
  void aStepThatSynchronizesOrAllocatesCannotBeRecorded() {
    try (CudaDevice dev = GpuTests.open(); CudaBackend b = new CudaBackend(dev, MathMode.FP32)) {
      Tensor x = b.zeros(8), y = b.zeros(8), mom = b.zeros(8);
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> b.captureStep(new StepScalars(5, 1f, 1), () -> b.toHost(y)));
      assertTrue(e.getMessage().contains("toHost"), e.getMessage());
      e = assertThrows(IllegalStateException.class, () -> b.captureStep(new StepScalars(5, 1f, 1),
          () -> b.reluForward(x, new Noise(Noise.Type.ADDITIVE, 0.1f, null, SEED, SITE, 6), y)));
      assertTrue(e.getMessage().contains("reluForward") && e.getMessage().contains("step 6"), e.getMessage());
      e = assertThrows(IllegalStateException.class, () -> b.captureStep(new StepScalars(5, 1f, 1), () -> b.zeros(12345)));
      assertTrue(e.getMessage().contains("[12345]") && e.getMessage().contains("new allocation"), e.getMessage());
      SgdConfig sgd = new SgdConfig(1f, 0.9f, 0f, 0f, false);
      b.sgdUpdate(List.of(x), List.of(y), List.of(mom), sgd, true); // eagerly first: its parameter table is allocated here
      e = assertThrows(IllegalStateException.class, () -> b.captureStep(new StepScalars(5, 1f, 1),
          () -> b.sgdUpdate(List.of(x), List.of(y), List.of(mom), new SgdConfig(1f, 0.9f, 0f, 0f, false), true)));
      assertTrue(e.getMessage().contains("first step"), e.getMessage());
      // The column reductions' tickets (the BatchNorm backward's sums, bias gradients) are allocated before a capture
      // (4,096: 131,072 columns); more columns inside one would need an allocation.
      Tensor wide = b.zeros(2, 140_000), ga = b.zeros(140_000), be = b.zeros(140_000), m1 = b.zeros(140_000), i1 = b.zeros(140_000);
      Tensor dx = b.zeros(2, 140_000), dg = b.zeros(140_000), db = b.zeros(140_000);
      b.fill(wide, 1f);
      e = assertThrows(IllegalStateException.class, () -> b.captureStep(new StepScalars(5, 1f, 1),
          () -> b.batchNormBackward(wide, wide, ga, be, m1, i1, false, dx, dg, db)));
      assertTrue(e.getMessage().contains("140000 columns") && e.getMessage().contains("reduction tickets"), e.getMessage());
      b.batchNormBackward(wide, wide, ga, be, m1, i1, false, dx, dg, db); // outside a capture the tickets grow
      assertEquals(2f, b.toHost(db)[139_999], "the last column tile's sums (dbeta = 2 rows of dy = 1)");
      // The forward statistics' partials are a workspace the pool must already hold: a first capture of a new size is
      // refused the same way.
      e = assertThrows(IllegalStateException.class, () -> b.captureStep(new StepScalars(5, 1f, 1),
          () -> b.batchNormTrainStatistics(wide, ga, be, 0.1f, 1e-5f, m1, i1)));
      assertTrue(e.getMessage().contains("statistics partials") && e.getMessage().contains("new allocation"), e.getMessage());
      // After refused captures the backend records and replays normally.
      try (StepGraph g = b.captureStep(new StepScalars(5, 1f, 1), () -> b.fill(y, 2f))) {
        g.replay(new StepScalars(6, 1f, 2));
      }
      assertArrayEquals(new float[] {2, 2, 2, 2, 2, 2, 2, 2}, b.toHost(y));
    }
  }

  /**
   * Adam's slot table for a parameter list first seen inside a recording is only written when the graph runs: if the
   * recording fails, the table must not be used later (its block still held another list's addresses).
   */
  @Test
  void aSlotTableOnlyAFailedRecordingWroteIsNotUsed() {
    try (CudaDevice dev = GpuTests.open(); CudaBackend b = new CudaBackend(dev, MathMode.FP32)) {
      AdamConfig cfg = AdamConfig.paper(1e-3f);
      Tensor[] a = adamState(b), o = adamState(b);
      adam(b, a, cfg, 1);
      float a1 = b.toHost(a[0])[0];
      assertThrows(IllegalStateException.class, () -> b.captureStep(new StepScalars(1, 1e-3f, 1), () -> {
        adam(b, o, cfg, 1);
        throw new IllegalStateException("a step that fails while it is recorded");
      }));
      adam(b, o, cfg, 1);
      assertEquals(a1, b.toHost(a[0])[0], "the other list's update left this one alone");
      assertNotEquals(0f, b.toHost(o[0])[0], "and updated its own");
    }
  }

  /**
   * A recording that updates two parameter lists keeps both lists' slot tables, replay after replay. A list first seen
   * inside the recording may not take the block of a table the same recording already uses (each replay would then
   * write the second list's addresses over the first's): with no other free block the recording is refused.
   */
  @Test
  void aRecordingOfTwoParameterListsKeepsBothTables() {
    try (CudaDevice dev = GpuTests.open(); CudaBackend b = new CudaBackend(dev, MathMode.FP32)) {
      AdamConfig cfg = AdamConfig.paper(1e-3f);
      Tensor[] a = adamState(b), o = adamState(b);
      adam(b, a, cfg, 1); // a's table is kept; o's would be first seen inside the recording
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.captureStep(new StepScalars(2, 1e-3f, 2), () -> {
        adam(b, a, cfg, 2);
        adam(b, o, cfg, 2);
      }));
      assertTrue(e.getMessage().contains("slot table") && e.getMessage().contains("new allocation"), e.getMessage());
      adam(b, o, cfg, 1); // eagerly first, as the trainer's first steps do: both tables kept
      try (StepGraph g = b.captureStep(new StepScalars(2, 1e-3f, 2), () -> {
        adam(b, a, cfg, 2);
        adam(b, o, cfg, 2);
      })) {
        for (int replay = 0; replay < 2; replay++) {
          float pa = b.toHost(a[0])[0], po = b.toHost(o[0])[0];
          g.replay(new StepScalars(3 + replay, 1e-3f, 3 + replay));
          assertNotEquals(pa, b.toHost(a[0])[0], "replay " + replay + " updated the first list");
          assertNotEquals(po, b.toHost(o[0])[0], "replay " + replay + " updated the second list");
        }
      }
    }
  }

  /** {parameter, gradient (ones), m, v} of 100 elements. */
  private static Tensor[] adamState(CudaBackend b) {
    Tensor[] t = {b.zeros(100), b.zeros(100), b.zeros(100), b.zeros(100)};
    b.fill(t[1], 1f);
    return t;
  }

  private static void adam(CudaBackend b, Tensor[] t, AdamConfig cfg, int step) {
    b.adamUpdate(List.of(t[0]), List.of(t[1]), List.of(t[2]), List.of(t[3]), cfg, step);
  }

  /** The driver itself (emulated in CI) refuses a synchronous device-to-host copy inside a capture and invalidates it. */
  @Test
  void theDriverRejectsASynchronousCopyDuringCapture() {
    try (CudaDevice dev = GpuTests.open(); DeviceBuffer buf = dev.pool().acquire(64, "capture probe")) {
      dev.beginCapture("probe");
      CudaException copy = assertThrows(CudaException.class, () -> buf.copyTo(new float[16], 16));
      CUdeviceptr p = new CUdeviceptr();
      int alloc = JCudaDriver.cuMemAlloc(p, 256);
      assertNotEquals(CUresult.CUDA_SUCCESS, alloc, "cuMemAlloc during a capture");
      CudaException end = assertThrows(CudaException.class, () -> dev.endCapture("probe", false));
      assertFalse(dev.capturing());
      if (dev.info().emulated()) {
        assertEquals(CUresult.CUDA_ERROR_STREAM_CAPTURE_IMPLICIT, copy.code(), copy.getMessage());
        assertEquals(CUresult.CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, alloc);
        assertEquals(CUresult.CUDA_ERROR_STREAM_CAPTURE_INVALIDATED, end.code(), end.getMessage());
      }
      // Outside the capture the same copy works again.
      buf.copyTo(new float[16], 16);
    }
  }
}
