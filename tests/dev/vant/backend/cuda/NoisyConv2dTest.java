package dev.vant.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.backend.Conv2dShape;
import dev.vant.backend.MathMode;
import dev.vant.backend.Noise;
import dev.vant.cuda.GpuTests;
import dev.vant.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kernels/noisy_conv2d.cu (and bias_grad.cu, matmul_splitk_reduce) against the FLOAT32 reference on random
 * shapes: any kernel size, stride, padding, batch and channel counts that are not multiples of the 64 x 64
 * tile (edge tiles in M and in K), every noise type with scalar and per-sample levels, bias on and off.
 * Tolerance: the GEMM bound of {@link GpuTwin} with K = R*S*C (forward), R*S*K (backward data), N*P*Q
 * (backward weight and bias).
 *
 * <p>The TF32 kernels (*_tf32): forward, backward data and weight against the DOUBLE reference with the TF32
 * bound of {@link GpuTwin#compareTf32} on edge shapes (GEMM K = 1, C = 1, 1x1, stride 2, padding, channel
 * counts % 4 == 0 for the 16-byte copies and != 0 for the gathers) and random ones; with the noise on, bit
 * for bit against the FP32 kernels where both are exact, and against conv-then-noise-kernel in both modes.
 * Fixed split-K shapes ({@link #SPLIT_FORWARD}, {@link #SPLIT_DATA}) in both modes.
 */
@Tag("gpu")
class NoisyConv2dTest {
  static Conv2dShape randomShape(GpuTwin t) {
    boolean small = t.small();
    int n = t.between(1, small ? 3 : 6);
    int c = t.between(1, small ? 20 : 80);
    int k = t.between(1, small ? 80 : 150);
    int r = t.between(1, small ? 5 : 7), s = t.between(1, small ? 5 : 7);
    int stride = t.between(1, 3), pad = t.between(0, 2);
    int h = t.between(Math.max(1, r - 2 * pad), small ? 12 : 24);
    int w = t.between(Math.max(1, s - 2 * pad), small ? 12 : 24);
    return new Conv2dShape(n, h, w, c, k, r, s, stride, pad);
  }

  /**
   * One or two output tiles over a long k: the split-K forward (partials, then matmul_splitk_reduce_noisy adds them,
   * the bias and the noise) and backward data (matmul_splitk_reduce), by {@link Gemm#kChunk}'s rule, with stride 2,
   * channel counts % 4 != 0 (the gathers) and == 0 (the 16-byte copies).
   */
  static final Conv2dShape[] SPLIT_FORWARD = {new Conv2dShape(1, 4, 4, 64, 24, 3, 3, 1, 1), new Conv2dShape(2, 5, 5, 61, 7, 3, 3, 2, 1)};
  static final Conv2dShape[] SPLIT_DATA = {new Conv2dShape(1, 4, 4, 24, 64, 3, 3, 1, 1), new Conv2dShape(2, 5, 5, 7, 61, 3, 3, 2, 1)};

  static void assertSplits(Gemm gemm, Conv2dShape g) {
    long rsc = (long) g.r() * g.s() * g.c(), rsk = (long) g.r() * g.s() * g.k();
    boolean fwd = List.of(SPLIT_FORWARD).contains(g);
    long m = fwd ? (long) g.n() * g.p() * g.q() : (long) g.n() * g.h() * g.w();
    long kDim = fwd ? rsc : rsk;
    long chunk = fwd ? gemm.forwardKChunk(m, g.k(), kDim) : gemm.kChunk(gemm.data(g.c()), m, g.c(), kDim);
    assertTrue(Gemm.splits(kDim, chunk) > 1, g + " must take the split-K path");
  }

  @Test
  void forwardMatchesReference() {
    try (GpuTwin t = GpuTwin.open(101)) {
      int cases = t.count(200, 200, 60);  // under ASan 60 random shapes ride along the fixed ones (CI budget)
      for (int i = 0; i < cases; i++) {
        forwardCase(t, randomShape(t), t.anyType(i), i % 3 == 0, i % 2 == 0, "case " + i);
        t.release();
      }
      // A stem-like shape: two M tiles with a ragged end, K = 64 + 3 (edge tile in N).
      forwardCase(t, new Conv2dShape(2, 9, 9, 3, 67, 3, 3, 1, 1), Noise.Type.ADDITIVE, true, true, "stem-like");
      t.release();
      for (int i = 0; i < SPLIT_FORWARD.length * 2; i++) {
        Conv2dShape g = SPLIT_FORWARD[i / 2];
        assertSplits(Gemm.FP32, g);
        forwardCase(t, g, i % 2 == 0 ? Noise.Type.COMBINED : Noise.Type.ADDITIVE, i % 2 == 0, i < 2, "split-K " + i);
        t.release();
      }
    }
  }

  /**
   * The direct forward (R*S*C <= 32: the RGB stem) against the implicit GEMM on small-tap shapes (K % 4 == 0: one
   * pixel per Philox group; else groups that straddle pixels; stride, padding, every noise type, bias on and off):
   * bit for bit against the FP32 GEMM kernel, and, in TF32 mode, the TF32 GEMM (which the direct path now bypasses)
   * still within its bound of the reference.
   */
  @Test
  void directForwardGivesTheFp32GemmBits() {
    assertTrue(NoisyConv2d.direct(new Conv2dShape(128, 32, 32, 3, 64, 3, 3, 1, 1)), "the ResNet stem runs direct");
    assertTrue(!NoisyConv2d.direct(new Conv2dShape(2, 8, 8, 4, 8, 3, 3, 1, 1)), "36 taps run the GEMM");
    for (MathMode mode : MathMode.values()) {
      try (GpuTwin t = GpuTwin.open(114, mode)) {
        int cases = t.count(40, 40);
        for (int i = 0; i < cases; i++) {
          int c = t.between(1, 4), r = t.between(1, 3), s = t.between(1, Math.min(3, 32 / (c * r)));
          int k = i % 3 == 0 ? t.between(1, 13) : 4 * t.between(1, 20), stride = t.between(1, 2), pad = t.between(0, 1);
          Conv2dShape g = new Conv2dShape(t.between(1, 3), t.between(Math.max(1, r - 2 * pad), 11),
              t.between(Math.max(1, s - 2 * pad), 11), c, k, r, s, stride, pad);
          assertTrue(NoisyConv2d.direct(g), g + " must run direct");
          String what = "case " + i + " " + g;
          Tensor[] x = t.rand(g.inputShape()), w = t.rand(g.weightShape());
          Tensor[] b = i % 2 == 0 ? t.rand(g.k()) : new Tensor[] {null, null};
          Noise[] nz = t.noise(t.anyType(i), i % 4 == 0, g.n());
          Tensor[] y = t.out(g.outputShape());
          t.ref.conv2dForward(g, x[0], w[0], b[0], nz[0], y[0]);
          t.gpu.conv2dForward(g, x[1], w[1], b[1], nz[1], y[1]);
          Tensor gemm = t.gpu.zeros(g.outputShape());
          NoisyConv2d.forwardGemm(t.gpu, g, x[1], w[1], b[1], nz[1], gemm, null);
          Tensor abs = t.refZeros(g.outputShape());
          t.ref.conv2dForward(g, t.absRef(x[0]), t.absRef(w[0]), t.absRef(b[0]), Noise.NONE, abs);
          long taps = (long) g.r() * g.s() * g.c();
          t.compareGemm("direct conv2dForward " + what, y, abs, taps, nz[0], g.n());
          if (mode == MathMode.FP32) {
            assertArrayEquals(t.gpu.toHost(gemm), t.gpu.toHost(y[1]), "direct vs FP32 GEMM bits, " + what);
          } else {
            t.compareTf32("tf32 GEMM conv2dForward " + what, new Tensor[] {y[0], gemm}, abs, taps, nz[0], g.n());
          }
          gemm.close();
          t.release();
        }
      }
    }
  }

  /**
   * One forward against the reference, with the bound of the twin's math mode; returns {x, w} (reference and GPU
   * twins) for the backward passes that follow it.
   */
  static Tensor[][] forwardCase(GpuTwin t, Conv2dShape g, Noise.Type type, boolean perSample, boolean bias, String what) {
    Tensor[] x = t.rand(g.inputShape()), w = t.rand(g.weightShape());
    Tensor[] b = bias ? t.rand(g.k()) : new Tensor[] {null, null};
    Noise[] nz = t.noise(type, perSample, g.n());
    Tensor[] y = t.out(g.outputShape());
    t.ref.conv2dForward(g, x[0], w[0], b[0], nz[0], y[0]);
    t.gpu.conv2dForward(g, x[1], w[1], b[1], nz[1], y[1]);
    Tensor abs = t.refZeros(g.outputShape());
    t.ref.conv2dForward(g, t.absRef(x[0]), t.absRef(w[0]), t.absRef(b[0]), Noise.NONE, abs);
    t.compareMath("conv2dForward " + what + " " + g + " " + type + (perSample ? " per-sample" : ""), y, abs,
        (long) g.r() * g.s() * g.c(), nz[0], g.n());
    return new Tensor[][] {x, w};
  }

  @Test
  void backwardDataMatchesReference() {
    try (GpuTwin t = GpuTwin.open(102)) {
      int cases = t.count(200, 200, 60);  // under ASan 60 random shapes ride along the fixed ones (CI budget)
      for (int i = 0; i < cases + SPLIT_DATA.length; i++) {
        Conv2dShape g = i < cases ? randomShape(t) : SPLIT_DATA[i - cases];
        if (i >= cases) assertSplits(Gemm.FP32, g);
        Tensor[] dy = t.rand(g.outputShape()), w = t.rand(g.weightShape());
        Tensor[] dx = t.out(g.inputShape());
        t.ref.conv2dBackwardData(g, dy[0], w[0], dx[0]);
        t.gpu.conv2dBackwardData(g, dy[1], w[1], dx[1]);
        Tensor abs = t.refZeros(g.inputShape());
        t.ref.conv2dBackwardData(g, t.absRef(dy[0]), t.absRef(w[0]), abs);
        t.compareGemm("conv2dBackwardData case " + i + " " + g, dx, abs, (long) g.r() * g.s() * g.k(), Noise.NONE, g.n());
        t.release();
      }
    }
  }

  /**
   * The data gradient with an addend (a residual block's shortcut gradient summed in the same pass: the GEMM's
   * epilogue, or the split-K reduce) gives the bits of the data gradient followed by add: FP32, the K16 and wgmma
   * TF32 pipelines, stride 1 and 2, 4-byte and 16-byte copies, split and unsplit; and refuses dx as the addend.
   */
  @ParameterizedTest
  @ValueSource(strings = {"fp32", "k16", "wgmma"})
  void dataGradientAddsItsAddendInThePass(String pipeline) {
    try (GpuTwin t = GpuTwin.open(107, pipeline.equals("fp32") ? MathMode.FP32 : MathMode.TF32)) {
      if (pipeline.equals("wgmma")) {
        Assumptions.assumeTrue(GpuTests.wgmma(t.gpu.device()), "VANT_TF32_TILE=wgmma needs compute capability 9.0 and sm_90a code");
      }
      Conv2dShape[] shapes = {new Conv2dShape(2, 6, 6, 8, 16, 3, 3, 1, 1), new Conv2dShape(3, 7, 5, 5, 12, 3, 3, 2, 1),
          new Conv2dShape(2, 5, 5, 132, 20, 1, 1, 1, 0), SPLIT_DATA[0], SPLIT_DATA[1]};
      Tf32TilesTest.withTile(pipeline.equals("fp32") ? "k16" : pipeline, () -> {
        for (Conv2dShape g : shapes) {
          Tensor[] dy = t.rand(g.outputShape()), w = t.rand(g.weightShape()), add = t.rand(-3, 3, g.inputShape());
          Tensor plain = t.gpuOut(g.inputShape()), sum = t.gpuOut(g.inputShape()), fused = t.gpuOut(g.inputShape());
          t.gpu.conv2dBackwardData(g, dy[1], w[1], plain);
          t.gpu.add(plain, add[1], sum);
          t.gpu.conv2dBackwardData(g, dy[1], w[1], fused, add[1]);
          t.assertSameBits(pipeline + " conv2dBackwardData + addend " + g, sum, fused);
          IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
              () -> t.gpu.conv2dBackwardData(g, dy[1], w[1], fused, fused));
          assertTrue(e.getMessage().contains("addend is dx"), e.getMessage());
          t.release();
        }
      });
    }
  }

  @Test
  void backwardWeightMatchesReference() {
    try (GpuTwin t = GpuTwin.open(103)) {
      int cases = t.count(200, 200, 60);  // under ASan 60 random shapes ride along the fixed ones (CI budget)
      for (int i = 0; i < cases; i++) {
        weightCase(t, randomShape(t), i % 2 == 0, "case " + i);
        t.release();
      }
      // N*P*Q = 1024 over one output tile: the split-K path (2 splits) and its fixed-order reduction.
      Conv2dShape split = new Conv2dShape(4, 16, 16, 3, 5, 3, 3, 1, 1);
      long npq = (long) split.n() * split.p() * split.q();
      assertTrue(Gemm.splits(npq, Gemm.FP32.kChunk(split.k(), 27, npq)) > 1, "the split-K case must split");
      weightCase(t, split, true, "split-K");
      t.release();
      // N*P*Q = 2304 rows: 36 chunks of 64 for the bias gradient's column sums, more than the 32 lanes of a warp
      // of the final pass (colreduce.cuh finish: each lane adds several chunks before the shuffles).
      Conv2dShape manyChunks = new Conv2dShape(9, 16, 16, 2, 3, 1, 1, 1, 0);
      assertTrue(BiasGrad.chunks(9L * 16 * 16) > 32, "more chunks than lanes");
      weightCase(t, manyChunks, true, "many column-sum chunks");
      t.release();
      manySplits(t);
    }
  }

  /**
   * A stem-like weight gradient (3 input channels, one output tile, N*P*Q = 9,216 rows): 36 splits, more than the
   * 32 the split rule allowed before the third H200 run, summed in order by matmul_splitk_reduce.
   */
  private static void manySplits(GpuTwin t) {
    Conv2dShape g = new Conv2dShape(9, 32, 32, 3, 5, 3, 3, 1, 1);
    long npq = (long) g.n() * g.p() * g.q();
    assertTrue(Gemm.splits(npq, t.gpu.gemm().kChunk(g.k(), 27, npq)) > 32, "more than 32 splits");
    Tensor[] x = t.rand(g.inputShape()), dy = t.rand(g.outputShape()), dw = t.out(g.weightShape()), db = t.out(g.k());
    t.ref.conv2dBackwardWeight(g, x[0], dy[0], dw[0], db[0]);
    t.gpu.conv2dBackwardWeight(g, x[1], dy[1], dw[1], db[1]);
    Tensor absW = t.refZeros(g.weightShape()), absB = t.refZeros(g.k());
    t.ref.conv2dBackwardWeight(g, t.absRef(x[0]), t.absRef(dy[0]), absW, absB);
    t.compareMath("conv2dBackwardWeight dw many splits " + g, dw, absW, npq, Noise.NONE, g.k());
    t.compareGemm("conv2dBackwardWeight dbias many splits " + g, db, absB, npq, Noise.NONE, 1); // column sums: FP32 in both modes
    t.release();
  }

  static void weightCase(GpuTwin t, Conv2dShape g, boolean bias, String what) {
    Tensor[] x = t.rand(g.inputShape()), dy = t.rand(g.outputShape());
    Tensor[] dw = t.out(g.weightShape());
    Tensor[] db = bias ? t.out(g.k()) : new Tensor[] {null, null};
    t.ref.conv2dBackwardWeight(g, x[0], dy[0], dw[0], db[0]);
    t.gpu.conv2dBackwardWeight(g, x[1], dy[1], dw[1], db[1]);
    Tensor absW = t.refZeros(g.weightShape()), absB = t.refZeros(g.k());
    t.ref.conv2dBackwardWeight(g, t.absRef(x[0]), t.absRef(dy[0]), absW, absB);
    long npq = (long) g.n() * g.p() * g.q();
    t.compareMath("conv2dBackwardWeight dw " + what + " " + g, dw, absW, npq, Noise.NONE, g.k());
    if (bias) t.compareGemm("conv2dBackwardWeight dbias " + what + " " + g, db, absB, npq, Noise.NONE, 1);
  }

  @Test
  void deterministicRunToRun() {
    for (MathMode mode : MathMode.values()) {
      try (GpuTwin t = GpuTwin.open(104, mode)) {
        Conv2dShape g = new Conv2dShape(4, 16, 16, 3, 5, 3, 3, 1, 1); // split-K in backward weight
        Tensor[] x = t.rand(g.inputShape()), w = t.rand(g.weightShape()), dy = t.rand(g.outputShape());
        Noise[] nz = t.noise(Noise.Type.COMBINED, true, g.n());
        float[][] first = new float[3][];
        for (int run = 0; run < 2; run++) {
          Tensor[] y = t.out(g.outputShape()), dx = t.out(g.inputShape()), dw = t.out(g.weightShape()), db = t.out(g.k());
          t.gpu.conv2dForward(g, x[1], w[1], null, nz[1], y[1]);
          t.gpu.conv2dBackwardData(g, dy[1], w[1], dx[1]);
          t.gpu.conv2dBackwardWeight(g, x[1], dy[1], dw[1], db[1]);
          float[][] now = {t.gpu.toHost(y[1]), t.gpu.toHost(dx[1]), t.gpu.toHost(dw[1])};
          if (run == 0) first = now;
          else for (int j = 0; j < 3; j++) assertArrayEquals(first[j], now[j], mode + " output " + j + " differs between runs");
        }
      }
    }
  }

  // ---- TF32 -----------------------------------------------------------------------------------------------

  @Test
  void tf32MatchesReference() {
    try (GpuTwin t = GpuTwin.open(111, MathMode.TF32)) {
      List<Conv2dShape> cases = new ArrayList<>(List.of(
          new Conv2dShape(2, 5, 5, 1, 3, 1, 1, 1, 0),      // GEMM K = 1 (1x1, C = 1)
          new Conv2dShape(2, 9, 9, 3, 67, 3, 3, 1, 1),     // the stem: C = 3 gathers, K = 67 > 64 (edge n tile)
          new Conv2dShape(3, 8, 8, 8, 16, 3, 3, 2, 1),     // stride 2, C % 4 == 0 and K % 4 == 0: 16-byte copies
          new Conv2dShape(2, 7, 7, 12, 20, 1, 1, 2, 0),    // 1x1 stride-2 shortcut, vectors
          new Conv2dShape(1, 6, 6, 4, 5, 3, 3, 1, 2),      // padding 2, K % 4 != 0 (dy gathers, straddling groups)
          new Conv2dShape(3, 12, 12, 1, 1, 5, 5, 3, 2)));  // C = 1, K = 1, stride 3
      for (Conv2dShape g : SPLIT_FORWARD) assertSplits(Gemm.TF32, g);
      for (Conv2dShape g : SPLIT_DATA) assertSplits(Gemm.TF32, g);
      cases.addAll(List.of(SPLIT_FORWARD));
      cases.addAll(List.of(SPLIT_DATA));
      int random = t.count(150, 30, 6);
      for (int i = 0; i < random; i++) cases.add(randomShape(t));
      for (int i = 0; i < cases.size(); i++) {
        Conv2dShape g = cases.get(i);
        String what = "case " + i + " " + g;
        Tensor[][] xw = forwardCase(t, g, t.anyType(i), i % 3 == 0, i % 2 == 0, "case " + i);
        Tensor[] x = xw[0], w = xw[1];

        Tensor[] dy = t.rand(g.outputShape()), dx = t.out(g.inputShape());
        t.ref.conv2dBackwardData(g, dy[0], w[0], dx[0]);
        t.gpu.conv2dBackwardData(g, dy[1], w[1], dx[1]);
        Tensor absX = t.refZeros(g.inputShape());
        t.ref.conv2dBackwardData(g, t.absRef(dy[0]), t.absRef(w[0]), absX);
        t.compareTf32("tf32 conv2dBackwardData " + what, dx, absX, (long) g.r() * g.s() * g.k(), Noise.NONE, g.n());

        Tensor[] dw = t.out(g.weightShape()), db = t.out(g.k());
        t.ref.conv2dBackwardWeight(g, x[0], dy[0], dw[0], db[0]);
        t.gpu.conv2dBackwardWeight(g, x[1], dy[1], dw[1], db[1]);
        Tensor absW = t.refZeros(g.weightShape()), absB = t.refZeros(g.k());
        t.ref.conv2dBackwardWeight(g, t.absRef(x[0]), t.absRef(dy[0]), absW, absB);
        long npq = (long) g.n() * g.p() * g.q();
        t.compareTf32("tf32 conv2dBackwardWeight dw " + what, dw, absW, npq, Noise.NONE, g.k());
        t.compareTf32("tf32 conv2dBackwardWeight dbias " + what, db, absB, npq, Noise.NONE, 1);
        t.release();
      }
      // N*P*Q = 1024 over one output tile: the TF32 split-K path and its fixed-order reduction.
      Conv2dShape split = new Conv2dShape(4, 16, 16, 4, 5, 3, 3, 1, 1);
      long npq = (long) split.n() * split.p() * split.q();
      assertTrue(Gemm.splits(npq, Gemm.TF32.kChunk(split.k(), 36, npq)) > 1, "the split-K case must split");
      Tensor[] x = t.rand(split.inputShape()), dy = t.rand(split.outputShape()), dw = t.out(split.weightShape());
      t.ref.conv2dBackwardWeight(split, x[0], dy[0], dw[0], null);
      t.gpu.conv2dBackwardWeight(split, x[1], dy[1], dw[1], null);
      Tensor absW = t.refZeros(split.weightShape());
      t.ref.conv2dBackwardWeight(split, t.absRef(x[0]), t.absRef(dy[0]), absW, null);
      t.compareTf32("tf32 conv2dBackwardWeight split-K " + split, dw, absW, npq, Noise.NONE, split.k());
      manySplits(t);
      System.out.printf("[vant] tf32 conv2d: %d cases, worst |gpu - ref| / allowed = %.3f%n", cases.size() + 1, t.worstTf32);
    }
  }

  @Test
  void tf32AndFp32GiveTheSameBitsWhereTheMathIsExact() {
    // Small integers: both implicit GEMMs are exact, so the noisy outputs must agree bit for bit.
    try (GpuTwin t = GpuTwin.open(112, MathMode.TF32); CudaBackend fp32 = new CudaBackend(t.dev, MathMode.FP32)) {
      Conv2dShape[] shapes = {new Conv2dShape(2, 9, 9, 3, 67, 3, 3, 1, 1), new Conv2dShape(3, 8, 8, 8, 16, 3, 3, 2, 1),
          new Conv2dShape(2, 12, 12, 5, 10, 3, 3, 1, 1)};
      for (int i = 0; i < shapes.length * 4; i++) {
        Conv2dShape g = shapes[i / 4];
        Noise.Type type = Noise.Type.values()[i % 4];
        Tensor[] x = t.ints(-3, 3, g.inputShape()), w = t.ints(-3, 3, g.weightShape()), b = t.ints(-5, 5, g.k());
        Noise[] nz = t.noise(type, i % 2 == 0, g.n());
        Tensor y32 = t.gpuOut(g.outputShape()), yTf = t.gpuOut(g.outputShape());
        fp32.conv2dForward(g, x[1], w[1], b[1], nz[1], y32);
        t.gpu.conv2dForward(g, x[1], w[1], b[1], nz[1], yTf);
        t.assertSameBits("conv2dForward tf32 vs fp32 " + g + " " + type, y32, yTf);
        t.release();
      }
    }
  }

  @Test
  void fusedNoiseEqualsConvThenNoiseKernel() {
    for (MathMode mode : MathMode.values()) {
      try (GpuTwin t = GpuTwin.open(113, mode)) {
        Conv2dShape[] shapes = {new Conv2dShape(2, 9, 9, 3, 67, 3, 3, 1, 1), new Conv2dShape(3, 6, 6, 4, 5, 3, 3, 2, 1),
            SPLIT_FORWARD[0], SPLIT_FORWARD[1]};
        for (int i = 0; i < shapes.length * 3; i++) {
          Conv2dShape g = shapes[i / 3];
          Noise.Type type = Noise.Type.values()[1 + i % 3];
          Tensor[] x = t.rand(g.inputShape()), w = t.rand(g.weightShape()), b = t.rand(g.k());
          Noise[] nz = t.noise(type, i % 2 == 0, g.n());
          Tensor fused = t.gpuOut(g.outputShape()), clean = t.gpuOut(g.outputShape()), unfused = t.gpuOut(g.outputShape());
          t.gpu.conv2dForward(g, x[1], w[1], b[1], nz[1], fused);
          t.gpu.conv2dForward(g, x[1], w[1], b[1], Noise.NONE, clean);
          t.gpu.noiseForward(clean, nz[1], unfused);
          t.assertSameBits(mode + " conv2dForward fused vs conv + noise " + g + " " + type, unfused, fused);
          t.release();
        }
      }
    }
  }
}
