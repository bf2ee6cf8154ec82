package dev.vant.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.vant.random.DeviceGauss;
import dev.vant.random.NoiseStream;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * kernels/noise.cu against the Java references: bit for bit against the GPU's own arithmetic (y = fma(sigma, z, x)
 * with z from {@link DeviceGauss}, the Java twin of kernels/box_muller.cuh), and within a derived bound of the CPU
 * backend ({@link NoiseStream#addNoise}, whose Gaussians are double-precision functions rounded once).
 *
 * <p>The bound: 10 ulps of the element's scale s = max(|x|, |sigma z|). native/box_muller_check.cpp bounds the
 * device's z on every contract input: radius within 1.75 x 2^-24 relative, sine and cosine within 1.5 x 2^-24, plus
 * one rounding of the product: 4.25 x 2^-24 |z|. Java's z rounds the radius, the sine or cosine and the product once
 * each: 3 x 2^-24 |z|. So |z_gpu - z_java| <= 7.25 x 2^-24 |z| < 7.25 ulp(s) (as 2^-24 s < ulp(s)); both sides then
 * compute fma(sigma, z, x) with one rounding each, at most ulp(y) <= 2 ulp(s) (|y| <= 2s) together: 9.25 ulps of s.
 * Measuring in the scale of the operands keeps cancellation (x close to -sigma z) from inflating the ulp count of a
 * tiny result. (Until 2026-12-05 the GPU used CUDA's logf and sincospif, bound 8 ulps, measured 6 on an H200.)
 */
@Tag("gpu")
class NoiseKernelTest {
  private static final int POISON = 0x7FC0DEAD; // a quiet NaN no kernel writes by itself

  @Test
  void perSampleAdditiveNoiseEqualsJava() {
    try (CudaDevice dev = GpuTests.open()) {
      // 10^7 elements on a GPU: 1000 samples of 10,000 (not a multiple of 4 per sample: groups straddle samples).
      int perSample = 10_002;
      int samples = (int) GpuTests.size(dev, 1000, 40);
      int total = perSample * samples - 3; // ragged end: the last group is partial
      check(dev, total, perSample, samples, true, 0xC0FFEE1234L, 17, 3);
    }
  }

  @Test
  void scalarSigmaAlignedVectorPath() {
    try (CudaDevice dev = GpuTests.open()) {
      int perSample = 3 * 32 * 32;
      int samples = (int) GpuTests.size(dev, 128, 8);
      check(dev, perSample * samples, perSample, samples, false, -1L, 0xFFFFFFFF, 0x7FFFFFFF);
    }
  }

  private static void check(CudaDevice dev, int total, int perSample, int samples, boolean perSampleSigma,
      long seed, int site, int step) {
    SplittableRandom rnd = new SplittableRandom(seed ^ site);
    float[] x = new float[total];
    for (int i = 0; i < total; i++) x[i] = (float) (rnd.nextDouble() * 4 - 2);
    float[] sigma = new float[samples];
    for (int n = 0; n < samples; n++) sigma[n] = perSampleSigma ? (float) (0.05 + rnd.nextDouble() * 2) : 0.7f;
    float[] want = new float[total];
    NoiseStream.addNoise(x, want, perSampleSigma ? sigma : null, 0.7f, perSample, seed, site, step);
    float[] exact = DeviceGauss.fill(seed, site, step, 0, total);
    for (int e = 0; e < total; e++) exact[e] = Math.fma(perSampleSigma ? sigma[e / perSample] : 0.7f, exact[e], x[e]);

    try (DeviceBuffer dx = dev.pool().acquire(4L * total, "x");
         DeviceBuffer dy = dev.pool().acquire(4L * total, "y");
         DeviceBuffer ds = dev.pool().acquire(4L * samples, "sigma")) {
      dx.copyFrom(x, total);
      ds.copyFrom(sigma, samples);
      dy.fill32(POISON);
      NoiseKernel.add(dev, dx, dy, perSampleSigma ? ds : null, 0.7f, total, perSample, seed, site, step);
      dev.synchronize("noise_add test");
      float[] got = new float[total];
      dy.copyTo(got, total);
      int worst = -1;
      double worstUlps = 0;
      for (int e = 0; e < total; e++) {
        if (Float.floatToRawIntBits(got[e]) == POISON) fail("element " + e + " of " + total + " was not written");
        if (Float.floatToRawIntBits(got[e]) != Float.floatToRawIntBits(exact[e])) {
          fail("element " + e + ": GPU " + got[e] + ", the device arithmetic (DeviceGauss) " + exact[e]);
        }
        float s = perSampleSigma ? sigma[e / perSample] : 0.7f;
        float z = NoiseStream.element(seed, site, step, e);
        float scale = Math.max(Math.abs(x[e]), Math.abs(s * z));
        double ulps = Math.abs((double) got[e] - want[e]) / Math.ulp(scale);
        if (!(ulps <= worstUlps)) {
          worstUlps = ulps;
          worst = e;
        }
      }
      assertTrue(worstUlps <= 10, "element " + worst + ": GPU " + (worst < 0 ? 0 : got[worst]) + ", Java "
          + (worst < 0 ? 0 : want[worst]) + ", " + worstUlps + " ulps");
      // The pool rounds each block up to 512 bytes and counts the rounded sizes as in use.
      assertEquals(2 * round(4L * total) + round(4L * samples), dev.pool().inUseBytes());
    }
    assertEquals(0, dev.pool().inUseBytes(), "buffers closed: all returned to the pool");
  }

  private static long round(long b) {
    return (b + 511) / 512 * 512;
  }
}
