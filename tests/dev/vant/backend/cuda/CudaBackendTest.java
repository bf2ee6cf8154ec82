package dev.vant.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.backend.AdamConfig;
import dev.vant.backend.Backend;
import dev.vant.backend.Backends;
import dev.vant.backend.Conv2dShape;
import dev.vant.backend.MathMode;
import dev.vant.backend.Noise;
import dev.vant.backend.PoolShape;
import dev.vant.backend.cpu.Precision;
import dev.vant.backend.cpu.ReferenceBackend;
import dev.vant.cuda.CudaDevice;
import dev.vant.cuda.GpuTests;
import dev.vant.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The CUDA backend's plumbing: bad input, NaN semantics, memory reuse, Backends.select. */
@Tag("gpu")
class CudaBackendTest {
  private static void throwsNaming(Executable e, String... parts) {
    IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
    for (String p : parts) assertTrue(ex.getMessage().contains(p), "message '" + ex.getMessage() + "' should name " + p);
  }

  @Test
  void badInputNamesTheOpAndTheShapes() {
    try (CudaDevice dev = GpuTests.open(); CudaBackend b = new CudaBackend(dev, MathMode.FP32)) {
      Conv2dShape g = new Conv2dShape(2, 5, 5, 3, 4, 3, 3, 1, 1);
      Tensor x = b.zeros(g.inputShape()), w = b.zeros(g.weightShape());
      throwsNaming(() -> b.conv2dForward(g, x, w, null, Noise.NONE, b.zeros(2, 5, 5, 5)), "conv2dForward", "y", "[2, 5, 5, 5]", "[2, 5, 5, 4]");
      throwsNaming(() -> b.conv2dForward(g, x, w, b.zeros(3), Noise.NONE, b.zeros(g.outputShape())), "conv2dForward", "bias");
      throwsNaming(() -> b.linearForward(b.zeros(2, 7), b.zeros(3, 6), null, Noise.NONE, b.zeros(2, 3)), "linearForward", "w");
      throwsNaming(() -> b.batchNormInferenceForward(b.zeros(2, 4), b.zeros(3), b.zeros(4), b.zeros(4), b.zeros(4), 1e-5f, true,
          Noise.NONE, b.zeros(2, 4)), "batchNormInferenceForward", "gamma");
      throwsNaming(() -> b.batchNormTrainForward(b.zeros(1, 4), b.zeros(4), b.zeros(4), b.zeros(4), b.zeros(4), 0.1f, 1e-5f,
          b.zeros(4), b.zeros(4), false, Noise.NONE, b.zeros(1, 4)), "batchNormTrainForward", "1");
      Noise wrongSigma = new Noise(Noise.Type.ADDITIVE, 0f, b.zeros(3), 1, 2, 3);
      throwsNaming(() -> b.reluForward(b.zeros(2, 4), wrongSigma, b.zeros(2, 4)), "reluForward", "sigma", "2 samples");
      ReferenceBackend cpu = new ReferenceBackend(Precision.FLOAT32);
      throwsNaming(() -> b.reluForward(cpu.zeros(2, 4), Noise.NONE, b.zeros(2, 4)), "reluForward", "not on the CUDA backend");
      throwsNaming(() -> b.fromHost(new float[5], 2, 3), "fromHost", "5", "[2, 3]");
      throwsNaming(() -> b.softmaxCrossEntropy(b.zeros(2, 3), b.zeros(3), b.zeros(2, 3), b.zeros(2)), "softmaxCrossEntropy", "labels");
    }
  }

  @Test
  void nanPropagatesAsInTheReference() {
    try (CudaDevice dev = GpuTests.open(); CudaBackend b = new CudaBackend(dev, MathMode.FP32)) {
      float nan = Float.NaN;
      Tensor x = b.fromHost(new float[] {1, nan, -2, 3}, 1, 2, 2, 1), y = b.zeros(1, 2, 2, 1);
      b.reluForward(x, Noise.NONE, y);
      assertTrue(Float.isNaN(b.toHost(y)[1]), "relu(NaN) is NaN, not 0");
      Tensor p = b.zeros(1, 1, 1, 1);
      b.maxPoolForward(new PoolShape(1, 2, 2, 1, 2, 2, 0), x, Noise.NONE, p);
      assertTrue(Float.isNaN(b.toHost(p)[0]), "max-pool over a NaN is NaN");
      Tensor z = b.fromHost(new float[] {0, nan, 1, 2}, 2, 2), st = b.zeros(2);
      b.softmaxCrossEntropy(z, b.fromHost(new float[] {0, 1}, 2), b.zeros(2, 2), st);
      assertTrue(Float.isNaN(b.toHost(st)[0]), "loss over NaN logits is NaN");
    }
  }

  @Test
  void repeatedStepsAllocateOnce() {
    try (CudaDevice dev = GpuTests.open(); CudaBackend b = new CudaBackend(dev, MathMode.FP32)) {
      Conv2dShape g = new Conv2dShape(4, 16, 16, 3, 5, 3, 3, 1, 1); // backward weight takes a split-K workspace
      long reserved = -1;
      for (int step = 0; step < 4; step++) {
        try (Tensor x = b.zeros(g.inputShape()); Tensor w = b.zeros(g.weightShape()); Tensor y = b.zeros(g.outputShape());
             Tensor z = b.zeros(g.outputShape()); Tensor dx = b.zeros(g.inputShape()); Tensor dw = b.zeros(g.weightShape());
             Tensor db = b.zeros(g.k()); Tensor gamma = b.zeros(g.k()); Tensor beta = b.zeros(g.k());
             Tensor rm = b.zeros(g.k()); Tensor rv = b.zeros(g.k()); Tensor mean = b.zeros(g.k()); Tensor inv = b.zeros(g.k());
             Tensor m = b.zeros(g.weightShape()); Tensor v = b.zeros(g.weightShape());
             Tensor dz = b.zeros(g.outputShape()); Tensor dg = b.zeros(g.k()); Tensor dbeta = b.zeros(g.k())) {
          b.fill(x, 0.5f);
          b.fill(gamma, 1f);
          b.conv2dForward(g, x, w, null, Noise.NONE, y);
          b.batchNormTrainForward(y, gamma, beta, rm, rv, 0.1f, 1e-5f, mean, inv, true, Noise.NONE, z);
          b.batchNormBackward(z, y, gamma, beta, mean, inv, true, dz, dg, dbeta);
          b.conv2dBackwardData(g, dz, w, dx);
          b.conv2dBackwardWeight(g, x, dz, dw, db);
          b.adamUpdate(List.of(w, gamma), List.of(dw, dg), List.of(m, rm), List.of(v, rv), AdamConfig.paper(1e-3f), step + 1);
        }
        if (step == 1) reserved = dev.pool().reservedBytes();
        if (step > 1) assertEquals(reserved, dev.pool().reservedBytes(), "step " + step + " allocated new device memory");
      }
    }
  }

  /** Two models taking turns on one backend (the benchmark's noise modes) each keep their Adam slot table. */
  @Test
  void modelsTakingTurnsKeepTheirOptimizerTables() {
    try (CudaDevice dev = GpuTests.open(); CudaBackend b = new CudaBackend(dev, MathMode.FP32)) {
      Tensor[][] model = new Tensor[2][];
      for (int i = 0; i < 2; i++) model[i] = new Tensor[] {b.zeros(100), b.zeros(100), b.zeros(100), b.zeros(100)};
      int before = b.optim.tableBuilds();
      for (int turn = 0; turn < 6; turn++) {
        Tensor[] t = model[turn % 2];
        b.adamUpdate(List.of(t[0]), List.of(t[1]), List.of(t[2]), List.of(t[3]), AdamConfig.paper(1e-3f), turn / 2 + 1);
      }
      assertEquals(before + 2, b.optim.tableBuilds(), "one table per model, written once");
      for (Tensor[] m : model) {
        for (Tensor x : m) x.close();
      }
    }
  }

  @Test
  void selectGivesTheCudaBackend() {
    GpuTests.open().close(); // skips (or fails under REQUIRE_GPU=1) where CUDA is unavailable
    try (Backend b = Backends.select("cuda", 1)) {
      assertEquals("cuda", b.name());
    }
    try (Backend b = Backends.select("auto", 1)) {
      assertEquals("cuda", b.name());
    }
  }
}
