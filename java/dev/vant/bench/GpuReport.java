package dev.vant.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Markdown and JSON of a {@code vant bench} run, with the PyTorch peer's numbers
 * ({@code bench/peers/pytorch_vant.py --out FILE}) side by side when given. Every ratio says which way
 * it divides in its column title: times as vant / other (below 1: vant is faster), throughput as
 * vant / PyTorch (above 1: vant is faster).
 */
public final class GpuReport {
  private final GpuBench.Results r;
  private final JsonNode peer;
  private final String peerNote;
  private final String command;
  private final String date;

  /**
   * @param peer the PyTorch peer's JSON, or null
   * @param peerNote where the peer's numbers come from, or why there are none
   * @param command the exact command line, for the report
   * @param date the run's date and time (UTC)
   */
  public GpuReport(GpuBench.Results r, JsonNode peer, String peerNote, String command, String date) {
    this.r = r;
    this.peer = peer;
    this.peerNote = peerNote;
    this.command = command;
    this.date = date;
  }

  /** Reads the peer's JSON file, or throws naming it. */
  public static JsonNode readPeer(Path file) {
    try {
      JsonNode n = new ObjectMapper().readTree(file.toFile());
      if (n == null || !n.has("math")) {
        throw new IllegalArgumentException("PyTorch peer file " + file + " has no \"math\" section (not written by pytorch_vant.py?)");
      }
      return n;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the PyTorch peer file " + file + ": " + e.getMessage(), e);
    }
  }

  /** The whole report in Markdown. */
  public String markdown() {
    GpuBench.DeviceFacts d = r.device();
    StringBuilder sb = new StringBuilder();
    sb.append("# vant GPU benchmarks — ").append(date).append("\n\n");
    if (r.options().tiny()) {
      sb.append("> **Tiny sizes** (`--tiny`): batch 2, matmul ").append(r.options().gemmSize()).append("^3, ")
          .append(r.options().image()).append("x").append(r.options().image())
          .append(" training images — a check that the runner works, not a measurement of a GPU.\n\n");
    }
    if (d.emulated()) {
      sb.append("> **Emulated device**: vant's CPU emulation of the CUDA driver. The times below are CPU times of the "
          + "emulation and say nothing about any GPU.\n\n");
    }
    sb.append(String.format(Locale.ROOT, "- device: %s (compute capability %d.%d, %d SMs, %d MHz max clock, L2 %.0f MiB, %.1f GiB), driver %s%n",
        d.name(), d.ccMajor(), d.ccMinor(), d.multiprocessors(), d.clockMHz(), d.l2Bytes() / 1048576.0, d.memoryBytes() / 1073741824.0, d.driver()));
    sb.append(String.format(Locale.ROOT, "- FP32 peak (CUDA cores, no tensor cores): %s TFLOP/s = %s%n",
        MdTable.num(d.peaks().fp32FlopsPerS() / 1e12, 1), d.peaks().fp32Source()));
    sb.append(String.format(Locale.ROOT, "- memory bandwidth: measured device-to-device copy %s GB/s (bytes read + written, %d MiB buffers); "
            + "datasheet %s GB/s (%s); driver's memory clock x bus width %s GB/s. The floor uses %s.%n",
        MdTable.num(d.measuredCopyBytesPerS() / 1e9, 0), d.copyBytes() >> 20, MdTable.num(d.peaks().datasheetBytesPerS() / 1e9, 0),
        d.peaks().bandwidthSource(), MdTable.num(d.theoreticalBytesPerS() / 1e9, 0),
        d.measuredCopyBytesPerS() > 0 ? "the measured copy" : "the datasheet figure"));
    sb.append(String.format(Locale.ROOT, "- timing: CUDA events; %d warm-up launches, then the median of %d samples, each at least %.1f ms of "
            + "back-to-back launches; inputs rotated over enough sets to exceed 3x the L2 cache (2 GiB at most); uniform random data, "
            + "per-sample sigma in [0.1, 1.1) for conv, sigma 0.5 for matmul. vant's kernels: %s.%n",
        r.options().warmup(), r.options().samples(), EventTimer.MIN_SAMPLE_MS,
        (r.math().tensorCores()
            ? (r.math() == dev.vant.backend.MathMode.TF32
                ? "TF32 tensor cores (`--math tf32`: operands rounded to nearest TF32 in the k loops; forward pipeline "
                : "TF32 tensor cores (`--math tf32rz`: operands truncated to TF32 by the tensor cores, as cuBLAS and cuDNN; "
                    + "forward pipeline ")
                + dev.vant.backend.cuda.CudaBackend.tf32Tile() + " (VANT_TF32_TILE"
                + (dev.vant.backend.cuda.CudaBackend.tf32Tile().startsWith("wgmma")
                    ? "; noise " + (dev.vant.backend.cuda.CudaBackend.earlyNoise() ? "drawn under the k loop" : "drawn in the epilogue")
                        + " (VANT_EARLY_NOISE)" : "")
                + "); the floor and % of peak below "
                + "still use the FP32 CUDA-core peak, which TF32 can exceed)"
            : "exact FP32 (FFMA, `--math fp32`)")
            + "; convolutions of at most 32 taps (R*S*C: the stem) and 8192 weights run the direct FP32 forward kernel in every math mode"));
    if (!r.train().isEmpty()) {
      sb.append(r.options().cudaGraph()
          ? "- training steps: recorded once as a CUDA graph and replayed (`--cuda-graph on`; the rotating batch is copied on the device into the graph's fixed inputs)\n"
          : "- training steps: launched op by op (`--cuda-graph off`)\n");
    }
    sb.append("- PyTorch peer: ").append(peerNote).append('\n');
    sb.append("- command: `").append(command).append("`\n\n");

    if (!r.kernels().isEmpty()) kernels(sb);
    if (!r.fusions().isEmpty()) fusions(sb);
    if (!r.train().isEmpty()) training(sb);
    if (!r.skipped().isEmpty()) {
      sb.append("Not measured (time budget, `--budget-s ").append(r.options().budgetSeconds()).append("`):\n\n");
      for (String s : r.skipped()) sb.append("- ").append(s).append('\n');
      sb.append('\n');
    }
    return sb.toString();
  }

  private void fusions(StringBuilder sb) {
    sb.append("## Residual-block fusions and conv-made BatchNorm statistics: fused vs. the launches they replaced\n\n");
    sb.append("Both forms give the same bits (tests: ElementwiseTest, NoisyConv2dTest, BatchNormTest). join: bn2 (and the "
        + "shortcut's BatchNorm) hand their statistics to the residual join, which normalizes on the fly (per-sample noise); "
        + "dgrad: the shortcut's gradient added in conv1's data-gradient epilogue; bnstats: the conv forward (VANT levels) "
        + "makes the next BatchNorm's statistics partials in its epilogue instead of the BatchNorm reading y for them. "
        + "The two forms are timed in alternating "
        + "rounds; unfused / fused is the median of the rounds' ratios (quartiles in brackets).\n\n");
    MdTable t = new MdTable("fusion", "shape", "launches: fused vs. unfused", ">fused", ">unfused", ">unfused / fused");
    for (GpuBench.FusionRow f : r.fusions()) {
      t.row(f.name(), f.shape(), f.what(), MdTable.time(f.fused().median()), MdTable.time(f.unfused().median()),
          MdTable.ratios(f.gain()));
    }
    sb.append(t).append('\n');
  }

  private void kernels(StringBuilder sb) {
    double peak = r.device().peaks().fp32FlopsPerS();
    double bw = r.device().floorBandwidth();
    sb.append("## Kernels: forward, noise fused vs. noise off vs. unfused\n\n");
    sb.append("conv2d: the paper's ResNet-18 convs (3x3, pad 1) at batch ").append(r.options().kernelBatch())
        .append(" on 3x32x32 inputs; matmul: the FC layer and a large square GEMM (y = x w^T + bias). "
            + "Floor = max(FLOPs / FP32 peak, minimal bytes / bandwidth) of the fused kernel. Noisy and noise off are "
            + "timed in alternating rounds; noisy / noise off is the median of the rounds' ratios (quartiles in brackets).\n\n");
    MdTable t = new MdTable("kernel", "shape", ">GFLOP", ">floor", "bound", ">fused noisy", ">TFLOP/s", ">% FP32 peak",
        ">time / floor", ">noise off", ">noisy / noise off", ">unfused (kernel + noise)", ">fused / unfused");
    for (GpuBench.KernelRow k : r.kernels()) {
      double f = k.fused().median(), c = k.clean().median(), u = k.unfused().median();
      double floor = bw > 0 && peak > 0 ? k.work().floorSeconds(peak, bw) : Double.NaN;
      t.row(k.op() + " " + k.name(), k.shape(), MdTable.num(k.work().flops() / 1e9, 2), MdTable.time(floor),
          bw > 0 && peak > 0 ? k.work().bound(peak, bw) : "–", MdTable.time(f), MdTable.num(k.work().flops() / f / 1e12, 2),
          MdTable.percent(k.work().flops() / f, peak), MdTable.ratio(f, floor), MdTable.time(c), MdTable.ratios(k.noiseCost()),
          MdTable.time(u), MdTable.ratio(f, u));
    }
    sb.append(t).append('\n');
    if (r.cublas() != null) {
      sb.append("cuBLAS SGEMM (JCublas, FP32, no TF32): ").append(r.cublas().describe());
      GpuBench.KernelRow big = r.kernels().get(r.kernels().size() - 1);
      if (r.cublas().timing() != null && big.name().equals("gemm" + r.cublas().n())) {
        sb.append("; vant noise-off matmul ").append(big.name()).append(" / cuBLAS (time): ")
            .append(MdTable.ratio(big.clean().median(), r.cublas().timing().median()));
      }
      sb.append("\n\n");
    }
    if (peer == null) return;
    sb.append("### Against PyTorch (cuDNN / cuBLAS) on the same GPU\n\n");
    sb.append("PyTorch adds noise the way a researcher writes it: `y + sigma.view(-1,1,1,1) * torch.randn_like(y)` after the "
        + "kernel (three extra kernels). FP32 = TF32 off for cuDNN and cuBLAS; TF32 = TF32 on for both.\n\n");
    MdTable p = new MdTable("kernel", ">vant fused noisy", ">PyTorch FP32", ">PyTorch FP32 + noise", ">PyTorch TF32 + noise",
        ">time vant noisy / PyTorch FP32 + noise", ">time vant noise off / PyTorch FP32");
    for (GpuBench.KernelRow k : r.kernels()) {
      JsonNode fp = peerKernel("fp32", k), tf = peerKernel("tf32", k);
      double pf = ms(fp, "ms"), pfn = ms(fp, "ms_noise_unfused"), ptn = ms(tf, "ms_noise_unfused");
      p.row(k.op() + " " + k.name(), MdTable.time(k.fused().median()), MdTable.time(pf), MdTable.time(pfn), MdTable.time(ptn),
          MdTable.ratio(k.fused().median(), pfn), MdTable.ratio(k.clean().median(), pf));
    }
    sb.append(p).append('\n');
  }

  private void training(StringBuilder sb) {
    GpuBench.TrainRow first = r.train().get(0);
    sb.append("## Training step: ").append(first.model().equals("resnet18") ? "ResNet-18 (the paper's, " : "ResNet-20 (")
        .append(String.format(Locale.ROOT, "%,d", first.parameters()))
        .append(" parameters), 3x").append(first.image()).append("x").append(first.image())
        .append(", forward + softmax cross-entropy + backward + Adam\n\n");
    sb.append("Noise: none; NT (sigma ").append(TrainStep.SIGMA_TRAIN).append(" at every noise application: 41 in ResNet-18); VANT (per-sample "
        + "sigma_i = 0.45 sigma + 0.45 |z_i|, drawn on the device). vant time = median over ").append(r.options().trainWindows())
        .append(" windows of ").append(r.options().trainWindowSteps())
        .append(" back-to-back steps between CUDA events, the modes of a batch taking turns window by window; time / "
            + "no-noise step = the median of each round's ratio to the no-noise window (quartiles in brackets); host = "
            + "Java time to issue one step with an idle device queue (the loss is read back only at the end).\n\n");
    MdTable t = new MdTable(">batch", "noise", ">vant ms/step", ">vant images/s", ">host ms/step", ">time / no-noise step",
        ">PyTorch FP32 images/s", ">PyTorch TF32 images/s", ">images/s vant / PyTorch FP32", ">PyTorch host ms/step",
        ">vant launches/step");
    for (GpuBench.TrainRow row : r.train()) {
      double none = r.train().stream().filter(x -> x.batch() == row.batch() && x.mode() == TrainStep.Mode.NONE)
          .mapToDouble(GpuBench.TrainRow::deviceSeconds).findFirst().orElse(Double.NaN);
      JsonNode fp = peerTrain("fp32", row), tf = peerTrain("tf32", row);
      double pfi = num(fp, "images_per_s"), pti = num(tf, "images_per_s");
      t.row(row.batch(), row.mode().cliName(), MdTable.num(row.deviceSeconds() * 1e3, 2), MdTable.num(row.imagesPerSecond(), 0),
          MdTable.num(row.hostSeconds() * 1e3, 2),
          row.vsNone() != null ? MdTable.ratios(row.vsNone()) : MdTable.ratio(row.deviceSeconds(), none), MdTable.num(pfi, 0),
          MdTable.num(pti, 0), MdTable.ratio(row.imagesPerSecond(), pfi), MdTable.num(num(fp, "host_ms"), 2),
          row.launches() < 0 ? "–" : Long.toString(row.launches()));
    }
    sb.append(t).append('\n');
  }

  private JsonNode peerKernel(String math, GpuBench.KernelRow k) {
    if (peer == null) return null;
    JsonNode m = peer.path("math").path(math);
    if (k.op().equals("conv2d")) {
      for (JsonNode c : m.path("conv")) {
        if (c.path("layer").asText().equals(k.name())) return c;
      }
      return null;
    }
    for (JsonNode c : m.path("matmul_list")) {
      if (c.path("name").asText().equals(k.name())) return c;
    }
    JsonNode mm = m.path("matmul");
    return mm.isObject() && ("gemm" + mm.path("n").asInt()).equals(k.name()) ? mm : null;
  }

  private JsonNode peerTrain(String math, GpuBench.TrainRow row) {
    if (peer == null || !row.model().equals("resnet18")) return null; // the peer trains the paper's ResNet-18 only
    for (JsonNode t : peer.path("math").path(math).path("train")) {
      if (t.path("batch").asInt() == row.batch() && t.path("mode").asText().equals(row.mode().cliName())) return t;
    }
    return null;
  }

  private static double num(JsonNode n, String field) {
    return n == null || !n.path(field).isNumber() ? Double.NaN : n.path(field).asDouble();
  }

  /** A peer time in ms as seconds. */
  private static double ms(JsonNode n, String field) {
    return num(n, field) / 1e3;
  }

  /** Every number of the run as nested maps (written as JSON next to the Markdown). */
  public Map<String, Object> json() {
    Map<String, Object> j = new LinkedHashMap<>();
    j.put("date", date);
    j.put("command", command);
    GpuBench.DeviceFacts d = r.device();
    Map<String, Object> dev = new LinkedHashMap<>();
    dev.put("name", d.name());
    dev.put("computeCapability", d.ccMajor() + "." + d.ccMinor());
    dev.put("multiprocessors", d.multiprocessors());
    dev.put("clockMHz", d.clockMHz());
    dev.put("l2Bytes", d.l2Bytes());
    dev.put("memoryBytes", d.memoryBytes());
    dev.put("driver", d.driver());
    dev.put("emulated", d.emulated());
    dev.put("fp32PeakFlopsPerS", finite(d.peaks().fp32FlopsPerS()));
    dev.put("fp32PeakSource", d.peaks().fp32Source());
    dev.put("datasheetBytesPerS", finite(d.peaks().datasheetBytesPerS()));
    dev.put("theoreticalBytesPerS", finite(d.theoreticalBytesPerS()));
    dev.put("measuredCopyBytesPerS", finite(d.measuredCopyBytesPerS()));
    j.put("device", dev);
    j.put("tiny", r.options().tiny());
    j.put("math", r.math().cliName());
    j.put("cudaGraph", r.options().cudaGraph());
    List<Object> ks = new ArrayList<>();
    for (GpuBench.KernelRow k : r.kernels()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", k.name());
      m.put("op", k.op());
      m.put("shape", k.shape());
      m.put("flops", k.work().flops());
      m.put("bytes", k.work().bytes());
      boolean known = d.peaks().fp32FlopsPerS() > 0 && d.floorBandwidth() > 0;
      m.put("floorSeconds", known ? k.work().floorSeconds(d.peaks().fp32FlopsPerS(), d.floorBandwidth()) : null);
      m.put("inputSets", k.sets());
      m.put("fused", timing(k.fused()));
      m.put("noiseOff", timing(k.clean()));
      m.put("unfused", timing(k.unfused()));
      m.put("noiseCost", ratios(k.noiseCost()));
      ks.add(m);
    }
    j.put("kernels", ks);
    List<Object> fs = new ArrayList<>();
    for (GpuBench.FusionRow f : r.fusions()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", f.name());
      m.put("shape", f.shape());
      m.put("what", f.what());
      m.put("fused", timing(f.fused()));
      m.put("unfused", timing(f.unfused()));
      m.put("gain", ratios(f.gain()));
      fs.add(m);
    }
    j.put("fusions", fs);
    if (r.cublas() != null) {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("n", r.cublas().n());
      c.put("unavailable", r.cublas().unavailable());
      c.put("timing", r.cublas().timing() == null ? null : timing(r.cublas().timing()));
      j.put("cublasSgemm", c);
    }
    List<Object> ts = new ArrayList<>();
    for (GpuBench.TrainRow t : r.train()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("model", t.model());
      m.put("batch", t.batch());
      m.put("image", t.image());
      m.put("mode", t.mode().cliName());
      m.put("secondsPerStep", t.deviceSeconds());
      m.put("windows", t.windows());
      m.put("imagesPerSecond", t.imagesPerSecond());
      m.put("hostSecondsPerStep", t.hostSeconds());
      m.put("loss", t.loss());
      m.put("launchesPerStep", t.launches() < 0 ? null : t.launches());
      m.put("vsNone", t.vsNone() == null ? null : ratios(t.vsNone()));
      ts.add(m);
    }
    j.put("train", ts);
    j.put("skipped", r.skipped());
    j.put("peer", peerNote);
    return j;
  }

  /** Writes {@code dir/name.md} and {@code dir/name.json}; returns the Markdown path. */
  public Path write(Path dir, String name) {
    try {
      Files.createDirectories(dir);
      Path md = dir.resolve(name + ".md");
      Files.writeString(md, markdown());
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve(name + ".json").toFile(), json());
      return md;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the benchmark report to " + dir + ": " + e.getMessage(), e);
    }
  }

  private static Map<String, Object> timing(EventTimer.Timing t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("medianSeconds", t.median());
    m.put("minSeconds", t.min());
    m.put("maxSeconds", t.max());
    m.put("samples", t.sorted().length);
    m.put("launchesPerSample", t.launchesPerSample());
    return m;
  }

  /** Ratios measured in rounds: median, quartiles and every round's value (sorted). */
  private static Map<String, Object> ratios(EventTimer.Ratios q) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("median", q.median());
    m.put("p25", q.low());
    m.put("p75", q.high());
    m.put("rounds", q.sorted());
    return m;
  }

  private static Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }
}
