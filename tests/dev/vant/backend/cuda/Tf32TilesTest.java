package dev.vant.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.backend.Conv2dShape;
import dev.vant.backend.MathMode;
import dev.vant.backend.Noise;
import dev.vant.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import dev.vant.cuda.GpuTests;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The other TF32 forward pipelines, selected by vant.tf32.tile: k32 (noisy_conv2d_forward_tf32k32,
 * noisy_matmul_forward_tf32k32; mma.sync, BK 32, 3 stages) and Hopper's wgmma (kernels/gemm_wgmma.cuh; BK 32, 4 stages:
 * wgmma64 the _tf32wg kernels, 128 x 64 tiles; wgmma128 the _tf32wg128 kernels, 128 x 128; wgmma either by the
 * output's width; noisy forwards their _tf32wgz / _tf32wg128z twins, which draw the noise under the k loop, unless
 * vant.early.noise is off): against the DOUBLE reference with the TF32 bound of
 * {@link GpuTwin#compareTf32} on the TF32 edge shapes (C = 3 gathers, K = 1, edge tiles, split-K, k not a multiple of
 * 32) and random ones; bit for bit against the K16 kernels where both sums are exact; fused noise bit for bit against
 * the clean conv of the same pipeline followed by the noise kernel. Under the CPU emulation the wgmma kernels run the
 * emulated wgmma (kernels/ptx.cuh: each thread's fragment from the descriptors' view of shared memory).
 */
@Tag("gpu")
class Tf32TilesTest {
  /** The wgmma settings need a Hopper GPU (or the emulated one); elsewhere vant refuses them and these cases skip. */
  private static void assumeRuns(GpuTwin t, String tile) {
    if (tile.startsWith("wgmma")) {
      Assumptions.assumeTrue(GpuTests.wgmma(t.gpu.device()), "VANT_TF32_TILE=" + tile + " needs compute capability 9.0 and sm_90a code");
    }
    // Under AddressSanitizer (~3x slower) "wgmma" alone carries the memory check: it runs both tiles (by output
    // width), which the forced wgmma64 / wgmma128 settings only repeat.
    Assumptions.assumeFalse(t.emulated() && "1".equals(System.getenv("VANT_EMU_ASAN")) && !tile.equals("wgmma") && tile.startsWith("wgmma"),
        "the forced wgmma tiles are not repeated under ASan");
  }

  /** Runs r with vant.tf32.tile = tile, restoring the previous setting after. */
  static void withTile(String tile, Runnable r) {
    withProperty("vant.tf32.tile", tile, r);
  }

  /** Runs r with vant.early.noise = value, restoring the previous setting after. */
  static void withEarlyNoise(String value, Runnable r) {
    withProperty("vant.early.noise", value, r);
  }

  private static void withProperty(String key, String value, Runnable r) {
    String old = System.getProperty(key);
    System.setProperty(key, value);
    try {
      r.run();
    } finally {
      if (old == null) System.clearProperty(key);
      else System.setProperty(key, old);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"k32", "wgmma", "wgmma64", "wgmma128", "wgmma256"})
  void forwardsMatchTheReference(String tile) {
    withTile(tile, () -> {
      try (GpuTwin t = GpuTwin.open(131, MathMode.TF32)) {
        assumeRuns(t, tile);
        assertEquals(tile, CudaBackend.tf32Tile());
        for (Conv2dShape g : NoisyConv2dTest.SPLIT_FORWARD) NoisyConv2dTest.assertSplits(t.gpu.gemm(), g);
        if (t.gpu.gemm().wgmma()) {
          for (Conv2dShape g : NoisyConv2dTest.SPLIT_DATA) NoisyConv2dTest.assertSplits(t.gpu.gemm(), g);
        }
        List<Conv2dShape> convs = new ArrayList<>(List.of(
            new Conv2dShape(2, 5, 5, 1, 3, 1, 1, 1, 0), new Conv2dShape(2, 9, 9, 3, 67, 3, 3, 1, 1),
            new Conv2dShape(3, 8, 8, 8, 16, 3, 3, 2, 1), new Conv2dShape(1, 6, 6, 4, 5, 3, 3, 1, 2),
            new Conv2dShape(2, 6, 6, 20, 70, 3, 3, 1, 1),            // k = 180: five k-tiles of 32 and a ragged end
            new Conv2dShape(2, 6, 6, 3, 8, 2, 2, 1, 0)));            // 4-byte gathers of x, 16-byte copies of w
        convs.addAll(List.of(NoisyConv2dTest.SPLIT_FORWARD));
        for (int i = t.count(60, 12, 4); i > 0; i--) convs.add(NoisyConv2dTest.randomShape(t));
        if (t.gpu.gemm().wgmma()) convs.addAll(List.of(NoisyConv2dTest.SPLIT_DATA));
        for (int i = 0; i < convs.size(); i++) {
          Conv2dShape g = convs.get(i);
          Tensor[][] xw = NoisyConv2dTest.forwardCase(t, g, t.anyType(i), i % 3 == 0, i % 2 == 0, tile + " case " + i);
          if (t.gpu.gemm().wgmma()) {  // the wgmma configurations move the data gradient too (transposed weights)
            Tensor[] w = xw[1], dy = t.rand(g.outputShape()), dx = t.out(g.inputShape());
            t.ref.conv2dBackwardData(g, dy[0], w[0], dx[0]);
            t.gpu.conv2dBackwardData(g, dy[1], w[1], dx[1]);
            Tensor abs = t.refZeros(g.inputShape());
            t.ref.conv2dBackwardData(g, t.absRef(dy[0]), t.absRef(w[0]), abs);
            t.compareTf32("tf32 conv2dBackwardData " + tile + " case " + i + " " + g, dx, abs,
                (long) g.r() * g.s() * g.k(), Noise.NONE, g.n());
          }
          t.release();
        }
        int[][] linears = {{1, 1, 1}, {129, 4, 65}, {7, 3, 10}, {130, 68, 66}, {33, 17, 131}, {70, 100, 9},
            {150, 72, 136}, {40, 36, 260}};  // {150, 72, 136}: 16-byte copies in the data gradient too (OUT % 4 == 0), 5
                                              // k-tiles of 32; {40, 36, 260}: a whole 128 x 256 tile and an edge (wgmma256)
        for (int i = 0; i < linears.length; i++) {
          NoisyMatmulTest.Dims d = new NoisyMatmulTest.Dims(linears[i][0], linears[i][1], linears[i][2]);
          Tensor[][] xw = NoisyMatmulTest.forwardCase(t, d, t.anyType(i), i % 2 == 0, true, tile + " case " + i);
          if (t.gpu.gemm().wgmma()) {  // the data gradient moves to wgmma too (transposed weights)
            Tensor[] w = xw[1], dy = t.rand(d.batch(), d.out()), dx = t.out(d.batch(), d.in());
            t.ref.linearBackwardData(dy[0], w[0], dx[0]);
            t.gpu.linearBackwardData(dy[1], w[1], dx[1]);
            Tensor abs = t.refZeros(d.batch(), d.in());
            t.ref.linearBackwardData(t.absRef(dy[0]), t.absRef(w[0]), abs);
            t.compareTf32("tf32 linearBackwardData " + tile + " case " + i + " " + d, dx, abs, d.out(), Noise.NONE, d.batch());
          }
          t.release();
        }
        int weights = 0;
        if (t.gpu.gemm().wgmma()) weights = wgmmaWeightGradients(t, tile, convs);
        System.out.printf("[vant] tf32 %s forwards: %d cases (+ %d weight gradients), worst |gpu - ref| / allowed = %.3f%n",
            tile, convs.size() + linears.length, weights, t.worstTf32);
      }
    });
  }

  /**
   * The wgmma weight gradients (kernels/gemm_wgmma_mn.cuh: the transposed GEMM, M = R*S*C or IN, N = K or OUT,
   * 128 x 64 or 128 x 128 tiles) against the reference: edge tiles in m and n, a ragged reduction (N*P*Q, batch not a multiple of
   * 32), stride 2, 1x1, padding, split-K; plus the conv cases of the forward test (those with C or K not a multiple
   * of 4 run the K16 kernel). Returns the number of cases.
   */
  private static int wgmmaWeightGradients(GpuTwin t, String tile, List<Conv2dShape> more) {
    List<Conv2dShape> convs = new ArrayList<>(List.of(
        new Conv2dShape(2, 7, 7, 12, 68, 3, 3, 1, 1),    // R*S*C = 108 (one partial m tile), K = 68 (n tiles 64 + 4, or 68 of 128)
        new Conv2dShape(2, 5, 5, 8, 132, 3, 3, 1, 1),    // K = 132: n tiles 128 + 4 (wgmma, wgmma128)
        new Conv2dShape(3, 8, 8, 44, 8, 3, 3, 2, 1),     // R*S*C = 396: 4 m tiles, the last of 12 rows; stride 2
        new Conv2dShape(1, 5, 5, 4, 4, 1, 1, 1, 0),      // 1x1: one chunk each way, N*P*Q = 25
        new Conv2dShape(8, 16, 16, 8, 16, 3, 3, 1, 1))); // N*P*Q = 2,048 over one tile: split-K
    Conv2dShape split = convs.get(4);
    long npq = (long) split.n() * split.p() * split.q();
    Gemm gemm = t.gpu.gemm();
    Gemm.Variant v = gemm.weight(true, split.k());
    assertTrue(v.wgmma(), v.suffix());
    assertTrue(Gemm.splits(npq, gemm.weightKChunk(v, split.k(), 72, npq)) > 1, "the split-K case must split");
    convs.addAll(more);
    for (int i = 0; i < convs.size(); i++) {
      NoisyConv2dTest.weightCase(t, convs.get(i), i % 2 == 0, tile + " weight case " + i);
      t.release();
    }
    int[][] linears = {{150, 72, 136}, {300, 132, 20}, {1100, 8, 12}, {5, 4, 4}, {70, 36, 200}};  // {1100, 8, 12}: split-K
    assertTrue(Gemm.splits(1100, gemm.weightKChunk(gemm.weight(true, 12), 12, 8, 1100)) > 1, "the linear split-K case must split");
    for (int i = 0; i < linears.length; i++) {
      NoisyMatmulTest.weightCase(t, new NoisyMatmulTest.Dims(linears[i][0], linears[i][1], linears[i][2]), i % 2 == 1,
          tile + " weight case " + i);
      t.release();
    }
    return convs.size() + linears.length;
  }

  @ParameterizedTest
  @ValueSource(strings = {"k32", "wgmma", "wgmma64", "wgmma128", "wgmma256"})
  void equalsK16WhereTheSumsAreExactAndFusesItsNoise(String tile) {
    try (GpuTwin t = GpuTwin.open(132, MathMode.TF32)) {
      assumeRuns(t, tile);
      // 4-byte and 16-byte copies, stride 1 and 2, split-K in the forward (SPLIT_FORWARD) and the data gradient
      // (SPLIT_DATA[0]: 16-byte copies of dy and of the transposed weights).
      // The last four have K % 4 == 0, so the noisy wgmma forwards draw their noise under the k loop (EarlyNoise):
      // K > 64 (128 x 128 tiles) with 3 and 9 k-tiles and edge column tiles of 4 and 8; K <= 64 (128 x 64 tiles, 3
      // stages) with 2 k-tiles and a whole tile of 64 columns, 4 k-tiles and a tile of 60 (15 groups per row);
      // per-sample levels in the COMBINED cases. The odd cases (ADDITIVE) run the wgmma forwards with
      // VANT_EARLY_NOISE=off: the epilogue draws the same bits.
      Conv2dShape[] shapes = {new Conv2dShape(2, 9, 9, 3, 67, 3, 3, 1, 1), new Conv2dShape(2, 6, 6, 20, 70, 3, 3, 1, 1),
          NoisyConv2dTest.SPLIT_FORWARD[1], NoisyConv2dTest.SPLIT_DATA[0], new Conv2dShape(3, 8, 8, 8, 16, 3, 3, 2, 1),
          new Conv2dShape(2, 6, 6, 8, 132, 3, 3, 1, 1), new Conv2dShape(1, 4, 4, 32, 136, 3, 3, 1, 1),
          new Conv2dShape(2, 5, 5, 4, 64, 3, 3, 1, 1), new Conv2dShape(3, 6, 6, 12, 60, 3, 3, 1, 1)};
      for (int i = 0; i < shapes.length * 2; i++) {
        Conv2dShape g = shapes[i / 2];
        Noise.Type type = i % 2 == 0 ? Noise.Type.COMBINED : Noise.Type.ADDITIVE;
        String early = i % 2 == 0 ? "on" : "off";
        Tensor[] x = t.ints(-3, 3, g.inputShape()), w = t.ints(-3, 3, g.weightShape()), b = t.ints(-5, 5, g.k());
        Noise[] nz = t.noise(type, i % 2 == 0, g.n());
        Tensor k16 = t.gpuOut(g.outputShape()), other = t.gpuOut(g.outputShape());
        Tensor clean = t.gpuOut(g.outputShape()), unfused = t.gpuOut(g.outputShape());
        t.gpu.conv2dForward(g, x[1], w[1], b[1], nz[1], k16);
        withTile(tile, () -> withEarlyNoise(early, () -> {
          t.gpu.conv2dForward(g, x[1], w[1], b[1], nz[1], other);
          t.gpu.conv2dForward(g, x[1], w[1], b[1], Noise.NONE, clean);
        }));
        t.gpu.noiseForward(clean, nz[1], unfused);
        String what = tile + " (early noise " + early + ")";
        t.assertSameBits("conv2dForward " + what + " vs k16 " + g + " " + type, k16, other);
        t.assertSameBits("conv2dForward " + what + " fused vs " + tile + " + noise kernel " + g + " " + type, unfused, other);
        // The data gradient (on wgmma in the wgmma configurations; the K16 kernel again otherwise).
        Tensor[] dy = t.ints(-3, 3, g.outputShape());
        Tensor dx16 = t.gpuOut(g.inputShape()), dxOther = t.gpuOut(g.inputShape());
        t.gpu.conv2dBackwardData(g, dy[1], w[1], dx16);
        withTile(tile, () -> t.gpu.conv2dBackwardData(g, dy[1], w[1], dxOther));
        t.assertSameBits("conv2dBackwardData " + tile + " vs k16 " + g, dx16, dxOther);
        // The weight gradient (on wgmma where C and K are multiples of 4: the last four shapes).
        Tensor dw16 = t.gpuOut(g.weightShape()), dwOther = t.gpuOut(g.weightShape());
        t.gpu.conv2dBackwardWeight(g, x[1], dy[1], dw16, null);
        withTile(tile, () -> t.gpu.conv2dBackwardWeight(g, x[1], dy[1], dwOther, null));
        t.assertSameBits("conv2dBackwardWeight " + tile + " vs k16 " + g, dw16, dwOther);
        t.release();
      }
      // The linear layer too (exact sums: small integers), with a ragged k and edge tiles in both directions; its data
      // gradient with 16-byte copies (OUT % 4 == 0).
      NoisyMatmulTest.Dims d = new NoisyMatmulTest.Dims(130, 68, 132);
      Tensor[] x = t.ints(-3, 3, d.batch(), d.in()), w = t.ints(-3, 3, d.out(), d.in()), b = t.ints(-5, 5, d.out());
      Tensor k16 = t.gpuOut(d.batch(), d.out()), other = t.gpuOut(d.batch(), d.out());
      t.gpu.linearForward(x[1], w[1], b[1], Noise.NONE, k16);
      withTile(tile, () -> t.gpu.linearForward(x[1], w[1], b[1], Noise.NONE, other));
      t.assertSameBits("linearForward " + tile + " vs k16 " + d, k16, other);
      // With noise (per-sample levels): OUT = 132 > 64, the 128 x 128 forward draws it under the k loop (wgmma256: the
      // 128 x 256 forward, in its epilogue).
      Noise[] nz = t.noise(Noise.Type.ADDITIVE, true, d.batch());
      Tensor k16n = t.gpuOut(d.batch(), d.out()), otherN = t.gpuOut(d.batch(), d.out());
      t.gpu.linearForward(x[1], w[1], b[1], nz[1], k16n);
      withTile(tile, () -> t.gpu.linearForward(x[1], w[1], b[1], nz[1], otherN));
      t.assertSameBits("noisy linearForward " + tile + " vs k16 " + d, k16n, otherN);
      // OUT = 64, IN = 20 (one k-tile): the 128 x 64 forward with its 3-stage pipeline draws it under the k loop.
      NoisyMatmulTest.Dims d64 = new NoisyMatmulTest.Dims(130, 20, 64);
      Tensor[] x64 = t.ints(-3, 3, d64.batch(), d64.in()), w64 = t.ints(-3, 3, d64.out(), d64.in());
      Noise[] nz64 = t.noise(Noise.Type.COMBINED, true, d64.batch());
      Tensor k16s = t.gpuOut(d64.batch(), d64.out()), otherS = t.gpuOut(d64.batch(), d64.out());
      t.gpu.linearForward(x64[1], w64[1], null, nz64[1], k16s);
      withTile(tile, () -> t.gpu.linearForward(x64[1], w64[1], null, nz64[1], otherS));
      t.assertSameBits("noisy linearForward " + tile + " vs k16 " + d64, k16s, otherS);
      // IN = 0: an empty k range, y = bias + noise. The noisy wgmma forwards have no k loop to draw in; the epilogue
      // must draw it (OUT 64 and 132: both tiles' EarlyNoise twins).
      for (int out : new int[] {64, 132}) {
        NoisyMatmulTest.Dims d0 = new NoisyMatmulTest.Dims(130, 0, out);
        Tensor[] x0 = t.ints(-3, 3, d0.batch(), 0), w0 = t.ints(-3, 3, out, 0), b0 = t.ints(-5, 5, out);
        Noise[] nz0 = t.noise(Noise.Type.ADDITIVE, true, d0.batch());
        Tensor k16e = t.gpuOut(d0.batch(), out), otherE = t.gpuOut(d0.batch(), out);
        t.gpu.linearForward(x0[1], w0[1], b0[1], nz0[1], k16e);
        withTile(tile, () -> t.gpu.linearForward(x0[1], w0[1], b0[1], nz0[1], otherE));
        t.assertSameBits("noisy linearForward " + tile + " vs k16 " + d0, k16e, otherE);
      }
      Tensor[] dy = t.ints(-3, 3, d.batch(), d.out());
      Tensor dx16 = t.gpuOut(d.batch(), d.in()), dxOther = t.gpuOut(d.batch(), d.in());
      t.gpu.linearBackwardData(dy[1], w[1], dx16);
      withTile(tile, () -> t.gpu.linearBackwardData(dy[1], w[1], dxOther));
      t.assertSameBits("linearBackwardData " + tile + " vs k16 " + d, dx16, dxOther);
      Tensor dw16 = t.gpuOut(d.out(), d.in()), dwOther = t.gpuOut(d.out(), d.in());
      t.gpu.linearBackwardWeight(x[1], dy[1], dw16, null);
      withTile(tile, () -> t.gpu.linearBackwardWeight(x[1], dy[1], dwOther, null));
      t.assertSameBits("linearBackwardWeight " + tile + " vs k16 " + d, dw16, dwOther);
    }
  }

  /**
   * The TF32 k loops round each operand by adding half a TF32 ulp and leave its 13 low mantissa bits set
   * (ptx::tf32_operand): right only if the tensor cores read just sign, exponent and the top 10 mantissa bits, as
   * the CPU emulation models them. On a GPU this checks that: every GEMM pass (conv forward, data and weight
   * gradients; the linear layer's) on random operands must give the same bits as on operands rounded to TF32
   * beforehand (in Java, {@link NoisyMatmulTest#tf32}), whose low bits are zero. Shapes: 16-byte copies rounded in
   * shared memory (C, K, IN, OUT multiples of 4: the wgmma weight gradients too) and 4-byte copies rounded per
   * fragment; R*S*C > 32, so the GEMM forward runs, not the direct FP32 kernel. The same under --math tf32rz, where the
   * kernels round nothing and the tensor cores truncate: random operands against the same truncated beforehand. Under
   * the emulation this checks that every pass and tile skips its rounding in that mode (a kernel that still rounded
   * would give the rounded bits for the raw operands); on a GPU, that the tensor cores truncate. Shapes reach every
   * loop the Java API can: both operands in 16-byte copies, both in 4-byte copies, 4-byte gathers of x beside 16-byte
   * weights (C = 6, R*S*C = 36), 16-byte dy beside 4-byte weights (K16 linear data gradient, IN = 17) and the reverse for
   * the wgmma conv data gradient (K = 6, R*S*K = 36), stride-2 data gradients, the noisy forwards (additive per-sample
   * noise: the K16 staged epilogue, the wgmma EarlyNoise twins) and a linear layer wider than 128 (wgmma256's 128 x 256
   * tile). (The wgmma loops with only A in 16-byte copies need a misaligned base pointer: unreachable from Java.)
   */
  @ParameterizedTest
  @ValueSource(strings = {"k16", "k32", "wgmma", "wgmma64", "wgmma128", "wgmma256"})
  void tensorCoresReadOnlyTheTf32Bits(String tile) {
    for (MathMode mode : new MathMode[] {MathMode.TF32, MathMode.TF32RZ}) tensorCoresReadOnlyTheTf32Bits(tile, mode);
  }

  private static void tensorCoresReadOnlyTheTf32Bits(String tile, MathMode mode) {
    try (GpuTwin t = GpuTwin.open(133, mode)) {
      assumeRuns(t, tile);
      withTile(tile, () -> {
        Conv2dShape[] convs = {
            new Conv2dShape(2, 6, 6, 8, 72, 3, 3, 1, 1),   // 16-byte copies everywhere
            new Conv2dShape(2, 6, 6, 5, 20, 3, 3, 1, 1),   // 4-byte gathers (C = 5)
            new Conv2dShape(2, 6, 6, 6, 20, 2, 3, 2, 1),   // x gathered 4 bytes, weights 16 (R*S*C = 36); stride 2
            new Conv2dShape(2, 6, 6, 8, 6, 2, 3, 1, 1),    // K = 6: 4-byte dy, 16-byte transposed weights (R*S*K = 36)
            new Conv2dShape(2, 7, 7, 8, 12, 3, 3, 2, 1)};  // stride-2 data gradient on 16-byte copies
        for (Conv2dShape g : convs) {
          Tensor[][] xs = raw(t, mode, g.inputShape()), ws = raw(t, mode, g.weightShape()), dys = raw(t, mode, g.outputShape());
          Noise[] nz = t.noise(Noise.Type.ADDITIVE, true, g.n());
          Noise noise = nz[1];
          Tensor[] y = {t.gpuOut(g.outputShape()), t.gpuOut(g.outputShape())};
          Tensor[] yNoisy = {t.gpuOut(g.outputShape()), t.gpuOut(g.outputShape())};
          Tensor[] dx = {t.gpuOut(g.inputShape()), t.gpuOut(g.inputShape())};
          Tensor[] dw = {t.gpuOut(g.weightShape()), t.gpuOut(g.weightShape())};
          for (int v = 0; v < 2; v++) {
            t.gpu.conv2dForward(g, xs[v][1], ws[v][1], null, Noise.NONE, y[v]);
            t.gpu.conv2dForward(g, xs[v][1], ws[v][1], null, noise, yNoisy[v]);
            t.gpu.conv2dBackwardData(g, dys[v][1], ws[v][1], dx[v]);
            t.gpu.conv2dBackwardWeight(g, xs[v][1], dys[v][1], dw[v], null);
          }
          String what = mode.cliName() + " " + tile + " " + g + ": raw vs " + (mode == MathMode.TF32 ? "rounded" : "truncated")
              + " operands";
          t.assertSameBits("conv2dForward " + what, y[1], y[0]);
          t.assertSameBits("conv2dForward with noise " + what, yNoisy[1], yNoisy[0]);
          t.assertSameBits("conv2dBackwardData " + what, dx[1], dx[0]);
          t.assertSameBits("conv2dBackwardWeight " + what, dw[1], dw[0]);
          // And the raw operands' results against the double reference within the mode's bound: the loops reached here
          // (one per rounding choice) are otherwise compared only with each other.
          Tensor x0 = xs[0][0], w0 = ws[0][0], dy0 = dys[0][0], ax = t.absRef(x0), aw = t.absRef(w0), ady = t.absRef(dy0);
          Tensor[] yr = {t.refZeros(g.outputShape()), y[0]}, ynr = {t.refZeros(g.outputShape()), yNoisy[0]};
          Tensor[] dxr = {t.refZeros(g.inputShape()), dx[0]}, dwr = {t.refZeros(g.weightShape()), dw[0]};
          Tensor ay = t.refZeros(g.outputShape()), adx = t.refZeros(g.inputShape()), adw = t.refZeros(g.weightShape());
          t.ref.conv2dForward(g, x0, w0, null, Noise.NONE, yr[0]);
          t.ref.conv2dForward(g, x0, w0, null, nz[0], ynr[0]);
          t.ref.conv2dBackwardData(g, dy0, w0, dxr[0]);
          t.ref.conv2dBackwardWeight(g, x0, dy0, dwr[0], null);
          t.ref.conv2dForward(g, ax, aw, null, Noise.NONE, ay);
          t.ref.conv2dBackwardData(g, ady, aw, adx);
          t.ref.conv2dBackwardWeight(g, ax, ady, adw, null);
          long rsc = (long) g.r() * g.s() * g.c(), rsk = (long) g.r() * g.s() * g.k(), npq = (long) g.n() * g.p() * g.q();
          t.compareTf32("conv2dForward vs reference " + what, yr, ay, rsc, Noise.NONE, g.n());
          t.compareTf32("conv2dForward with noise vs reference " + what, ynr, ay, rsc, nz[0], g.n());
          t.compareTf32("conv2dBackwardData vs reference " + what, dxr, adx, rsk, Noise.NONE, g.n());
          t.compareTf32("conv2dBackwardWeight vs reference " + what, dwr, adw, npq, Noise.NONE, g.k());
          t.release();
        }
        for (int[] d : new int[][] {{70, 36, 68}, {33, 17, 9}, {40, 36, 260}, {9, 17, 12}}) {
          int batch = d[0], in = d[1], out = d[2];
          Tensor[][] xs = raw(t, mode, batch, in), ws = raw(t, mode, out, in), dys = raw(t, mode, batch, out);
          Tensor[] y = {t.gpuOut(batch, out), t.gpuOut(batch, out)}, dx = {t.gpuOut(batch, in), t.gpuOut(batch, in)};
          Tensor[] dw = {t.gpuOut(out, in), t.gpuOut(out, in)};
          Noise[] nz = t.noise(Noise.Type.ADDITIVE, true, batch);
          Noise noise = nz[1];
          Tensor[] yNoisy = {t.gpuOut(batch, out), t.gpuOut(batch, out)};
          for (int v = 0; v < 2; v++) {
            t.gpu.linearForward(xs[v][1], ws[v][1], null, Noise.NONE, y[v]);
            t.gpu.linearForward(xs[v][1], ws[v][1], null, noise, yNoisy[v]);
            t.gpu.linearBackwardData(dys[v][1], ws[v][1], dx[v]);
            t.gpu.linearBackwardWeight(xs[v][1], dys[v][1], dw[v], null);
          }
          String what = mode.cliName() + " " + tile + " " + batch + "x" + in + "x" + out + ": raw vs "
              + (mode == MathMode.TF32 ? "rounded" : "truncated") + " operands";
          t.assertSameBits("linearForward " + what, y[1], y[0]);
          t.assertSameBits("linearForward with noise " + what, yNoisy[1], yNoisy[0]);
          t.assertSameBits("linearBackwardData " + what, dx[1], dx[0]);
          t.assertSameBits("linearBackwardWeight " + what, dw[1], dw[0]);
          Tensor x0 = xs[0][0], w0 = ws[0][0], dy0 = dys[0][0], ax = t.absRef(x0), aw = t.absRef(w0), ady = t.absRef(dy0);
          Tensor[] yr = {t.refZeros(batch, out), y[0]}, ynr = {t.refZeros(batch, out), yNoisy[0]};
          Tensor[] dxr = {t.refZeros(batch, in), dx[0]}, dwr = {t.refZeros(out, in), dw[0]};
          Tensor ay = t.refZeros(batch, out), adx = t.refZeros(batch, in), adw = t.refZeros(out, in);
          t.ref.linearForward(x0, w0, null, Noise.NONE, yr[0]);
          t.ref.linearForward(x0, w0, null, nz[0], ynr[0]);
          t.ref.linearBackwardData(dy0, w0, dxr[0]);
          t.ref.linearBackwardWeight(x0, dy0, dwr[0], null);
          t.ref.linearForward(ax, aw, null, Noise.NONE, ay);
          t.ref.linearBackwardData(ady, aw, adx);
          t.ref.linearBackwardWeight(ax, ady, adw, null);
          t.compareTf32("linearForward vs reference " + what, yr, ay, in, Noise.NONE, batch);
          t.compareTf32("linearForward with noise vs reference " + what, ynr, ay, in, nz[0], batch);
          t.compareTf32("linearBackwardData vs reference " + what, dxr, adx, out, Noise.NONE, batch);
          t.compareTf32("linearBackwardWeight vs reference " + what, dwr, adw, batch, Noise.NONE, out);
          t.release();
        }
      });
    }
  }

  /**
   * {random operand, the same rounded (tf32) or truncated (tf32rz) to TF32 in Java}, each as GpuTwin.of's {reference,
   * GPU} pair.
   */
  private static Tensor[][] raw(GpuTwin t, MathMode mode, int... shape) {
    float[] a = t.uniform(GpuTwin.size(shape), -2, 2), r = new float[a.length];
    for (int i = 0; i < a.length; i++) r[i] = NoisyMatmulTest.operand(mode, a[i]);
    return new Tensor[][] {t.of(a, shape), t.of(r, shape)};
  }

  @Test
  void wgmmaPicksItsTileByTheOutputWidth() {
    assertEquals("_tf32wg", Gemm.TF32_WG.forward(64).suffix());
    assertEquals("_tf32wg128", Gemm.TF32_WG.forward(65).suffix());
    assertEquals(128, Gemm.TF32_WG.forward(512).tileN());
    assertEquals("_tf32wg", Gemm.TF32_WG64.forward(512).suffix());
    assertEquals("_tf32wg128", Gemm.TF32_WG128.forward(8).suffix());
    assertEquals(2L * 4, Gemm.TF32_WG.forwardTiles(256, 512), "128 x 128 tiles");
    assertEquals(2L * 8, Gemm.TF32_WG64.forwardTiles(256, 512), "128 x 64 tiles");
    assertEquals(Gemm.TF32.tiles(256, 512), Gemm.TF32_WG.tiles(256, 512), "tiles(): the K16 tiling of the other kernels");
    // wgmma256: linear forwards wider than 128 outputs on 128 x 256 tiles; everything else as wgmma.
    assertEquals("_tf32wg256", Gemm.TF32_WG256.linearForward(129, true).suffix());
    assertEquals("_tf32wg128z", Gemm.TF32_WG256.linearForward(128, true).suffix());
    assertEquals("_tf32wg", Gemm.TF32_WG256.linearForward(64, false).suffix());
    assertEquals("_tf32wg128", Gemm.TF32_WG256.forward(4096).suffix(), "convolutions keep the 128 x 128 tile");
    assertEquals("_tf32wg128", Gemm.TF32_WG256.data(4096).suffix());
    assertEquals("_tf32wg128z", Gemm.TF32_WG.linearForward(4096, true).suffix(), "no 256 tile in the other configurations");
    assertEquals(32L * 16, Gemm.TF32_WG256.tiles(Gemm.TF32_WG256.linearForward(4096, false), 4096, 4096));
    // The weight gradients: wgmma where both operands come in 16-byte chunks, tiling the transpose (dw [64][576]: 576
    // rows of 128, one column tile of 64); the K16 kernel otherwise and in the other configurations.
    // The tile width follows the forward's rule on dw's rows (K, OUT): 128 x 128 where they are more than 64.
    Gemm.Variant w = Gemm.TF32_WG.weight(true, 64);
    assertEquals("_tf32wg", w.suffix());
    assertEquals(5L, Gemm.TF32_WG.weightTiles(w, 64, 576));
    assertEquals(9L, Gemm.TF32.weightTiles(Gemm.TF32.weight(true, 64), 64, 576));
    Gemm.Variant w128 = Gemm.TF32_WG.weight(true, 256);
    assertEquals("_tf32wg128", w128.suffix());
    assertEquals(9L * 2, Gemm.TF32_WG.weightTiles(w128, 256, 1152));
    assertEquals("_tf32wg", Gemm.TF32_WG64.weight(true, 256).suffix());
    assertEquals("_tf32wg128", Gemm.TF32_WG128.weight(true, 8).suffix());
    assertEquals("_tf32", Gemm.TF32_WG.weight(false, 64).suffix());
    assertEquals("_tf32", Gemm.TF32_WG128.weight(false, 256).suffix());
    assertEquals("_tf32", Gemm.TF32_K32.weight(true, 64).suffix());
    assertEquals("", Gemm.FP32.weight(true, 64).suffix());
    assertEquals(0, Gemm.TF32_WG.weightKChunk(w, 64, 576, 131072) % 32);
    // The conv data gradient follows the wgmma choice (by its input channels), and stays K16 / FP32 elsewhere.
    assertEquals("_tf32wg", Gemm.TF32_WG.data(64).suffix());
    assertEquals("_tf32wg128", Gemm.TF32_WG.data(128).suffix());
    // Noisy forwards that own their k range get the twins with a tile of Gaussians (EarlyNoise: 128 x 128 + 64 KiB,
    // 128 x 64 with 3 stages + 32 KiB); noise-free ones, split-K partials and the data gradients the plain kernels.
    assertEquals(131072, Gemm.TF32_WG.forward(128).sharedBytes());
    assertEquals("_tf32wg128z", Gemm.TF32_WG.forward(128, true).suffix());
    assertEquals(196608, Gemm.TF32_WG.forward(128, true).sharedBytes());
    assertEquals("_tf32wgz", Gemm.TF32_WG.forward(64, true).suffix());
    assertEquals(106496, Gemm.TF32_WG.forward(64, true).sharedBytes());
    assertEquals(64, Gemm.TF32_WG.forward(64, true).tileN());
    assertEquals("_tf32wg", Gemm.TF32_WG.forward(64, false).suffix());
    assertEquals("_tf32wgz", Gemm.TF32_WG64.forward(512, true).suffix());
    assertEquals("_tf32wg128z", Gemm.TF32_WG128.forward(8, true).suffix());
    assertEquals("_tf32", Gemm.TF32.forward(128, true).suffix());
    assertEquals("_tf32k32", Gemm.TF32_K32.forward(128, true).suffix());
    assertEquals(131072, Gemm.TF32_WG.data(128).sharedBytes());
    assertEquals(98304, Gemm.TF32_WG.data(64).sharedBytes());
    assertEquals("_tf32", Gemm.TF32_K32.data(128).suffix());
    assertEquals("_tf32", Gemm.TF32.data(128).suffix());
    assertEquals("", Gemm.FP32.data(128).suffix());
    // wgmma splits are whole 32-deep k-tiles; K16's 16.
    assertEquals(0, Gemm.TF32_WG.kChunk(Gemm.TF32_WG.data(64), 16, 64, 576) % 32);
    assertEquals(0, Gemm.TF32.kChunk(16, 64, 576) % 16);
  }

  @Test
  void unknownTilesAreRefused() {
    withTile("k64", () -> assertThrows(IllegalArgumentException.class, CudaBackend::tf32Tile));
  }

  @Test
  void earlyNoiseSwitchesToThePlainKernels() {
    withEarlyNoise("off", () -> {
      assertEquals("_tf32wg", Gemm.TF32_WG.forward(64, true).suffix());
      assertEquals("_tf32wg128", Gemm.TF32_WG.forward(128, true).suffix());
    });
    withEarlyNoise("sometimes", () -> {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Gemm.TF32_WG.forward(64, true));
      assertTrue(e.getMessage().contains("VANT_EARLY_NOISE"), e.getMessage());
    });
  }
}
