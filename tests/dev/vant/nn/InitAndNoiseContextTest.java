package dev.vant.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.backend.Noise;
import dev.vant.backend.cpu.FastBackend;
import dev.vant.backend.cpu.Precision;
import dev.vant.backend.cpu.ReferenceBackend;
import dev.vant.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** PyTorch-default init, reproducible on every backend; per-sample (VANT) levels reach every site. */
class InitAndNoiseContextTest {
  static final ReferenceBackend REF = new ReferenceBackend(Precision.FLOAT32);

  @Test
  void kaimingUniformBoundsMomentsAndBackendIndependence() {
    try (FastBackend fast = new FastBackend(2); Model a = Models.resnet20(3, 32, 32, 10).build(REF, 7);
         Model b = Models.resnet20(3, 32, 32, 10).build(fast, 7); Model c = Models.resnet20(3, 32, 32, 10).build(REF, 8)) {
      for (int i = 0; i < a.parameters().size(); i++) {
        assertArrayEquals(REF.toHost(a.parameters().get(i).value()), fast.toHost(b.parameters().get(i).value()), a.parameters().get(i).name());
      }
      assertNotEquals(REF.toHost(a.parameters().get(0).value())[0], REF.toHost(c.parameters().get(0).value())[0]);
      // layer3.0.conv2.weight: fan_in = 64*3*3 = 576; U(-1/24, 1/24) has variance 1/(3*576).
      Parameter w = a.parameters().stream().filter(p -> p.name().equals("layer3.0.conv2.weight")).findFirst().orElseThrow();
      float[] v = REF.toHost(w.value());
      double bound = 1 / Math.sqrt(576), mean = 0, sq = 0;
      for (float x : v) {
        assertTrue(Math.abs(x) <= bound, "outside the bound: " + x);
        mean += x;
        sq += x * x;
      }
      mean /= v.length;
      double var = sq / v.length - mean * mean, want = bound * bound / 3;
      // n = 36864 draws: standard error of the mean bound/sqrt(3n); of the variance about want*0.9/sqrt(n).
      assertEquals(0, mean, 4 * bound / Math.sqrt(3.0 * v.length));
      assertEquals(want, var, 4 * want * 0.9 / Math.sqrt(v.length));
      Parameter bias = a.parameters().stream().filter(p -> p.name().equals("layer3.0.conv2.bias")).findFirst().orElseThrow();
      for (float x : REF.toHost(bias.value())) assertTrue(Math.abs(x) <= bound);
      Parameter gamma = a.parameters().stream().filter(p -> p.name().equals("layer3.0.bn2.weight")).findFirst().orElseThrow();
      for (float x : REF.toHost(gamma.value())) assertEquals(1f, x);
      for (float x : REF.toHost(a.buffers().get(1).value())) assertEquals(1f, x); // bn1.running_var
    }
  }

  @Test
  void perSampleLevelsApplyToEachSampleAtEverySite() {
    try (Model m = Models.lenet5(1, 16, 16, 4).build(REF, 3); Tensor x = REF.zeros(3, 16, 16, 1)) {
      float[] img = new float[3 * 16 * 16];
      for (int i = 0; i < img.length; i++) img[i] = (float) Math.sin(i * 0.37);
      try (Tensor t = REF.fromHost(img, 3, 16, 16, 1)) {
        REF.copy(t, x);
      }
      m.eval();
      float[] clean = REF.toHost(m.forward(x, NoiseContext.OFF)).clone();
      // VANT-style levels drawn by the backend: sigma_i = base + theta*|z_i|; then sample 1 set to 0.
      try (Tensor sigma = REF.zeros(3)) {
        REF.sampleSigmas(11, 1 << 24, 0, 0.3f, 0.2f, sigma);
        float[] s = REF.toHost(sigma);
        s[1] = 0f;
        try (Tensor t = REF.fromHost(s, 3)) {
          REF.copy(t, sigma);
        }
        NoiseContext ctx = NoiseContext.builder().type(Noise.Type.ADDITIVE).sigmaPerSample(sigma).seed(12).step(5).build();
        float[] noisy = REF.toHost(m.forward(x, ctx));
        for (int k = 0; k < 4; k++) {
          assertEquals(clean[4 + k], noisy[4 + k], 0f, "sample 1 has sigma 0 at every site");
          assertNotEquals(clean[k], noisy[k]);
          assertNotEquals(clean[8 + k], noisy[8 + k]);
        }
        // Same context, same result; another step, another draw.
        assertArrayEquals(noisy, REF.toHost(m.forward(x, ctx)));
        assertNotEquals(noisy[0], REF.toHost(m.forward(x, ctx.withStep(6)))[0]);
      }
    }
  }
}
