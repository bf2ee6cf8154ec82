package dev.vant.backend.cuda;

import dev.vant.nn.Synthetic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.backend.Backend;
import dev.vant.backend.MathMode;
import dev.vant.backend.Noise;
import dev.vant.backend.cpu.Precision;
import dev.vant.backend.cpu.ReferenceBackend;
import dev.vant.cuda.CudaDevice;
import dev.vant.cuda.GpuTests;
import dev.vant.nn.Model;
import dev.vant.nn.NoiseContext;
import dev.vant.nn.ResNet;
import dev.vant.nn.SoftmaxCrossEntropy;
import dev.vant.optim.Adam;
import dev.vant.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * End to end: 20 training steps of a small noisy ResNet (the nn layers: stem conv -> noise -> BN + ReLU +
 * noise -> max-pool + noise -> two stages of basic blocks with residual add + ReLU + noise -> global average
 * pool + noise -> linear + noise -> softmax cross-entropy -> backward -> Adam) from the same seed on the GPU
 * and on the FLOAT32 reference, once with Noisy Training (one sigma) and once with VANT levels drawn on
 * each backend per step (Backend.sampleSigmas).
 *
 * <p>Tolerance: |loss_gpu - loss_ref| <= 1e-4 (|loss_ref| + 0.01) at every step. Why: every op agrees
 * to float rounding (the GPU sums GEMMs in float in tile order, the reference in double), and training
 * feeds the differences back (Adam divides by sqrt(v), so near-zero gradients can turn rounding into
 * steps of size ~lr). Measured under emulation, where the kernels run with their GPU summation order:
 * worst 1.3e-7 relative over 20 steps (NT) and 8e-8 (VANT), when the emulation still drew the reference's
 * Gaussians (it runs the GPU's own since 2026-12-05, whose last bits differ). A real GPU adds only last-bit
 * differences of expf/logf; 1e-4 leaves a margin of ~1000x for those, while any real kernel bug (a
 * wrong gradient, a lost tile, mismatched noise) moves O(1) losses by far more from the first steps. The
 * reference loss must also fall by a quarter over the run, so the comparison is not of two stuck runs.
 *
 * <p>TF32 (NT only, to keep the emulated run short): the same 20 steps with the GEMMs on the tensor-core
 * kernels, against the same FLOAT32 reference, at {@code |loss_gpu - loss_ref| <= 1e-2 (|loss_ref| + 0.01)}.
 * Why 1e-2: every GEMM operand is rounded to TF32 (relative 2^-11 ~ 5e-4, so up to ~1e-3 per product and
 * per GEMM output in the worst case, ~1e-4 typically) — a hundred times the FP32 path's rounding — and the
 * loss of step 0 already carries that error through ~10 GEMMs; training then feeds it back as above. 1e-2
 * is ten times the per-GEMM worst case; a real kernel bug (a wrong fragment, a lost k-tile, mismatched
 * noise) changes the O(1) loss by far more within the first steps. The same bound for --math tf32rz (VANT), whose
 * tensor cores truncate the operands instead (2^-10: twice the operand error, and biased toward zero).
 */
@Tag("gpu")
class CudaTrainStepTest {
  private static final int STEPS = 20;
  private static final int BATCH = 16;
  private static final double TOL = 1e-4;
  private static final double TOL_TF32 = 1e-2;

  @Test
  void noisyTrainingLossCurvesAgree() {
    compare(false, MathMode.FP32, TOL);
  }

  @Test
  void vantLossCurvesAgree() {
    compare(true, MathMode.FP32, TOL);
  }

  @Test
  void noisyTrainingLossCurvesAgreeInTf32() {
    // Under AddressSanitizer the emulated mma.sync is ~4x slower and this would add ~9 s to CI; the *_tf32
    // kernels' memory accesses are checked there by NoisyConv2dTest / NoisyMatmulTest (edge shapes included).
    Assumptions.assumeFalse("1".equals(System.getenv("VANT_EMU_ASAN")), "TF32 training steps are not repeated under ASan");
    compare(false, MathMode.TF32, TOL_TF32);
  }

  @Test
  void vantTrainingLossCurvesAgreeInTf32rz() {
    // --math tf32rz: no operand rounded by the kernels, the tensor cores truncate (twice TF32's operand error, biased
    // toward zero); the same 1e-2 bound on the loss curve against the FP32 reference.
    Assumptions.assumeFalse("1".equals(System.getenv("VANT_EMU_ASAN")), "TF32 training steps are not repeated under ASan");
    compare(true, MathMode.TF32RZ, TOL_TF32);
  }

  @Test
  void vantTrainingLossCurvesAgreeOnWgmma() {
    // The same with the forwards and both gradients on Hopper's wgmma kernels (VANT_TF32_TILE=wgmma; the emulated
    // device is compute capability 9.0; the stem's weight gradient, C = 3, stays K16), VANT's per-sample noise levels
    // through their fused epilogue.
    Assumptions.assumeFalse("1".equals(System.getenv("VANT_EMU_ASAN")), "TF32 training steps are not repeated under ASan");
    try (CudaDevice dev = GpuTests.open()) {
      Assumptions.assumeTrue(GpuTests.wgmma(dev), "VANT_TF32_TILE=wgmma needs compute capability 9.0 and sm_90a code");
    }
    Tf32TilesTest.withTile("wgmma", () -> compare(true, MathMode.TF32, TOL_TF32));
  }

  private static void compare(boolean vant, MathMode math, double tol) {
    try (CudaDevice dev = GpuTests.open()) {
      long t0 = System.nanoTime();
      List<Float> g;
      try (CudaBackend gpu = new CudaBackend(dev, math)) {
        g = train(gpu, vant);
      }
      assertEquals(0, dev.pool().inUseBytes(), "every device buffer of the run went back to the pool");
      long t1 = System.nanoTime();
      List<Float> r = train(new ReferenceBackend(Precision.FLOAT32), vant);
      long t2 = System.nanoTime();
      String name = (vant ? "VANT" : "NT") + " " + math.cliName();
      System.out.printf("[vant] train-step %s: gpu%s %.1f s, reference %.1f s%n  gpu %s%n  ref %s%n", name,
          dev.info().emulated() ? " (emulated)" : "", (t1 - t0) / 1e9, (t2 - t1) / 1e9, g, r);
      assertEquals(STEPS, g.size());
      double worst = 0;
      for (int s = 0; s < STEPS; s++) {
        double diff = Math.abs(g.get(s) - r.get(s));
        worst = Math.max(worst, diff / (Math.abs(r.get(s)) + 0.01));
        assertTrue(diff <= tol * (Math.abs(r.get(s)) + 0.01), "step " + s + ": gpu loss " + g.get(s) + ", reference " + r.get(s)
            + "\n gpu " + g + "\n ref " + r);
      }
      System.out.printf("[vant] train-step %s: worst relative loss difference %.2e (tolerance %.0e)%n", name, worst, tol);
      double first = (r.get(0) + r.get(1) + r.get(2)) / 3, last = (r.get(17) + r.get(18) + r.get(19)) / 3;
      assertTrue(last < 0.75 * first, "the reference loss should fall: " + r);
    }
  }

  /** 20 steps of batch 16 on {@code be}; the losses (read back every step for the comparison). */
  private static List<Float> train(Backend be, boolean vant) {
    Synthetic data = new Synthetic(64, 8, 8, 3, 4, 11);
    List<Float> losses = new ArrayList<>();
    try (Model m = ResNet.builder().name("tiny").input(8, 8, 3).classes(4).blocks(1, 1).widths(8, 16).build(be, 5);
         Adam adam = Adam.builder().lr(3e-3f).weightDecay(1e-4f).build(m);
         SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(be);
         Tensor sigma = be.zeros(BATCH)) {
      m.train();
      CudaBackend.HostTraffic before = be instanceof CudaBackend c ? c.hostTraffic() : null;
      for (int step = 0; step < STEPS; step++) {
        NoiseContext.Builder nc = NoiseContext.builder().type(Noise.Type.ADDITIVE).sigma(0.1f).seed(77).step(step);
        if (vant) {
          // VANT: sigma_i = 0.45 * 0.1 + 0.05 |z_i|, drawn on the backend from the reserved site.
          be.sampleSigmas(77, 0x7FFFFFF0, step, 0.045f, 0.05f, sigma);
          nc.sigmaPerSample(sigma);
        }
        Tensor[] b = data.batch(be, step, BATCH);
        try (Tensor x = b[0]; Tensor y = b[1]) {
          Tensor logits = m.forward(x, nc.build());
          losses.add(loss.forward(logits, y, step).loss());
          m.backward(loss.gradient());
          adam.step();
        }
      }
      if (before != null) {
        // The whole step stays on the device: per step, the batch goes up (images, labels) and the two
        // statistics come down (the loss this test reads); no activation or gradient crosses.
        CudaBackend.HostTraffic after = ((CudaBackend) be).hostTraffic();
        assertEquals(2L * STEPS, after.fromHostCalls() - before.fromHostCalls(), "uploads per step");
        assertEquals(STEPS, after.toHostCalls() - before.toHostCalls(), "downloads per step");
        assertEquals(8L * STEPS, after.toHostBytes() - before.toHostBytes(), "bytes downloaded per step");
        assertEquals(1, ((CudaBackend) be).optim.tableBuilds(), "Adam's parameter table is written once and reused");
      }
    }
    return losses;
  }
}
