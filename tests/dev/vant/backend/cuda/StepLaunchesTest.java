package dev.vant.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.backend.MathMode;
import dev.vant.backend.Noise;
import dev.vant.cuda.CudaDevice;
import dev.vant.cuda.GpuTests;
import dev.vant.nn.BatchNorm2d;
import dev.vant.nn.FusionsTest;
import dev.vant.nn.Model;
import dev.vant.nn.NoiseContext;
import dev.vant.nn.NoisyConv2d;
import dev.vant.nn.ResNet;
import dev.vant.nn.Sequential;
import dev.vant.nn.SoftmaxCrossEntropy;
import dev.vant.nn.Synthetic;
import dev.vant.optim.Adam;
import dev.vant.tensor.Tensor;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What one training step of a small noisy ResNet launches, kernel by kernel (CudaDevice.launchCounts): pins the
 * fusions of the residual block and of the column reductions, which no numerical test would miss if undone (they
 * give the same bits unfused). The network: stem conv + BN-ReLU, then an identity block (8 -> 8) and a block with a
 * shortcut conv and BatchNorm (8 -> 16, stride 2): 6 BatchNorms, 3 of them (stem, both bn1) with ReLU + noise.
 * <ul>
 *   <li>only the 3 BatchNorms with ReLU write their output (batchnorm_apply); bn2 of both blocks and the
 *       shortcut's BatchNorm are read by the joins (add_relu_forward), 2 joins;</li>
 *   <li>every column reduction of the backward finishes in its own launch: batchnorm_backward_stats once per
 *       BatchNorm, no *_final or *_partial kernels;</li>
 *   <li>the BatchNorms' statistics: one merge launch each (batchnorm_stats_final); their partials come from the
 *       conv before them (the GEMM epilogues or the split-K reduction, the direct kernel of the stem and the 8-tap
 *       shortcut: every K here is a multiple of 4), so batchnorm_stats_partial never runs;</li>
 *   <li>the blocks' input gradients are summed in conv1's data gradient: no add_values;</li>
 *   <li>the conv biases (stem and blocks) get their gradients from the BatchNorm backward that makes the convs' dy
 *       (batchnorm_backward_apply_sums): bias_grad only for the linear layer.</li>
 * </ul>
 */
@Tag("gpu")
class StepLaunchesTest {
  private static final int BATCH = 8;

  /** The GPU twin of FusionsTest: fusions on and off train to the same bits, both math modes, both block kinds. */
  @Test
  void fusedAndUnfusedBlocksTrainToTheSameBits() {
    try (CudaDevice dev = GpuTests.open()) {
      // TF32RZ runs TF32's kernels and launches (only their tf32Round argument differs): not repeated here.
      for (MathMode math : new MathMode[] {MathMode.FP32, MathMode.TF32}) {
        for (ResNet.Block block : ResNet.Block.values()) FusionsTest.compare(() -> new CudaBackend(dev, math), block, 2);
      }
    }
  }

  @Test
  void aResidualStepLaunchesTheFusedKernels() {
    try (CudaDevice dev = GpuTests.open();
         CudaBackend be = new CudaBackend(dev, MathMode.FP32);
         Model m = ResNet.builder().name("tiny").input(8, 8, 3).classes(4).blocks(1, 1).widths(8, 16).build(be, 5);
         Adam adam = Adam.builder().lr(3e-3f).build(m);
         SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(be)) {
      Synthetic data = new Synthetic(32, 8, 8, 3, 4, 11);
      m.train();
      Map<String, Long> before = null, after = null;
      for (int step = 0; step < 3; step++) {
        if (step == 2) before = dev.launchCounts();  // steps 0 and 1 allocate (fills); step 2 is a steady step
        Tensor[] b = data.batch(be, step, BATCH);
        try (Tensor x = b[0]; Tensor y = b[1]) {
          NoiseContext nc = NoiseContext.builder().type(Noise.Type.ADDITIVE).sigma(0.1f).seed(3).step(step).build();
          loss.forward(m.forward(x, nc), y, step);
          m.backward(loss.gradient());
          adam.step();
        }
      }
      after = dev.launchCounts();
      Map<String, Long> step = new TreeMap<>();
      for (var e : after.entrySet()) {
        long n = e.getValue() - before.getOrDefault(e.getKey(), 0L);
        if (n > 0) step.put(e.getKey(), n);
      }
      long total = step.values().stream().mapToLong(Long::longValue).sum();
      System.out.println("[vant] launches of one training step (tiny ResNet, 2 blocks): " + total + " " + step);
      assertEquals(6L, step.get("batchnorm_stats_final"), "one statistics merge per BatchNorm: " + step);
      // The stem (27 taps) and the 1x1 shortcut (8 taps) run the direct kernel, which makes the statistics too (K % 4 == 0).
      assertEquals(2L, step.get("noisy_conv2d_forward_direct"), step.toString());
      assertEquals(null, step.get("batchnorm_stats_partial"), "every conv makes its BatchNorm's statistics: " + step);
      assertEquals(6L, step.get("batchnorm_backward_stats"), "one backward reduction per BatchNorm: " + step);
      assertEquals(5L, step.get("batchnorm_backward_apply_sums"), "the stem's BatchNorm and bn1, bn2 of both blocks sum their convs' bias gradients: " + step);
      assertEquals(1L, step.get("batchnorm_backward_apply"), "the shortcut's BatchNorm (its conv has no bias): " + step);
      assertEquals(3L, step.get("batchnorm_apply"), "only the BatchNorms with ReLU write their output: " + step);
      assertEquals(2L, step.get("add_relu_forward"), step.toString());
      assertEquals(2L, step.get("add_relu_backward"), step.toString());
      assertEquals(null, step.get("add_values"), "the blocks' gradient sums are in conv1's data gradient: " + step);
      assertEquals(1L, step.get("bias_grad"), "a bias gradient of its own: the linear layer's: " + step);
      // Split-K reductions depend on the GPU's multiprocessor count; every other launch is fixed by the network.
      long fixed = step.entrySet().stream().filter(e -> !e.getKey().startsWith("matmul_splitk_reduce"))
          .mapToLong(Map.Entry::getValue).sum();
      assertEquals(54L, fixed, "launches per step besides split-K reductions: " + step);
      for (String k : step.keySet()) {
        assertTrue(k.startsWith("batchnorm_stats_") || !k.endsWith("_final") && !k.endsWith("_partial"),
            "a column reduction in two launches: " + k + " in " + step);
      }
    }
  }

  /**
   * Partials a conv left in its BatchNorm's handoff while the fusions were on, and that no BatchNorm forward took (a
   * forward that stopped between the two), are not taken after the fusions are turned off: the conv then rewrites
   * the same output tensor without making them, so the identity check alone would pass. Same bits as a model that
   * never ran the lone conv.
   */
  @Test
  void aHandoffLeftWhileTheFusionsWereOnIsNotTakenOnceTheyAreOff() {
    String before = System.getProperty("vant.fusions");
    try (CudaDevice dev = GpuTests.open(); CudaBackend be = new CudaBackend(dev, MathMode.FP32)) {
      assertArrayEquals(convThenBatchNorm(be, false), convThenBatchNorm(be, true), "BatchNorm output after a left handoff");
    } finally {
      if (before == null) System.clearProperty("vant.fusions");
      else System.setProperty("vant.fusions", before);
    }
  }

  /** A conv (4 -> 8, 3x3: the GEMM path) then a BatchNorm: its training output for x2 with the fusions off. */
  private static float[] convThenBatchNorm(CudaBackend be, boolean leaveHandoff) {
    NoisyConv2d conv = NoisyConv2d.builder(4, 8).noisy(false).build();
    BatchNorm2d bn = BatchNorm2d.builder(8).build();
    Random r = new Random(21);
    float[] a = new float[4 * 8 * 8 * 4], b = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) r.nextGaussian() + 3f;  // another mean than x2's
      b[i] = (float) r.nextGaussian();
    }
    try (Model m = Model.builder(Sequential.builder().add("c", conv).add("bn", bn).build()).input(8, 8, 4).build(be, 5);
         Tensor x1 = be.fromHost(a, 4, 8, 8, 4); Tensor x2 = be.fromHost(b, 4, 8, 8, 4)) {
      m.train();
      if (leaveHandoff) {
        System.setProperty("vant.fusions", "on");
        conv.forward(x1, NoiseContext.OFF, bn.statsHandoff());
      }
      System.setProperty("vant.fusions", "off");
      return be.toHost(m.forward(x2, NoiseContext.OFF));
    }
  }
}
