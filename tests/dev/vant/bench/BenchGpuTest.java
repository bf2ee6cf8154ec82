package dev.vant.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vant.cli.Main;
import dev.vant.cuda.CudaDevice;
import dev.vant.cuda.CudaEvent;
import dev.vant.cuda.DeviceBuffer;
import dev.vant.cuda.GpuTests;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPU runner end to end at tiny sizes (on the emulated driver in CI, on the device on a GPU host):
 * events time real work, the report has every requested row with finite positive times. Three kernel
 * rows only: the emulation takes seconds per launch of the larger convs.
 */
@Tag("gpu")
class BenchGpuTest {
  @Test
  void eventsTimeDeviceWork() {
    try (CudaDevice dev = GpuTests.open(); DeviceBuffer a = dev.pool().acquire(4L << 20, "src");
         DeviceBuffer b = dev.pool().acquire(4L << 20, "dst"); CudaEvent s = new CudaEvent(dev); CudaEvent e = new CudaEvent(dev)) {
      a.fill32(Float.floatToIntBits(2.5f));
      s.record();
      b.copyFromDevice(a, 4L << 20);
      e.record();
      e.synchronize();
      assertTrue(e.elapsedMs(s) >= 0, "elapsed " + e.elapsedMs(s));
      float[] h = new float[1 << 20];
      b.copyTo(h, h.length);
      for (float v : h) assertEquals(2.5f, v);
      assertTrue(dev.attribute(jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE) > 0);
    }
  }

  @Test
  void pairedTimingAlternatesTheOrderEveryRound() {
    try (CudaDevice dev = GpuTests.open(); DeviceBuffer small = dev.pool().acquire(1L << 16, "small");
         DeviceBuffer big = dev.pool().acquire(1L << 25, "big")) {
      java.util.List<String> order = new java.util.ArrayList<>();
      EventTimer timer = new EventTimer(dev, 1, 4);
      EventTimer.Paired p = timer.pair("small", i -> {
        order.add("a" + i);
        small.fill32(i);
      }, "big", i -> {
        order.add("b" + i);
        big.fill32(i);
      });
      assertEquals(4, p.a().sorted().length);
      assertEquals(4, p.b().sorted().length);
      assertEquals(4, p.ratios().sorted().length);
      for (double r : p.ratios().sorted()) assertTrue(r > 0 && Double.isFinite(r), "ratio " + r);
      // The ratio is b / a: filling 32 MiB takes longer than filling 64 KiB.
      assertTrue(p.ratios().median() > 1 && p.b().median() > p.a().median(), "b / a " + p.ratios().median());
      // Warm-up and calibration of each, then rounds a b, b a, a b, b a; the launch index runs on across both.
      int ka = p.a().launchesPerSample(), kb = p.b().launchesPerSample();
      java.util.List<String> want = new java.util.ArrayList<>();
      int i = 0;
      want.add("a" + i++);
      want.add("a" + i++);
      want.add("b" + i++);
      want.add("b" + i++);
      for (int round = 0; round < 4; round++) {
        for (String op : round % 2 == 0 ? new String[] {"a", "b"} : new String[] {"b", "a"}) {
          for (int j = 0; j < (op.equals("a") ? ka : kb); j++) want.add(op + i++);
        }
      }
      assertEquals(want, order);
    }
  }

  @Test
  void fullSizesOnTheEmulatorAreRefusedWithAClearMessage(@TempDir Path dir) {
    try (CudaDevice dev = GpuTests.open()) {
      org.junit.jupiter.api.Assumptions.assumeTrue(dev.info().emulated(), "a real GPU: " + dev.info().name());
    }
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    java.io.PrintStream old = System.err;
    int rc;
    try {
      System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
      rc = Main.execute("bench", "--out", dir.toString());
    } finally {
      System.setErr(old);
    }
    String e = err.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(2, rc, e);
    assertTrue(e.contains("CPU emulation") && e.contains("--tiny"), e);
  }

  @Test
  void tinyTrainingRowsTakeTurnsWithRecordedSteps(@TempDir Path dir) throws Exception {
    try (CudaDevice dev = GpuTests.open()) {
      // opened only to skip (or fail under REQUIRE_GPU=1) the same way as every GPU test
    }
    Assumptions.assumeFalse("1".equals(System.getenv("VANT_EMU_ASAN")), "not repeated under ASan");
    // ResNet-20: an emulated ResNet-18 step takes seconds.
    int rc = Main.execute("bench", "--tiny", "--only", "train", "--model", "resnet20", "--noise", "none,vant", "--windows", "3",
        "--window-steps", "1", "--cuda-graph", "on", "--out", dir.toString(), "--name", "t");
    assertEquals(0, rc);
    JsonNode train = new ObjectMapper().readTree(dir.resolve("t.json").toFile()).path("train");
    assertEquals(2, train.size());
    assertEquals("none", train.get(0).path("mode").asText());
    assertTrue(train.get(0).path("vsNone").isNull(), "no ratio of the no-noise row to itself");
    JsonNode q = train.get(1).path("vsNone");
    assertEquals(3, q.path("rounds").size(), "one ratio per round: " + q);
    // Each round's ratio is VANT's window over the no-noise window of the same round: positive and finite.
    for (JsonNode r : q.path("rounds")) assertTrue(r.asDouble() > 0 && Double.isFinite(r.asDouble()), q.toString());
    for (JsonNode t : train) {
      assertEquals(3, t.path("windows").size());
      assertTrue(t.path("secondsPerStep").asDouble() > 0 && t.path("launchesPerStep").asLong() > 0, t.toString());
      assertTrue(Double.isFinite(t.path("loss").asDouble()), t.toString());
    }
    String md = Files.readString(dir.resolve("t.md"));
    assertTrue(md.contains("## Training step: ResNet-20") && md.contains("the modes of a batch taking turns window by window"), md);
  }

  @Test
  void tinyKernelBenchWritesReport(@TempDir Path dir) throws Exception {
    try (CudaDevice dev = GpuTests.open()) {
      // opened only to skip (or fail under REQUIRE_GPU=1) the same way as every GPU test
    }
    int rc = Main.execute("bench", "--tiny", "--only", "kernels", "--kernels", "stem,fc,gemm64,join.layer2.down,dgrad.layer1,bnstats.layer1",
        "--warmup", "1", "--samples", "3", "--out", dir.toString(), "--name", "t");
    assertEquals(0, rc);
    String md = Files.readString(dir.resolve("t.md"));
    assertTrue(md.contains("| conv2d stem |") && md.contains("| matmul fc |") && md.contains("| matmul gemm64 |"), md);
    assertTrue(md.contains("## Residual-block fusions") && md.contains("| join.layer2.down | N2 8x8x128, BatchNorm shortcut |")
        && md.contains("| dgrad.layer1 |") && md.contains("| bnstats.layer1 |"), md);
    JsonNode j = new ObjectMapper().readTree(dir.resolve("t.json").toFile());
    assertEquals(3, j.path("kernels").size());
    assertEquals(3, j.path("fusions").size());
    for (JsonNode f : j.path("fusions")) {
      for (String v : new String[] {"fused", "unfused"}) {
        double t = f.path(v).path("medianSeconds").asDouble(-1);
        assertTrue(t > 0 && Double.isFinite(t), f.path("name").asText() + " " + v + ": " + t);
      }
    }
    // The stem's fused noise costs time (its Gaussians; 1.88x on the H200 in run 3), so its noise cost, the median of
    // the rounds' fused / noise-off ratios, is above 1 and on the side of the medians' ratio (not swapped, not a / b).
    JsonNode stem = j.path("kernels").get(0);
    assertEquals("stem", stem.path("name").asText());
    double fused = stem.path("fused").path("medianSeconds").asDouble(), off = stem.path("noiseOff").path("medianSeconds").asDouble();
    assertTrue(fused > off && stem.path("noiseCost").path("median").asDouble() > 1, stem.toString());
    for (JsonNode k : j.path("kernels")) {
      for (String v : new String[] {"fused", "noiseOff", "unfused"}) {
        double t = k.path(v).path("medianSeconds").asDouble(-1);
        assertTrue(t > 0 && Double.isFinite(t), k.path("name").asText() + " " + v + ": " + t);
      }
    }
    assertTrue(j.path("device").path("measuredCopyBytesPerS").asDouble() > 0);
    // The default math mode on compute capability 8.0+ (the emulator reports 9.0) is TF32, and the report says so.
    if (j.path("device").path("computeCapability").asText().compareTo("8") >= 0) {
      assertEquals("tf32", j.path("math").asText());
      assertTrue(md.contains("TF32 tensor cores"), md);
    }
  }
}
