package dev.vant.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DevicePeaksTest {
  @Test
  void h200AndH100MatchTheDatasheetFp32Peak() {
    // 132 SMs x 128 lanes x 2 x 1980 MHz = 66.9 TFLOP/s (NVIDIA's H100/H200 SXM datasheet: 67).
    DevicePeaks h200 = DevicePeaks.of("NVIDIA H200", 9, 0, 132, 1_980_000);
    assertEquals(66.9e12, h200.fp32FlopsPerS(), 0.05e12);
    assertEquals(4.8e12, h200.datasheetBytesPerS());
    DevicePeaks h100 = DevicePeaks.of("NVIDIA H100 80GB HBM3", 9, 0, 132, 1_980_000);
    assertEquals(3.35e12, h100.datasheetBytesPerS());
    assertTrue(h200.fp32Source().contains("132 SMs"), h200.fp32Source());
  }

  @Test
  void a100HasHalfTheLanesPerSm() {
    // 108 SMs x 64 x 2 x 1410 MHz = 19.5 TFLOP/s (A100 datasheet: 19.5).
    DevicePeaks a100 = DevicePeaks.of("NVIDIA A100-SXM4-80GB", 8, 0, 108, 1_410_000);
    assertEquals(19.5e12, a100.fp32FlopsPerS(), 0.05e12);
    assertEquals(2.039e12, a100.datasheetBytesPerS());
    assertEquals(1.555e12, DevicePeaks.of("NVIDIA A100-SXM4-40GB", 8, 0, 108, 1_410_000).datasheetBytesPerS());
    assertEquals(128, DevicePeaks.fp32LanesPerSm(8, 6));
    assertEquals(864e9, DevicePeaks.of("NVIDIA L40S", 8, 9, 142, 2_520_000).datasheetBytesPerS());
    assertEquals(300e9, DevicePeaks.of("NVIDIA L4", 8, 9, 58, 2_040_000).datasheetBytesPerS());
  }

  @Test
  void withoutAClockKnownBoardsFallBackToTheDatasheet() {
    DevicePeaks p = DevicePeaks.of("NVIDIA H200", 9, 0, 132, 0);
    assertEquals(66.9e12, p.fp32FlopsPerS(), 1e9);
    assertTrue(p.fp32Source().contains("datasheet"), p.fp32Source());
    assertTrue(Double.isNaN(DevicePeaks.of("Some GPU", 9, 0, 132, 0).fp32FlopsPerS()));
  }

  @Test
  void unknownDevicesSayWhy() {
    DevicePeaks p = DevicePeaks.of("vant CPU emulator (2 worker threads)", 9, 0, 2, 1_000_000);
    assertTrue(Double.isNaN(p.datasheetBytesPerS()));
    assertTrue(p.bandwidthSource().startsWith("not in the datasheet table"), p.bandwidthSource());
    DevicePeaks q = DevicePeaks.of("future", 42, 0, 100, 2_000_000);
    assertTrue(Double.isNaN(q.fp32FlopsPerS()));
    assertTrue(q.fp32Source().contains("42.0"), q.fp32Source());
  }
}
