package dev.vant.cli;

import dev.vant.backend.cuda.CudaBackend;
import dev.vant.bench.GpuBench;
import dev.vant.bench.GpuReport;
import dev.vant.bench.TrainStep;
import dev.vant.cuda.Cuda;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vant bench}: the GPU benchmarks of issue 7 (kernels and training steps), as Markdown and JSON. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Benchmark vant's CUDA kernels (noisy conv2d / matmul: fused, noise off, unfused) and whole ResNet-18 "
        + "training steps (no noise, NT, VANT) on GPU 0, with CUDA events, warm-up, median of many samples and "
        + "L2-defeating rotating inputs. Prints Markdown and writes OUT/NAME.md and OUT/NAME.json.",
        "Needs a GPU: on vant's CPU emulation of the driver only --tiny runs (a check of the runner, not a measurement)."})
public final class BenchCommand implements Callable<Integer> {
  @Option(names = "--out", description = "Folder for the report (default: bench/results).", defaultValue = "bench/results")
  Path out;

  @Option(names = "--name", description = "File name of the report without extension (default: <date>-gpu-bench).")
  String name;

  @Option(names = "--peer", description = "JSON written by bench/peers/pytorch_vant.py --out: PyTorch's numbers go side by side.")
  Path peer;

  @Option(names = "--peer-note", description = "Why there is no --peer file (printed in the report).")
  String peerNote;

  @Option(names = "--tiny", description = "Tiny sizes (batch 2, matmul 64^3, 8x8 images): checks the runner, e.g. on the emulator.")
  boolean tiny;

  @Option(names = "--only", description = "kernels, train or all (default: ${DEFAULT-VALUE}).", defaultValue = "all")
  String only;

  @Option(names = "--kernels", split = ",", description = "Only these kernel rows (stem, layer1, layer2.down, layer2, layer3.down, layer3, layer4.down, layer4, fc, gemm4096; gemm64 with --tiny) and fusion rows (join.layer1, join.layer2.down, join.layer4, dgrad.layer1, dgrad.layer3, bnstats.layer1, bnstats.layer2, bnstats.layer3).")
  List<String> kernelNames;

  @Option(names = "--batch", split = ",", description = "Training batches (default: 128,512; --tiny: 2).")
  List<Integer> batches;

  @Option(names = "--noise", split = ",", description = "Training noise modes: none, nt, vant (default: all three).")
  List<String> modes;

  @Option(names = "--warmup", description = "Untimed launches per kernel (default: ${DEFAULT-VALUE}).", defaultValue = "10")
  int warmup;

  @Option(names = "--samples", description = "Timed samples per kernel, median reported (default: ${DEFAULT-VALUE}).", defaultValue = "30")
  int samples;

  @Option(names = "--windows", description = "Timed windows per training row; the noise modes of a batch take turns, one window each per round (default: ${DEFAULT-VALUE}).", defaultValue = "7")
  int windows;

  @Option(names = "--model", paramLabel = "resnet18|resnet20", description = "Model of the training rows (default: "
      + "${DEFAULT-VALUE}, the paper's; the PyTorch peer has only that one).", defaultValue = "resnet18")
  String model;

  @Option(names = "--window-steps", description = "Back-to-back training steps per window (default: ${DEFAULT-VALUE}).", defaultValue = "5")
  int windowSteps;

  @Option(names = "--math", paramLabel = "MODE", description = "GEMM arithmetic of the kernels benchmarked: fp32 (exact, FFMA) | "
      + "tf32 (tensor cores, operands rounded to nearest TF32) | tf32rz (tensor cores, operands truncated as cuBLAS/cuDNN feed "
      + "them) (default: tf32 on compute capability 8.0+).")
  String math;

  @Option(names = "--cuda-graph", paramLabel = "on|off", description = "Training rows: on records the step once as a CUDA graph "
      + "and replays it (as vant train --cuda-graph on); default: ${DEFAULT-VALUE}.", defaultValue = "off")
  String cudaGraph;

  @Option(names = "--budget-s", description = "Wall-clock budget in seconds: training rows that would start after it are "
      + "skipped and listed as such (default: ${DEFAULT-VALUE}, no budget).", defaultValue = "0")
  int budgetSeconds;

  @Override
  public Integer call() {
    GpuBench.Options o = options();
    dev.vant.backend.MathMode mathMode = DeviceOption.math(math);
    JsonNode peerJson = null;
    String note = peerNote != null ? peerNote : "none given (run bench/peers/pytorch_vant.py and pass --peer)";
    if (peer != null) {
      if (!Files.isRegularFile(peer)) throw new UsageException("--peer " + peer + ": no such file");
      peerJson = GpuReport.readPeer(peer);
      note = "PyTorch " + peerJson.path("torch").asText("?") + " (CUDA " + peerJson.path("cuda").asText("?") + ", cuDNN "
          + peerJson.path("cudnn").asText("?") + ") on " + peerJson.path("device").asText("?") + ", from " + peer;
    }
    Cuda.Status s = Cuda.status();
    if (!s.available()) {
      System.err.println("vant bench: CUDA is unavailable: " + s.reason());
      System.err.println("vant bench: the GPU benchmarks need an NVIDIA GPU; the CPU benchmarks are bench/cpu-suite.sh.");
      return 1;
    }
    if (s.device().emulated() && !tiny) {
      throw new UsageException("the device is vant's CPU emulation of the CUDA driver: full sizes would run for hours and "
          + "time the CPU, not a GPU; use --tiny to check the runner there");
    }
    String date = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"));
    String file = name != null ? name : ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_LOCAL_DATE) + "-gpu-bench";
    GpuBench.Results r;
    try (CudaBackend b = CudaBackend.open(mathMode)) {
      r = new GpuBench(b, o, System.err).run();
    }
    GpuReport rep = new GpuReport(r, peerJson, note, "vant bench " + String.join(" ", argsForReport()), date);
    System.out.print(rep.markdown());
    Path md = rep.write(out, file);
    System.err.println("wrote " + md + " and " + md.resolveSibling(file + ".json"));
    return 0;
  }

  /** The options, validated; bad values throw {@link UsageException} naming the flag. */
  GpuBench.Options options() {
    boolean kernels = switch (only) {
      case "all", "kernels" -> true;
      case "train" -> false;
      default -> throw new UsageException("--only must be kernels, train or all, got '" + only + "'");
    };
    List<Integer> bs = only.equals("kernels") ? List.of() : batches != null ? batches : tiny ? List.of(2) : List.of(128, 512);
    for (int bt : bs) {
      if (bt < 1 || bt > 65536) throw new UsageException("--batch values must be in 1..65536, got " + bt);
    }
    List<TrainStep.Mode> ms = new ArrayList<>();
    if (modes == null) {
      ms.addAll(List.of(TrainStep.Mode.values()));
    } else {
      for (String m : modes) {
        try {
          ms.add(TrainStep.Mode.parse(m));
        } catch (IllegalArgumentException e) {
          throw new UsageException("--noise: " + e.getMessage());
        }
      }
    }
    if (warmup < 1) throw new UsageException("--warmup must be >= 1, got " + warmup);
    if (samples < 3) throw new UsageException("--samples must be >= 3, got " + samples);
    if (windows < 1) throw new UsageException("--windows must be >= 1, got " + windows);
    if (windowSteps < 1) throw new UsageException("--window-steps must be >= 1, got " + windowSteps);
    if (budgetSeconds < 0) throw new UsageException("--budget-s must be >= 0, got " + budgetSeconds);
    if (name != null && !name.matches("[A-Za-z0-9._-]+")) {
      throw new UsageException("--name may hold letters, digits, '.', '_' and '-' only, got '" + name + "'");
    }
    if (!cudaGraph.equals("on") && !cudaGraph.equals("off")) {
      throw new UsageException("--cuda-graph: unknown value '" + cudaGraph + "' (expected on or off)");
    }
    if (!GpuBench.TRAIN_MODELS.contains(model)) {
      throw new UsageException("--model: unknown model '" + model + "' (expected " + String.join(" or ", GpuBench.TRAIN_MODELS) + ")");
    }
    GpuBench.Options o = new GpuBench.Options(tiny, warmup, samples, kernels, bs, ms, windows, windowSteps,
        kernelNames == null ? List.of() : kernelNames, budgetSeconds, cudaGraph.equals("on"), model);
    for (String k : o.kernelFilter()) {
      if (!o.kernelNames().contains(k)) {
        throw new UsageException("--kernels: unknown kernel row '" + k + "' (expected one of " + String.join(", ", o.kernelNames()) + ")");
      }
    }
    return o;
  }

  private List<String> argsForReport() {
    List<String> a = new ArrayList<>();
    if (tiny) a.add("--tiny");
    if (!only.equals("all")) a.add("--only " + only);
    if (batches != null) a.add("--batch " + batches.toString().replaceAll("[\\[\\] ]", ""));
    if (modes != null) a.add("--noise " + String.join(",", modes));
    if (kernelNames != null) a.add("--kernels " + String.join(",", kernelNames));
    a.add("--warmup " + warmup);
    a.add("--samples " + samples);
    a.add("--windows " + windows + " --window-steps " + windowSteps);
    if (!model.equals("resnet18")) a.add("--model " + model);
    if (budgetSeconds > 0) a.add("--budget-s " + budgetSeconds);
    if (math != null) a.add("--math " + math);
    if (cudaGraph.equals("on")) a.add("--cuda-graph on");
    if (peer != null) a.add("--peer " + peer);
    return a;
  }
}
