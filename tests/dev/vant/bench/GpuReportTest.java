package dev.vant.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vant.backend.MathMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report's arithmetic and layout on made-up numbers (the runner itself needs a device). */
class GpuReportTest {
  private static EventTimer.Timing t(double seconds) {
    return new EventTimer.Timing(new double[] {seconds * 0.9, seconds, seconds * 1.2}, 4);
  }

  /** Ratios of five rounds around {@code median}, unsorted (the record sorts them). */
  private static EventTimer.Ratios q(double median) {
    return new EventTimer.Ratios(new double[] {median + 0.02, median - 0.04, median, median + 0.06, median - 0.01});
  }

  private static GpuBench.Results results(boolean tiny, boolean emulated) {
    DevicePeaks peaks = DevicePeaks.of("NVIDIA H200", 9, 0, 132, 1_980_000);
    GpuBench.DeviceFacts d = new GpuBench.DeviceFacts("NVIDIA H200", 9, 0, 132, 1980, 60L << 20, 141L << 30, "13.0",
        emulated, peaks, 4.9e12, 4.0e12, 1L << 30);
    GpuBench.Options o = new GpuBench.Options(tiny, 10, 30, true, List.of(128), List.of(TrainStep.Mode.values()), 7, 5, List.of(), 60);
    Roofline gemm = Roofline.matmul(4096, 4096, 4096);
    GpuBench.KernelRow conv = new GpuBench.KernelRow("layer1", "conv2d", "N128 16x16x64 -> 16x16x64, 3x3 s1",
        Roofline.conv2dForward(128, 16, 16, 64, 64, 3, 3, 16, 16, true), gemm, t(100e-6), t(80e-6), t(160e-6), q(1.24), 64);
    GpuBench.KernelRow mm = new GpuBench.KernelRow("gemm4096", "matmul", "4096x4096 * (4096x4096)^T", gemm,
        gemm.plus(Roofline.noisePass(4096L * 4096, 0)), t(4e-3), t(3.9e-3), t(4.2e-3), q(1.03), 2);
    List<GpuBench.TrainRow> train = List.of(
        new GpuBench.TrainRow("resnet18", 128, 32, TrainStep.Mode.NONE, 0.010, new double[] {0.010}, 0.002, 2.3f, 11_177_866),
        new GpuBench.TrainRow("resnet18", 128, 32, TrainStep.Mode.NT, 0.011, new double[] {0.011}, 0.002, 2.4f, 11_177_866, 313,
            q(1.09)),
        new GpuBench.TrainRow("resnet18", 128, 32, TrainStep.Mode.VANT, 0.012, new double[] {0.012}, 0.002, 2.4f, 11_177_866));
    List<GpuBench.FusionRow> fusions = List.of(new GpuBench.FusionRow("join.layer1", "N128 16x16x64, identity shortcut",
        "statistics + join vs. statistics + apply + join", t(20e-6), t(30e-6), q(1.5)));
    return new GpuBench.Results(d, o, List.of(conv, mm), train,
        new CublasBaseline.Result(4096, null, "JCublas 12.6.0 could not load its native library"),
        List.of("training batch 512, noise vant (the 60 s budget was spent after 61 s)"), MathMode.FP32, fusions);
  }

  private static JsonNode peer() throws Exception {
    String json = """
        {"device": "NVIDIA H200", "torch": "2.11.0", "cuda": "13.0", "cudnn": 91000, "math": {
          "fp32": {"conv": [{"layer": "layer1", "ms": 0.05, "ms_noise_unfused": 0.2}],
                   "matmul": {"n": 4096, "ms": 2.5, "ms_noise_unfused": 3.0},
                   "train": [{"batch": 128, "mode": "nt", "ms": 20.0, "images_per_s": 6400.0, "host_ms": 5.0}]},
          "tf32": {"conv": [{"layer": "layer1", "ms": 0.03, "ms_noise_unfused": 0.1}], "matmul": {"n": 4096, "ms": 1, "ms_noise_unfused": 1.5},
                   "train": []}}}""";
    return new ObjectMapper().readTree(json);
  }

  @Test
  void fusionTableComparesFusedWithUnfused() throws Exception {
    GpuReport report = new GpuReport(results(false, false), peer(), "PyTorch test", "vant bench", "2026-11-28 16:00 UTC");
    String md = report.markdown();
    assertTrue(md.contains("## Residual-block fusions"), md);
    assertTrue(md.contains("| join.layer1 | N128 16x16x64, identity shortcut | statistics + join vs. statistics + apply + join "
        + "| 20.00 µs | 30.00 µs | 1.500x (1.490–1.520) |"), md);
    String json = new ObjectMapper().writeValueAsString(report.json());
    assertTrue(json.contains("\"fusions\":[{\"name\":\"join.layer1\""), json);
  }

  @Test
  void kernelTableHasTimesRatiosAndFloor() throws Exception {
    String md = new GpuReport(results(false, false), peer(), "PyTorch test", "vant bench", "2026-11-28 16:00 UTC").markdown();
    // layer1: fused 100 us, noise off 80 us, unfused 160 us.
    assertTrue(md.contains("| conv2d layer1 | N128 16x16x64 -> 16x16x64, 3x3 s1 | 2.42 |"), md);
    assertTrue(md.contains("| 100.0 µs | 24.16 | 36.1% |"), md);
    // noisy / noise off: the median of the rounds' ratios with its quartiles, not the ratio of the medians (1.25x).
    assertTrue(md.contains("| 80.00 µs | 1.240x (1.230–1.260) | 160.0 µs | 0.63x |"), md);
    // gemm: floor 2.05 ms (FLOPs-bound), fused 4 ms -> 1.95x the floor.
    assertTrue(md.contains("| matmul gemm4096 | 4096x4096 * (4096x4096)^T | 137.44 | 2.054 ms | FLOPs | 4.000 ms | 34.36 | 51.4% | 1.95x |"), md);
    assertTrue(md.contains("cuBLAS SGEMM (JCublas, FP32, no TF32): unavailable: JCublas 12.6.0 could not load"), md);
    assertTrue(md.contains("66.9 TFLOP/s"), md);
    assertTrue(md.contains("measured device-to-device copy 4000 GB/s"), md);
    assertFalse(md.contains("Tiny sizes"), md);
    assertFalse(md.contains("Emulated device"), md);
  }

  @Test
  void peerNumbersSitBesideOursWithRatios() throws Exception {
    String md = new GpuReport(results(false, false), peer(), "PyTorch test", "vant bench", "d").markdown();
    // vant fused 100 us vs PyTorch FP32 + noise 200 us: 0.50x; noise off 80 us vs 50 us: 1.60x.
    assertTrue(md.contains("| conv2d layer1 | 100.0 µs | 50.00 µs | 200.0 µs | 100.0 µs | 0.50x | 1.60x |"), md);
    assertTrue(md.contains("| matmul gemm4096 | 4.000 ms | 2.500 ms | 3.000 ms | 1.500 ms | 1.33x | 1.56x |"), md);
    // Training NT: vant 11 ms at batch 128 = 11636 images/s, PyTorch 6400: 1.82x; the rounds' ratio to the no-noise
    // window 1.09x (1.10x from the medians).
    assertTrue(md.contains("| 128 | nt | 11.00 | 11636 | 2.00 | 1.090x (1.080–1.110) | 6400 | – | 1.82x | 5.00 | 313 |"), md);
    // No PyTorch numbers for VANT: dashes, not zeros; no rounds' ratio: the ratio of the medians.
    assertTrue(md.contains("| 128 | vant | 12.00 | 10667 | 2.00 | 1.20x | – | – | – | – | – |"), md);
    assertTrue(md.contains("11,177,866 parameters"), md);
    assertTrue(md.contains("Not measured (time budget, `--budget-s 60`):\n\n- training batch 512, noise vant"), md);
  }

  @Test
  void withoutPeerThereIsNoPeerTableAndTheNoteSaysWhy() {
    String md = new GpuReport(results(true, true), null, "unavailable: no torch", "vant bench --tiny", "d").markdown();
    assertFalse(md.contains("Against PyTorch"), md);
    assertTrue(md.contains("- PyTorch peer: unavailable: no torch"), md);
    assertTrue(md.contains("Tiny sizes"), md);
    assertTrue(md.contains("Emulated device"), md);
  }

  @Test
  void writesMarkdownAndJson(@TempDir Path dir) throws Exception {
    GpuReport rep = new GpuReport(results(false, false), peer(), "p", "vant bench", "d");
    Path md = rep.write(dir, "x");
    assertEquals(rep.markdown(), Files.readString(md));
    JsonNode j = new ObjectMapper().readTree(dir.resolve("x.json").toFile());
    assertEquals("NVIDIA H200", j.path("device").path("name").asText());
    assertEquals(100e-6, j.path("kernels").get(0).path("fused").path("medianSeconds").asDouble(), 1e-12);
    assertEquals(4.0e12, j.path("device").path("measuredCopyBytesPerS").asDouble());
    assertEquals(3, j.path("train").size());
    assertEquals(1.24, j.path("kernels").get(0).path("noiseCost").path("median").asDouble(), 1e-12);
    assertEquals(5, j.path("kernels").get(0).path("noiseCost").path("rounds").size());
    assertEquals(1.5, j.path("fusions").get(0).path("gain").path("median").asDouble(), 1e-12);
    assertEquals(1.08, j.path("train").get(1).path("vsNone").path("p25").asDouble(), 1e-12);
    assertTrue(j.path("train").get(0).path("vsNone").isNull());
    assertTrue(j.path("cublasSgemm").path("unavailable").asText().startsWith("JCublas"));
    assertTrue(j.path("kernels").get(1).path("floorSeconds").asDouble() > 2e-3);
    Map<?, ?> m = new ObjectMapper().readValue(dir.resolve("x.json").toFile(), Map.class);
    assertTrue(m.containsKey("command"));
  }

  @Test
  void peerFileWithoutMathSectionIsRejectedByName(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("torch.json");
    Files.writeString(f, "{\"device\": \"x\"}");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GpuReport.readPeer(f));
    assertTrue(e.getMessage().contains("torch.json"), e.getMessage());
  }
}
