package dev.vant.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.backend.MathMode;
import dev.vant.backend.Noise;
import dev.vant.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * kernels/noisy_matmul.cu against the FLOAT32 reference on random sizes (not multiples of the 64 x 64
 * tile), every noise type, bias on and off; backward data, weight (incl. split-K) and bias. Tolerance:
 * the GEMM bound of {@link GpuTwin} with K = IN (forward), OUT (backward data), B (backward weight, bias).
 *
 * <p>The TF32 kernels (*_tf32, 128 x 64 tiles): against the DOUBLE reference with the TF32 bound of
 * {@link GpuTwin#compareTf32}; bit for bit against sums of TF32-rounded operands where every sum is exact
 * (pins the rounding mode and every fragment position); and, with the noise on, bit for bit against the
 * FP32 kernels where both GEMMs are exact and against GEMM-then-noise-kernel (the noise is the contract's).
 */
@Tag("gpu")
class NoisyMatmulTest {
  record Dims(int batch, int in, int out) {}

  private static Dims random(GpuTwin t) {
    boolean small = t.small();
    return new Dims(t.between(1, small ? 150 : 300), t.between(1, small ? 150 : 700), t.between(1, small ? 150 : 300));
  }

  @Test
  void forwardMatchesReference() {
    try (GpuTwin t = GpuTwin.open(201)) {
      int cases = t.count(200, 200, 60);  // under ASan 60 random shapes ride along the fixed ones (CI budget)
      for (int i = 0; i < cases; i++) {
        forwardCase(t, random(t), t.anyType(i), i % 3 == 0, i % 2 == 0, "case " + i);
        t.release();
      }
    }
  }

  /**
   * One forward against the reference, with the bound of the twin's math mode; returns {x, w} (reference and GPU
   * twins) for the backward passes that follow it.
   */
  static Tensor[][] forwardCase(GpuTwin t, Dims d, Noise.Type type, boolean perSample, boolean bias, String what) {
    Tensor[] x = t.rand(d.batch, d.in), w = t.rand(d.out, d.in);
    Tensor[] b = bias ? t.rand(d.out) : new Tensor[] {null, null};
    Noise[] nz = t.noise(type, perSample, d.batch);
    Tensor[] y = t.out(d.batch, d.out);
    t.ref.linearForward(x[0], w[0], b[0], nz[0], y[0]);
    t.gpu.linearForward(x[1], w[1], b[1], nz[1], y[1]);
    Tensor abs = t.refZeros(d.batch, d.out);
    t.ref.linearForward(t.absRef(x[0]), t.absRef(w[0]), t.absRef(b[0]), Noise.NONE, abs);
    t.compareMath("linearForward " + what + " " + d + " " + type + (perSample ? " per-sample" : ""), y, abs, d.in, nz[0], d.batch);
    return new Tensor[][] {x, w};
  }

  @Test
  void forwardAcceptsPooledActivations() {
    try (GpuTwin t = GpuTwin.open(205)) {
      // x [N, 1, 1, C] straight from a global average pool, y [N, 1, 1, OUT].
      Tensor[] x = t.rand(3, 1, 1, 10), w = t.rand(4, 10);
      Tensor[] y = t.out(3, 1, 1, 4);
      Noise[] nz = t.noise(Noise.Type.ADDITIVE, false, 3);
      t.ref.linearForward(x[0], w[0], null, nz[0], y[0]);
      t.gpu.linearForward(x[1], w[1], null, nz[1], y[1]);
      Tensor abs = t.refZeros(3, 1, 1, 4);
      t.ref.linearForward(t.absRef(x[0]), t.absRef(w[0]), null, Noise.NONE, abs);
      t.compareGemm("linearForward [N,1,1,C]", y, abs, 10, nz[0], 3);
    }
  }

  @Test
  void emptyBatchGivesZeroGradients() {
    try (GpuTwin t = GpuTwin.open(206)) {
      Tensor[] x = t.of(new float[0], 0, 5), dy = t.of(new float[0], 0, 3), w = t.rand(3, 5);
      Tensor[] y = t.out(0, 3), dx = t.out(0, 5), dw = t.out(3, 5), db = t.out(3);
      t.gpu.linearForward(x[1], w[1], null, Noise.NONE, y[1]);
      t.gpu.linearBackwardData(dy[1], w[1], dx[1]);
      t.ref.linearBackwardWeight(x[0], dy[0], dw[0], db[0]);
      t.gpu.linearBackwardWeight(x[1], dy[1], dw[1], db[1]);
      t.compare("linearBackwardWeight N=0 dw", dw);
      t.compare("linearBackwardWeight N=0 dbias", db);
    }
  }

  @Test
  void backwardDataMatchesReference() {
    try (GpuTwin t = GpuTwin.open(202)) {
      int cases = t.count(200, 200, 60);  // under ASan 60 random shapes ride along the fixed ones (CI budget)
      for (int i = 0; i < cases; i++) {
        Dims d = random(t);
        Tensor[] dy = t.rand(d.batch, d.out), w = t.rand(d.out, d.in);
        Tensor[] dx = t.out(d.batch, d.in);
        t.ref.linearBackwardData(dy[0], w[0], dx[0]);
        t.gpu.linearBackwardData(dy[1], w[1], dx[1]);
        Tensor abs = t.refZeros(d.batch, d.in);
        t.ref.linearBackwardData(t.absRef(dy[0]), t.absRef(w[0]), abs);
        t.compareGemm("linearBackwardData case " + i + " " + d, dx, abs, d.out, Noise.NONE, d.batch);
        t.release();
      }
    }
  }

  @Test
  void backwardWeightMatchesReference() {
    try (GpuTwin t = GpuTwin.open(203)) {
      int cases = t.count(200, 200, 60);  // under ASan 60 random shapes ride along the fixed ones (CI budget)
      for (int i = 0; i < cases; i++) {
        weightCase(t, random(t), i % 2 == 0, "case " + i);
        t.release();
      }
      Dims split = new Dims(1100, 5, 3);
      assertTrue(Gemm.splits(split.batch, Gemm.FP32.kChunk(split.out, split.in, split.batch)) > 1, "must split");
      weightCase(t, split, true, "split-K");
    }
  }

  static void weightCase(GpuTwin t, Dims d, boolean bias, String what) {
    Tensor[] x = t.rand(d.batch, d.in), dy = t.rand(d.batch, d.out);
    Tensor[] dw = t.out(d.out, d.in);
    Tensor[] db = bias ? t.out(d.out) : new Tensor[] {null, null};
    t.ref.linearBackwardWeight(x[0], dy[0], dw[0], db[0]);
    t.gpu.linearBackwardWeight(x[1], dy[1], dw[1], db[1]);
    Tensor absW = t.refZeros(d.out, d.in), absB = t.refZeros(d.out);
    t.ref.linearBackwardWeight(t.absRef(x[0]), t.absRef(dy[0]), absW, absB);
    t.compareMath("linearBackwardWeight dw " + what + " " + d, dw, absW, d.batch, Noise.NONE, d.out);
    if (bias) t.compareGemm("linearBackwardWeight dbias " + what + " " + d, db, absB, d.batch, Noise.NONE, 1);
  }

  // ---- TF32 -----------------------------------------------------------------------------------------------

  @Test
  void tf32MatchesReference() {
    try (GpuTwin t = GpuTwin.open(211, MathMode.TF32)) {
      boolean small = t.small();
      // Fixed edges first: K = 1; IN % 4 == 0 (16-byte cp.async) and != 0 (4-byte gathers) on both sides of
      // one 128 x 64 tile; OUT < 64 with OUT % 4 != 0 (noise groups straddle rows inside one tile); OUT > 64
      // with OUT % 4 != 0 (groups cut by the tile edge); batch 1100 splits the weight gradient's k.
      List<Dims> cases = new ArrayList<>(List.of(new Dims(1, 1, 1), new Dims(129, 4, 65), new Dims(7, 3, 10),
          new Dims(130, 68, 66), new Dims(33, 17, 131), new Dims(1100, 5, 3)));
      Dims split = cases.get(cases.size() - 1);
      assertTrue(Gemm.splits(split.batch, Gemm.TF32.kChunk(split.out, split.in, split.batch)) > 1, "must split");
      int random = t.count(150, 40, 6);
      for (int i = 0; i < random; i++) {
        cases.add(new Dims(t.between(1, small ? 300 : 700), t.between(1, small ? 150 : 700), t.between(1, small ? 150 : 300)));
      }
      for (int i = 0; i < cases.size(); i++) {
        Dims d = cases.get(i);
        String what = "case " + i + " " + d;
        Tensor[][] xw = forwardCase(t, d, t.anyType(i), i % 3 == 0, i % 2 == 0, "case " + i);
        Tensor[] x = xw[0], w = xw[1];

        Tensor[] dy = t.rand(d.batch, d.out), dx = t.out(d.batch, d.in);
        t.ref.linearBackwardData(dy[0], w[0], dx[0]);
        t.gpu.linearBackwardData(dy[1], w[1], dx[1]);
        Tensor absX = t.refZeros(d.batch, d.in);
        t.ref.linearBackwardData(t.absRef(dy[0]), t.absRef(w[0]), absX);
        t.compareTf32("tf32 linearBackwardData " + what, dx, absX, d.out, Noise.NONE, d.batch);

        Tensor[] dw = t.out(d.out, d.in), db = t.out(d.out);
        t.ref.linearBackwardWeight(x[0], dy[0], dw[0], db[0]);
        t.gpu.linearBackwardWeight(x[1], dy[1], dw[1], db[1]);
        Tensor absW = t.refZeros(d.out, d.in), absB = t.refZeros(d.out);
        t.ref.linearBackwardWeight(t.absRef(x[0]), t.absRef(dy[0]), absW, absB);
        t.compareTf32("tf32 linearBackwardWeight dw " + what, dw, absW, d.batch, Noise.NONE, d.out);
        t.compareTf32("tf32 linearBackwardWeight dbias " + what, db, absB, d.batch, Noise.NONE, 1);
        t.release();
      }
      System.out.printf("[vant] tf32 matmul: %d cases, worst |gpu - ref| / allowed = %.3f%n", cases.size(), t.worstTf32);
    }
  }

  /** cvt.rna.tf32 in Java: round to 10 stored mantissa bits, nearest, ties away from zero (finite values). */
  static float tf32(float v) {
    return Float.intBitsToFloat((Float.floatToRawIntBits(v) + 0x1000) & 0xFFFFE000);
  }

  /** What the tensor cores read of an FP32 operand: sign, exponent and the top 10 mantissa bits (truncation). */
  static float tf32Truncated(float v) {
    return Float.intBitsToFloat(Float.floatToRawIntBits(v) & 0xFFFFE000);
  }

  /** The operand as a GEMM of {@code mode} hands it to the tensor cores' products: rounded (tf32) or truncated (tf32rz). */
  static float operand(MathMode mode, float v) {
    return mode == MathMode.TF32RZ ? tf32Truncated(v) : tf32(v);
  }

  /** +-(1 + m 2^-14), m < 2^14: 14 mantissa bits, so TF32 rounding (to 10) changes most of them, ties included. */
  private static float[] fourteenBit(GpuTwin t, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (t.rnd.nextBoolean() ? 1 : -1) * (1 + t.rnd.nextInt(1 << 14) * 0x1p-14f);
    return a;
  }

  /**
   * matmul_transpose_tf32, which writes the transposed, TF32-rounded weights every wgmma data gradient reads: each
   * element once, at its transposed place, rounded as cvt.rna (ties away: {@link #tf32}), nothing outside the
   * [batch][cols][rows] box touched (padded leading dimensions keep their poison). Edge tiles (33 x 65: tiles of 32
   * cut in both directions), one row and one column, and the conv form: one [K][C] -> [C][K] transpose per tap with
   * batch strides (NoisyConv2d's w [K][R*S][C] -> [C][R*S][K]).
   */
  @ParameterizedTest
  @EnumSource(value = MathMode.class, names = {"TF32", "TF32RZ"})
  void transposeTf32RoundsAndTransposesEveryElement(MathMode mode) {
    // Under tf32rz the transpose copies the bits as they are: the tensor cores truncate them like every operand.
    try (GpuTwin t = GpuTwin.open(214, mode)) {
      // {rows, cols, batch, srcBatch, srcLd, dstBatch, dstLd, dst floats}
      long[][] cases = {
          {33, 65, 1, 0, 65, 0, 33, 65 * 33},
          {1, 40, 1, 0, 40, 0, 1, 40},
          {40, 1, 1, 0, 1, 0, 40, 40},
          {33, 65, 1, 0, 70, 0, 36, 65 * 36},                 // padded rows in src and dst: dst's padding untouched
          {68, 20, 9, 20, 9 * 20, 68, 9 * 68, 20 * 9 * 68}};  // conv: K = 68, C = 20, R*S = 9
      for (long[] c : cases) {
        int rows = (int) c[0], cols = (int) c[1], batch = (int) c[2];
        long srcBatch = c[3], srcLd = c[4], dstBatch = c[5], dstLd = c[6];
        int srcSize = (int) ((batch - 1) * srcBatch + (rows - 1) * srcLd + cols);
        float[] src = fourteenBit(t, srcSize);
        for (int i = 0; i < srcSize; i += 7) src[i] *= 0x1p-30f;                 // other exponents
        for (int i = 0; i < srcSize; i += 11) src[i] = (i & 1) == 0 ? 0f : -0f;  // zeros of both signs
        Tensor s = t.gpu.fromHost(src, srcSize), d = t.gpuOut((int) c[7]);
        String what = "matmul_transpose_tf32 " + java.util.Arrays.toString(c);
        NoisyMatmul.transposeTf32(t.gpu, what, t.gpu.buf(s, what), t.gpu.buf(d, what), rows, cols, batch, srcBatch, srcLd,
            dstBatch, dstLd);
        float[] got = t.gpu.toHost(d);
        boolean[] inBox = new boolean[got.length];
        for (int b = 0; b < batch; b++)
          for (int r = 0; r < rows; r++)
            for (int col = 0; col < cols; col++) {
              int at = (int) (b * dstBatch + col * dstLd + r);
              float v = src[(int) (b * srcBatch + r * srcLd + col)], want = mode == MathMode.TF32 ? tf32(v) : v;
              assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got[at]),
                  what + ": dst[" + b + "][" + col + "][" + r + "] = " + got[at] + ", want " + want);
              inBox[at] = true;
            }
        for (int e = 0; e < got.length; e++) {
          if (!inBox[e]) assertEquals(GpuTwin.POISON, Float.floatToRawIntBits(got[e]), what + ": wrote dst[" + e + "] outside the box");
        }
        s.close();
        t.release();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = MathMode.class, names = {"TF32", "TF32RZ"})
  void tf32OperandsAreRoundedOrTruncatedAndSumsExact(MathMode mode) {
    // With K <= 4 operands in [1, 2], every TF32 product is a multiple of 2^-20 below 4 and every partial sum
    // one below 16 = 2^24 * 2^-20: exact in FP32 whatever the order or rounding of the tensor core's adder.
    // So each output must equal sum_k op(a) op(b) exactly, op = rounding to nearest (tf32) or truncation (tf32rz:
    // the kernels skip their rounding and the tensor cores read the top 19 bits; on a GPU this checks that they do);
    // the other of the two, or a value in the wrong fragment register, changes bits (14-bit operands: most of them
    // round and truncate differently). IN = 4 / 68 takes the 16-byte copies, 3 / 67 the gathers.
    try (GpuTwin t = GpuTwin.open(212, mode)) {
      int[][] shapes = {{3, 4, 5}, {130, 3, 67}, {2, 68, 4}, {4, 67, 3}};
      for (int[] sh : shapes) {
        int batch = sh[0], in = sh[1], out = sh[2];
        float[] x = fourteenBit(t, batch * in), w = fourteenBit(t, out * in);
        Tensor[] xs = t.of(x, batch, in), ws = t.of(w, out, in);
        if (in <= 4) {
          Tensor y = t.gpuOut(batch, out);
          t.gpu.linearForward(xs[1], ws[1], null, Noise.NONE, y);
          float[] got = t.written(mode.cliName() + " linearForward " + batch + "x" + in + "x" + out, y);
          for (int m = 0; m < batch; m++)
            for (int n = 0; n < out; n++) {
              double s = 0;
              for (int k = 0; k < in; k++) s += (double) operand(mode, x[m * in + k]) * operand(mode, w[n * in + k]);
              assertEquals((float) s, got[m * out + n], mode.cliName() + " linearForward y[" + m + "][" + n + "] " + batch + "x" + in + "x" + out);
            }
        }
        if (out <= 4) { // dx [B, IN] = dy [B, OUT] w [OUT, IN], K = OUT
          float[] dy = fourteenBit(t, batch * out);
          Tensor dx = t.gpuOut(batch, in);
          t.gpu.linearBackwardData(t.of(dy, batch, out)[1], ws[1], dx);
          float[] got = t.written(mode.cliName() + " linearBackwardData", dx);
          for (int m = 0; m < batch; m++)
            for (int n = 0; n < in; n++) {
              double s = 0;
              for (int k = 0; k < out; k++) s += (double) operand(mode, dy[m * out + k]) * operand(mode, w[k * in + n]);
              assertEquals((float) s, got[m * in + n], mode.cliName() + " linearBackwardData dx[" + m + "][" + n + "] " + batch + "x" + in + "x" + out);
            }
        }
        if (batch <= 4) { // dw [OUT, IN] = dy^T x, K = B
          float[] dy = fourteenBit(t, batch * out);
          Tensor dw = t.gpuOut(out, in);
          t.gpu.linearBackwardWeight(xs[1], t.of(dy, batch, out)[1], dw, null);
          float[] got = t.written(mode.cliName() + " linearBackwardWeight", dw);
          for (int m = 0; m < out; m++)
            for (int n = 0; n < in; n++) {
              double s = 0;
              for (int k = 0; k < batch; k++) s += (double) operand(mode, dy[k * out + m]) * operand(mode, x[k * in + n]);
              assertEquals((float) s, got[m * in + n], mode.cliName() + " linearBackwardWeight dw[" + m + "][" + n + "] " + batch + "x" + in + "x" + out);
            }
        }
        t.release();
      }
    }
  }

  @Test
  void tf32AndFp32GiveTheSameBitsWhereTheMathIsExact() {
    // Small integers: both GEMMs are exact, so the outputs — noise included — must agree bit for bit: the
    // TF32 kernels' staged epilogue draws the same noise for the same element as the FP32 kernels'.
    try (GpuTwin t = GpuTwin.open(213, MathMode.TF32); CudaBackend fp32 = new CudaBackend(t.dev, MathMode.FP32)) {
      Dims[] shapes = {new Dims(7, 9, 10), new Dims(130, 68, 66), new Dims(129, 13, 131), new Dims(3, 1, 1)};
      for (int i = 0; i < shapes.length * 4; i++) {
        Dims d = shapes[i / 4];
        Noise.Type type = Noise.Type.values()[i % 4];
        Tensor[] x = t.ints(-3, 3, d.batch, d.in), w = t.ints(-3, 3, d.out, d.in), b = t.ints(-5, 5, d.out);
        Noise[] nz = t.noise(type, i % 2 == 0, d.batch);
        Tensor y32 = t.gpuOut(d.batch, d.out), yTf = t.gpuOut(d.batch, d.out);
        fp32.linearForward(x[1], w[1], b[1], nz[1], y32);
        t.gpu.linearForward(x[1], w[1], b[1], nz[1], yTf);
        t.assertSameBits("linearForward tf32 vs fp32 " + d + " " + type, y32, yTf);
        t.release();
      }
    }
  }

  @Test
  void fusedNoiseEqualsGemmThenNoiseKernel() {
    // The staged epilogue (one Philox call per group of 4 outputs) against the standalone noise kernel
    // (elementwise.cu noise_forward, whole groups too, but over the flat output): y = noise(x w^T + b) must
    // equal noise applied to (x w^T + b), bit for bit, in both math modes and for every noise type.
    for (MathMode mode : MathMode.values()) {
      try (GpuTwin t = GpuTwin.open(214, mode)) {
        Dims[] shapes = {new Dims(5, 7, 10), new Dims(130, 20, 67), new Dims(2, 3, 1)};
        for (int i = 0; i < shapes.length * 3; i++) {
          Dims d = shapes[i / 3];
          Noise.Type type = Noise.Type.values()[1 + i % 3];
          Tensor[] x = t.rand(d.batch, d.in), w = t.rand(d.out, d.in), b = t.rand(d.out);
          Noise[] nz = t.noise(type, i % 2 == 1, d.batch);
          Tensor fused = t.gpuOut(d.batch, d.out), clean = t.gpuOut(d.batch, d.out), unfused = t.gpuOut(d.batch, d.out);
          t.gpu.linearForward(x[1], w[1], b[1], nz[1], fused);
          t.gpu.linearForward(x[1], w[1], b[1], Noise.NONE, clean);
          t.gpu.noiseForward(clean, nz[1], unfused);
          t.assertSameBits(mode + " linearForward fused vs gemm + noise " + d + " " + type, unfused, fused);
          t.release();
        }
      }
    }
  }
}
