package dev.vant.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.vant.backend.Noise;
import dev.vant.random.DeviceGauss;
import dev.vant.random.NoiseStream;
import dev.vant.tensor.Tensor;
import java.util.Arrays;
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
