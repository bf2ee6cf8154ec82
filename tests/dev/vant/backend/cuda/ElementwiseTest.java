package dev.vant.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.vant.backend.JoinInput;
import dev.vant.backend.Noise;
import dev.vant.random.DeviceGauss;
import dev.vant.random.NoiseStream;
import dev.vant.tensor.Tensor;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * kernels/elementwise.cu and kernels/sigma.cu against the FLOAT32 reference: ReLU + noise, residual add +
 * ReLU + noise, their backward passes, the standalone noise point (in place too) and its backward, every
 * noise type with scalar and per-sample levels, on random shapes whose sizes and per-sample counts are
 * not multiples of 4 (Philox groups straddle samples and the tensor's end); fill, copy; VANT levels.
 * Tolerance: {@link GpuTwin#REL}. The GPU's Gaussians (kernels/box_muller.cuh; the emulation runs the same
 * arithmetic) may differ from the FLOAT32 reference's in the last bits, an error in the scale of the noise term.
 */
@Tag("gpu")
class ElementwiseTest {
  private static int[] randomShape(GpuTwin t) {
    boolean small = t.small();
    return new int[] {t.between(1, small ? 6 : 16), t.between(1, small ? 9 : 24), t.between(1, small ? 9 : 24), t.between(1, small ? 19 : 48)};
  }

  @Test
  void reluAndAddReluForwardAndBackward() {
    try (GpuTwin t = GpuTwin.open(401)) {
      int cases = t.count(200, 200);
      for (int i = 0; i < cases; i++) {
        int[] shape = randomShape(t);
        int size = GpuTwin.size(shape);
        Noise.Type type = t.anyType(i);
        Noise[] nz = t.noise(type, i % 3 == 0, shape[0]);
        double[] ns = t.noiseScale(nz[0], size, shape[0]);
        String what = "case " + i + " " + Arrays.toString(shape) + " " + type;
        Tensor[] x = t.rand(shape), b = t.rand(shape), dy = t.rand(shape);
        Tensor[] y = t.out(shape);
        t.ref.reluForward(x[0], nz[0], y[0]);
        t.gpu.reluForward(x[1], nz[1], y[1]);
        t.compare("reluForward " + what, y, ns);
        Tensor[] dx = t.out(shape);
        t.ref.reluBackward(dy[0], x[0], dx[0]);
        t.gpu.reluBackward(dy[1], x[1], dx[1]);
        t.compare("reluBackward " + what, dx);
        Tensor[] s = t.out(shape);
        t.ref.addReluForward(x[0], b[0], nz[0], s[0]);
        t.gpu.addReluForward(x[1], b[1], nz[1], s[1]);
        t.compare("addReluForward " + what, s, ns);
        Tensor[] da = t.out(shape);
        t.ref.addReluBackward(dy[0], x[0], b[0], da[0]);
        t.gpu.addReluBackward(dy[1], x[1], b[1], da[1]);
        t.compare("addReluBackward " + what, da);
        t.release();
      }
    }
  }

  /**
   * The residual join reading its inputs through their BatchNorms (JoinInput): the same bits as the BatchNorm
   * written out by batchnorm_apply / batchnorm_inference and then the plain join, forward and backward, the
   * normalized input first or second, the other plain (identity shortcut) or normalized (shortcut BatchNorm);
   * the statistics-only training forward gives the full forward's statistics bit for bit; and the fused join
   * against the FLOAT32 reference's fused join. C not a multiple of 4 (a Philox group spans channels and rows).
   */
  @Test
  void joinReadsItsInputsThroughTheirBatchNorms() {
    try (GpuTwin t = GpuTwin.open(404)) {
      int cases = t.count(60, 24);
      for (int i = 0; i < cases; i++) {
        int[] shape = randomShape(t);
        int c = shape[3], size = GpuTwin.size(shape);
        Noise.Type type = t.anyType(i);
        Noise[] nz = t.noise(type, i % 2 == 0, shape[0]);
        double[] ns = t.noiseScale(nz[0], size, shape[0]);
        String what = "case " + i + " " + Arrays.toString(shape) + " " + type;
        Tensor[] xa = t.rand(-3, 5, shape), xb = t.rand(-2, 2, shape), dy = t.rand(shape);
        Tensor[] ga = t.rand(0.5, 1.5, c), ba = t.rand(-1.0, 1.0, c), gb = t.rand(0.5, 1.5, c), bb = t.rand(-1.0, 1.0, c);
        Tensor[] rm = t.rand(-1.0, 1.0, c), rv = t.rand(0.5, 2, c);
        boolean training = i % 3 != 2;
        // GPU: the BatchNorms written out (the unfused forward), statistics kept for the fused joins.
        Tensor[] ya = t.out(shape), yb = t.out(shape);
        Tensor[] ma = t.out(c), ia = t.out(c), mb = t.out(c), ib = t.out(c), rmb = t.rand(-1.0, 1.0, c), rvb = t.rand(0.5, 2, c);
        JoinInput[] a = new JoinInput[2], b = new JoinInput[2];
        for (int k = 0; k < 2; k++) {
          var be = k == 0 ? t.ref : t.gpu;
          if (training) {
            // The statistics-only forward on copies of the running statistics must match the full forward's.
            Tensor rm2 = be.zeros(c), rv2 = be.zeros(c), m2 = be.zeros(c), i2 = be.zeros(c);
            be.copy(rm[k], rm2);
            be.copy(rv[k], rv2);
            be.batchNormTrainForward(xa[k], ga[k], ba[k], rm[k], rv[k], 0.1f, 1e-5f, ma[k], ia[k], false, Noise.NONE, ya[k]);
            be.batchNormTrainStatistics(xa[k], rm2, rv2, 0.1f, 1e-5f, m2, i2);
            be.batchNormTrainForward(xb[k], gb[k], bb[k], rmb[k], rvb[k], 0.1f, 1e-5f, mb[k], ib[k], false, Noise.NONE, yb[k]);
            if (k == 1) {
              t.assertSameBits("statistics-only saveMean " + what, ma[1], m2);
              t.assertSameBits("statistics-only saveInvStd " + what, ia[1], i2);
              t.assertSameBits("statistics-only runningMean " + what, rm[1], rm2);
              t.assertSameBits("statistics-only runningVar " + what, rv[1], rv2);
            }
            Stream.of(rm2, rv2, m2, i2).forEach(Tensor::close);
            a[k] = JoinInput.trained(xa[k], ga[k], ba[k], ma[k], ia[k]);
            b[k] = JoinInput.trained(xb[k], gb[k], bb[k], mb[k], ib[k]);
          } else {
            be.batchNormInferenceForward(xa[k], ga[k], ba[k], rm[k], rv[k], 1e-3f, false, Noise.NONE, ya[k]);
            be.batchNormInferenceForward(xb[k], gb[k], bb[k], rmb[k], rvb[k], 1e-3f, false, Noise.NONE, yb[k]);
            a[k] = JoinInput.inference(xa[k], ga[k], ba[k], rm[k], rv[k], 1e-3f);
            b[k] = JoinInput.inference(xb[k], gb[k], bb[k], rmb[k], rvb[k], 1e-3f);
          }
        }
        String mode = training ? " (batch statistics) " : " (running statistics) ";
        // Shortcut plain (x itself) or normalized; the normalized main branch first, then second.
        for (int sc = 0; sc < 2; sc++) {
          JoinInput[] other = sc == 0 ? new JoinInput[] {JoinInput.plain(xb[0]), JoinInput.plain(xb[1])} : b;
          Tensor otherWritten = sc == 0 ? xb[1] : yb[1];
          // The backward's mask is ill-conditioned where a + b is near 0 (the reference's statistics and
          // rounding differ from the GPU's in the last bits): dy = 0 there, as BatchNormTest does.
          float[] sumRef = t.ref.toHost(ya[0]), sumGpu = t.gpu.toHost(ya[1]);
          float[] oRef = t.ref.toHost(sc == 0 ? xb[0] : yb[0]), oGpu = t.gpu.toHost(otherWritten);
          float[] dys = t.ref.toHost(dy[0]);
          for (int e = 0; e < size; e++) {
            if (Math.abs(sumRef[e] + oRef[e]) < 1e-3 || Math.abs(sumGpu[e] + oGpu[e]) < 1e-3) dys[e] = 0;
          }
          Tensor[] dyc = t.of(dys, shape);
          for (int order = 0; order < 2; order++) {
            String w = what + mode + (sc == 0 ? "plain" : "normalized") + " shortcut" + (order == 0 ? "" : ", swapped");
            Tensor unfused = t.gpuOut(shape), dUnfused = t.gpuOut(shape);
            Tensor[] y = t.out(shape), dx = t.out(shape);
            for (int k = 0; k < 2; k++) {
              var be = k == 0 ? t.ref : t.gpu;
              be.addReluForward(order == 0 ? a[k] : other[k], order == 0 ? other[k] : a[k], nz[k], y[k]);
              be.addReluBackward(dyc[k], order == 0 ? a[k] : other[k], order == 0 ? other[k] : a[k], dx[k]);
            }
            t.gpu.addReluForward(order == 0 ? ya[1] : otherWritten, order == 0 ? otherWritten : ya[1], nz[1], unfused);
            t.gpu.addReluBackward(dyc[1], order == 0 ? ya[1] : otherWritten, order == 0 ? otherWritten : ya[1], dUnfused);
            t.assertSameBits("fused join forward vs BatchNorm + join " + w, unfused, y[1]);
            t.assertSameBits("fused join backward vs BatchNorm + join " + w, dUnfused, dx[1]);
            t.compare("fused join forward vs reference " + w, y, ns);
            t.compare("fused join backward vs reference " + w, dx);
          }
        }
        t.release();
      }
    }
  }

  @Test
  void noiseForwardAndBackward() {
    try (GpuTwin t = GpuTwin.open(402)) {
      int cases = t.count(200, 200);
      for (int i = 0; i < cases; i++) {
        int[] shape = randomShape(t);
        int size = GpuTwin.size(shape);
        Noise.Type type = t.anyType(i);
        Noise[] nz = t.noise(type, i % 2 == 0, shape[0]);
        double[] ns = t.noiseScale(nz[0], size, shape[0]);
        String what = "case " + i + " " + Arrays.toString(shape) + " " + type;
        Tensor[] x = t.rand(-2, 2, shape);
        Tensor[] y = t.out(shape);
        t.ref.noiseForward(x[0], nz[0], y[0]);
        t.gpu.noiseForward(x[1], nz[1], y[1]);
        t.compare("noiseForward " + what, y, ns);
        // In place (y = x), as the network input's noise point is used.
        t.ref.noiseForward(x[0], nz[0], x[0]);
        t.gpu.noiseForward(x[1], nz[1], x[1]);
        t.compare("noiseForward in place " + what, x, ns);
        Tensor[] dy = t.rand(shape), dx = t.out(shape);
        t.ref.noiseBackward(nz[0], dy[0], dx[0]);
        t.gpu.noiseBackward(nz[1], dy[1], dx[1]);
        t.compare("noiseBackward " + what, dx, ns);
        t.release();
      }
    }
  }

  /**
   * The Gaussians themselves, per stream: noise(0) with sigma 1 is z (ADDITIVE) and, for COMBINED, z' of the
   * second stream (site | 0x80000000); noise(1) MULTIPLICATIVE is 1 + z. Bit for bit the GPU's arithmetic
   * ({@link DeviceGauss}, the Java twin of kernels/box_muller.cuh), and within 10 ulps of the CPU backend's
   * {@link NoiseStream} (the bound derived in {@code dev.vant.cuda.NoiseKernelTest}).
   */
  @Test
  void gpuNoiseEqualsCpuNoiseForTheSameSeedSiteStep() {
    try (GpuTwin t = GpuTwin.open(405)) {
      int n = (int) t.count(100_003, 10_003);
      long seed = 0x5EED_1234_ABCDL;
      int site = 41, step = 7;
      Tensor zero = t.gpu.zeros(n), one = t.gpu.zeros(n), y = t.gpu.zeros(n);
      t.gpu.fill(one, 1f);
      float[] z = new float[n], z2 = new float[n];
      NoiseStream.fill(seed, site, step, 0, z, 0, n);
      NoiseStream.fill(seed, site | Noise.SECOND_STREAM, step, 0, z2, 0, n);
      float[] d = DeviceGauss.fill(seed, site, step, 0, n), d2 = DeviceGauss.fill(seed, site | Noise.SECOND_STREAM, step, 0, n);
      t.gpu.noiseForward(zero, new Noise(Noise.Type.ADDITIVE, 1f, null, seed, site, step), y);
      check("ADDITIVE z", t.gpu.toHost(y), d, z, null);
      t.gpu.noiseForward(zero, new Noise(Noise.Type.COMBINED, 1f, null, seed, site, step), y);
      check("COMBINED second stream z'", t.gpu.toHost(y), d2, z2, null);
      t.gpu.noiseForward(one, new Noise(Noise.Type.MULTIPLICATIVE, 1f, null, seed, site, step), y);
      check("MULTIPLICATIVE 1 + z", t.gpu.toHost(y), d, z, 1f);
      zero.close();
      one.close();
      y.close();
    }
  }

  private static void check(String what, float[] got, float[] device, float[] z, Float plus) {
    for (int e = 0; e < got.length; e++) {
      float exact = plus == null ? device[e] : plus + device[e];
      // Bit for bit, except the sign of a zero: the kernel computes fma(1, z, x) with x = +0, which turns z = -0
      // (about 2^-24 of the Gaussians: cos(pi/2) with a negative quadrant) into +0.
      if (Float.floatToRawIntBits(got[e]) != Float.floatToRawIntBits(exact) && !(got[e] == 0f && exact == 0f)) {
        org.junit.jupiter.api.Assertions.fail(what + ": element " + e + " gpu " + got[e] + ", device arithmetic " + exact);
      }
      float want = plus == null ? z[e] : plus + z[e];
      float scale = Math.max(Math.abs(z[e]), plus == null ? 0f : 1f);
      double u = Math.abs((double) got[e] - want) / Math.ulp(scale);
      if (!(u <= 10)) org.junit.jupiter.api.Assertions.fail(what + ": element " + e + " gpu " + got[e] + " cpu " + want + " (" + u + " ulps)");
    }
  }

  @Test
  void fillCopyAddAndZeros() {
    try (GpuTwin t = GpuTwin.open(403)) {
      for (int i = 0; i < 20; i++) {
        int[] shape = randomShape(t);
        Tensor[] x = t.rand(shape), y = t.out(shape);
        t.gpu.copy(x[1], y[1]);
        assertArrayEquals(t.ref.toHost(x[0]), t.gpu.toHost(y[1]), "copy " + Arrays.toString(shape));
        float v = (float) t.rnd.nextGaussian();
        GpuTwin.poison(y[1]);
        t.gpu.fill(y[1], v);
        float[] want = new float[GpuTwin.size(shape)];
        Arrays.fill(want, v);
        assertArrayEquals(want, t.gpu.toHost(y[1]), "fill");
        Tensor[] b = t.rand(shape), s = t.out(shape);
        t.ref.add(x[0], b[0], s[0]);
        t.gpu.add(x[1], b[1], s[1]);
        t.compare("add " + Arrays.toString(shape), s);
        t.gpu.add(x[1], b[1], x[1]); // in place
        assertArrayEquals(t.gpu.toHost(s[1]), t.gpu.toHost(x[1]), "add in place");
        try (Tensor z = t.gpu.zeros(shape)) {
          assertArrayEquals(new float[want.length], t.gpu.toHost(z), "zeros");
        }
        t.release();
      }
    }
  }

  @Test
  void vantLevelsMatchReference() {
    try (GpuTwin t = GpuTwin.open(404)) {
      int cases = t.count(200, 200);
      for (int i = 0; i < cases; i++) {
        int n = t.between(1, 600);
        long seed = t.rnd.nextLong();
        int site = t.rnd.nextInt(), step = t.rnd.nextInt(1 << 24);
        float base = (float) t.rnd.nextDouble() * 2, theta = (float) t.rnd.nextDouble();
        Tensor[] s = t.out(n);
        t.ref.sampleSigmas(seed, site, step, base, theta, s[0]);
        t.gpu.sampleSigmas(seed, site, step, base, theta, s[1]);
        t.compare("sampleSigmas case " + i + " n=" + n, s);
        // And bit for bit the GPU's arithmetic: fma(theta, |z|, base) with the device's Gaussians.
        float[] got = t.gpu.toHost(s[1]), z = DeviceGauss.fill(seed, site, step, 0, n);
        for (int e = 0; e < n; e++) {
          float want = Math.fma(theta, Math.abs(z[e]), base);
          if (Float.floatToRawIntBits(got[e]) != Float.floatToRawIntBits(want)) {
            org.junit.jupiter.api.Assertions.fail("sampleSigmas case " + i + " element " + e + ": gpu " + got[e]
                + ", device arithmetic " + want);
          }
        }
        t.release();
      }
    }
  }
}
