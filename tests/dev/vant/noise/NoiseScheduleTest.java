package dev.vant.noise;

import static org.junit.jupiter.api.Assertions.*;

import dev.vant.backend.Backend;
import dev.vant.backend.Noise;
import dev.vant.random.NoiseStream;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class NoiseScheduleTest {
  static final long SEED = 0x1234_5678_9ABCL;

  @Test
  void rampMovesOncePerEpochAndReachesSigmaInEpochRMinus1() {
    NoiseSchedule nt = NoiseSchedule.nt(Noise.Type.ADDITIVE, 2.0f, 4);
    assertEquals(0.5f, nt.levels(0, 0).scalar(SEED));
    assertEquals(0.5f, nt.levels(0, 999).scalar(SEED), "constant within an epoch");
    assertEquals(1.0f, nt.levels(1, 1000).scalar(SEED));
    assertEquals(2.0f, nt.levels(3, 0).scalar(SEED), "epoch R-1 reaches sigma_train");
    assertEquals(2.0f, nt.levels(4, 0).scalar(SEED));
    assertEquals(2.0f, nt.levels(400, 0).scalar(SEED));
    assertTrue(nt.inRamp(3));
    assertFalse(nt.inRamp(4));
    NoiseSchedule flat = NoiseSchedule.nt(Noise.Type.ADDITIVE, 2.0f, 0);
    assertEquals(2.0f, flat.levels(0, 0).scalar(SEED));
    assertEquals(1f, flat.rampFactor(0));
  }

  @Test
  void vantIsRampedNtDuringTheRampThenDrawsPerSampleLevels() {
    NoiseSchedule v = NoiseSchedule.vant(Noise.Type.ADDITIVE, 2.1f, 0.45f, 0.85f, 2, false);
    StepLevels ramp = v.levels(0, 5);
    assertFalse(ramp.perSample());
    assertEquals(1.05f, ramp.scalar(SEED));
    assertEquals(2.1f, v.levels(1, 7).scalar(SEED), "last ramp epoch: NT at sigma_train");
    StepLevels after = v.levels(2, 77);
    assertTrue(after.perSample());
    assertEquals(SigmaDraw.SITE_VANT_SAMPLE, after.site());
    assertEquals(77, after.step());
    float[] s = after.host(SEED, 64);
    float base = 0.45f * 2.1f;
    for (int i = 0; i < 64; i++) {
      float z = NoiseStream.element(SEED, 0xFFFF0000, 77, i);
      assertEquals(Math.fma(0.85f, Math.abs(z), base), s[i], 0f, "sample " + i);
      assertTrue(s[i] >= base);
    }
    assertFalse(Arrays.equals(s, v.levels(2, 78).host(SEED, 64)), "fresh levels each step");
    assertThrows(IllegalStateException.class, () -> after.scalar(SEED));
  }

  @Test
  void vantLevelsHaveTheHalfNormalMean() {
    // E|z| = sqrt(2/pi): the mean level is alpha*sigma + theta*0.7979
    float[] s = NoiseSchedule.vant(Noise.Type.ADDITIVE, 1f, 0.45f, 0.5f, 0, false).levels(0, 3).host(SEED, 40_000);
    double m = 0;
    for (float v : s) m += v;
    assertEquals(0.45 + 0.5 * Math.sqrt(2 / Math.PI), m / s.length, 0.01);
  }

  @Test
  void vantPerEpochSharesOneLevelPerEpoch() {
    NoiseSchedule v = NoiseSchedule.vant(Noise.Type.ADDITIVE, 1f, 0.45f, 0.5f, 1, true);
    assertEquals(NoiseSchedule.Kind.VANT_EPOCH, v.kind());
    assertEquals(1f, v.levels(0, 3).scalar(SEED), "ramp epoch");
    float e1 = v.levels(1, 10).scalar(SEED);
    assertEquals(e1, v.levels(1, 99).scalar(SEED));
    float expect = Math.fma(0.5f, Math.abs(NoiseStream.element(SEED, SigmaDraw.SITE_VANT_EPOCH, 1, 0)), 0.45f);
    assertEquals(expect, e1, 0f);
    assertNotEquals(e1, v.levels(2, 10).scalar(SEED));
    float[] h = v.levels(1, 10).host(SEED, 5);
    for (float x : h) assertEquals(e1, x);
    assertFalse(v.levels(1, 10).perSample());
  }

  @Test
  void noneAndNoiseRecords() {
    NoiseSchedule none = NoiseSchedule.none();
    assertFalse(none.levels(3, 3).enabled());
    assertSame(Noise.NONE, none.levels(3, 3).noise(SEED, 4, 3, null));
    assertArrayEquals(new float[3], none.levels(0, 0).host(SEED, 3));
    Noise n = NoiseSchedule.nt(Noise.Type.MULTIPLICATIVE, 0.3f, 0).levels(0, 12).noise(SEED, 5, 12, null);
    assertEquals(new Noise(Noise.Type.MULTIPLICATIVE, 0.3f, null, SEED, 5, 12), n);
    StepLevels ps = NoiseSchedule.vant(Noise.Type.COMBINED, 1f, 0.45f, 0.5f, 0, false).levels(0, 1);
    assertThrows(IllegalArgumentException.class, () -> ps.noise(SEED, 5, 1, null));
  }

  @Test
  void fillAsksTheBackendForTheSameDraw() {
    List<String> calls = new ArrayList<>();
    Backend b = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
        (proxy, m, args) -> {
          calls.add(m.getName() + Arrays.toString(args == null ? new Object[0] : Arrays.copyOf(args, args.length - 1)));
          return null;
        });
    NoiseSchedule v = NoiseSchedule.vant(Noise.Type.ADDITIVE, 2f, 0.5f, 0.75f, 1, false);
    v.levels(1, 42).fill(b, 7L, null);
    v.levels(0, 3).fill(b, 7L, null);
    assertEquals(List.of("sampleSigmas[7, " + 0xFFFF0000 + ", 42, 1.0, 0.75]", "fill[null]"), calls);
  }

  @Test
  void badParametersNameThemselves() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> NoiseSchedule.nt(Noise.Type.ADDITIVE, -1f, 0))
        .getMessage().contains("sigma-train"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> NoiseSchedule.nt(Noise.Type.ADDITIVE, 1f, -2))
        .getMessage().contains("ramp-epochs"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> NoiseSchedule.vant(Noise.Type.ADDITIVE, 1f, 0.45f, -1f, 0, false))
        .getMessage().contains("theta"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> NoiseSchedule.nt(Noise.Type.NONE, 1f, 0))
        .getMessage().contains("noise type"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> NoiseSchedule.Kind.parse("vantt"))
        .getMessage().contains("vantt"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> NoiseSchedule.parseType("gaussian"))
        .getMessage().contains("gaussian"));
    assertEquals(NoiseSchedule.Kind.VANT_EPOCH, NoiseSchedule.Kind.parse("VANT-epoch"));
    assertEquals(Noise.Type.COMBINED, NoiseSchedule.parseType("Combined"));
    assertEquals("vant(additive, sigma 2.1, alpha 0.45, theta 0.85, ramp 100)",
        NoiseSchedule.vant(Noise.Type.ADDITIVE, 2.1f, 0.45f, 0.85f, 100, false).describe());
  }

  @Test
  void sigmaDrawIsTheSampleSigmasFormula() {
    float[] d = new float[10];
    SigmaDraw.sample(SEED, 9, 3, 0.2f, 0.4f, d, 2, 7);
    assertEquals(0f, d[0]);
    assertEquals(0f, d[9]);
    for (int i = 0; i < 7; i++) {
      assertEquals(Math.fma(0.4f, Math.abs(NoiseStream.element(SEED, 9, 3, i)), 0.2f), d[2 + i], 0f);
      assertEquals(d[2 + i], SigmaDraw.one(SEED, 9, 3, i, 0.2f, 0.4f), 0f);
    }
    assertThrows(IllegalArgumentException.class, () -> SigmaDraw.sample(SEED, 0, 0, 0, 0, d, 5, 6));
  }

  @Test
  void scheduleRoundTripsThroughJsonForConfigFiles() throws Exception {
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    NoiseSchedule v = NoiseSchedule.vant(Noise.Type.COMBINED, 1.3f, 0.45f, 0.66f, 10, true);
    String text = json.writeValueAsString(v);
    assertTrue(text.contains("\"kind\":\"VANT_EPOCH\"") && text.contains("\"rampEpochs\":10"), text);
    assertEquals(v, json.readValue(text, NoiseSchedule.class));
  }

  @Test
  void sigmaStatsOfAnEpoch() {
    SigmaStats st = new SigmaStats();
    assertEquals(0, st.mean());
    assertEquals(0f, st.max());
    st.add(new float[] {1, 2, 3, 99}, 3);
    st.add(new float[] {6}, 1);
    assertEquals(4, st.count());
    assertEquals(3.0, st.mean(), 1e-12);
    assertEquals(Math.sqrt((4 + 1 + 0 + 9) / 4.0), st.std(), 1e-12);
    assertEquals(1f, st.min());
    assertEquals(6f, st.max());
    st.reset();
    assertEquals(0, st.count());
  }
}
