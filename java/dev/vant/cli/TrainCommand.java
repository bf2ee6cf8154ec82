package dev.vant.cli;

import dev.vant.backend.Backend;
import dev.vant.data.Datasets;
import dev.vant.train.TrainConfig;
import dev.vant.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vant train}: one training run into a run folder. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Train a model with no noise, Noisy Training (NT) or Variance-Aware Noisy Training (VANT).",
        "Writes DIR/config.json, DIR/metrics.jsonl (one line per epoch) and DIR/checkpoint.safetensors after every epoch.",
        "Values come from the defaults, then --config FILE, then the flags given here."})
public final class TrainCommand implements Callable<Integer> {
  @Option(names = "--config", paramLabel = "FILE", description = "YAML or JSON file with the same keys as these flags (e.g. sigma-train: 1.0).")
  Path config;

  @Option(names = "--resume", paramLabel = "DIR", description = "Continue the stopped run in DIR (its config.json; other flags are not allowed, except --device, --math, --cuda-graph and --threads).")
  Path resume;

  @Option(names = "--model", description = "resnet18 | resnet34 | resnet50 | resnet20 | lenet5 | mlp (default: resnet20, the small CPU-sized ResNet).")
  String model;

  @Option(names = "--resnet-blocks", split = ",", paramLabel = "N,N,...", description = "resnet20 only: basic blocks per stage (default: 3,3,3).")
  java.util.List<Integer> resnetBlocks;

  @Option(names = "--resnet-widths", split = ",", paramLabel = "W,W,...", description = "resnet20 only: stage widths (default: 16,32,64).")
  java.util.List<Integer> resnetWidths;

  @Option(names = "--resnet-stem-pool", negatable = true, description = "resnet20 only: the paper's stem max-pool 3x3/2 (default: off, as in He et al.).")
  Boolean resnetStemPool;

  @Option(names = "--dataset", description = "cifar10 | cifar100 | cinic10 | tinyimagenet | mnist | fashion-mnist | synthetic (default: synthetic).")
  String dataset;

  @Option(names = "--data", paramLabel = "DIR", description = "Dataset folder (default: $VANT_DATA/<name>, ~/.vant/data/<name>, and for Fashion-MNIST /usr/share/datasets/fashion-mnist).")
  String data;

  @Option(names = "--limit", paramLabel = "N", description = "Use only the first N training images.")
  Integer limit;

  @Option(names = "--test-limit", paramLabel = "N", description = "Use only the first N test images.")
  Integer testLimit;

  @Option(names = "--epochs", description = "Epochs (default: 10).")
  Integer epochs;

  @Option(names = "--batch", description = "Batch size (default: 128).")
  Integer batch;

  @Option(names = "--optimizer", description = "adam | sgd (default: adam, as in the paper).")
  String optimizer;

  @Option(names = "--lr", description = "Learning rate (default: 0.001).")
  Float lr;

  @Option(names = "--momentum", description = "SGD momentum (default: 0.9).")
  Float momentum;

  @Option(names = "--nesterov", negatable = true, description = "SGD with Nesterov momentum (default: off).")
  Boolean nesterov;

  @Option(names = "--weight-decay", description = "Weight decay, added to the gradient (default: 1e-4).")
  Float weightDecay;

  @Option(names = "--lr-schedule", description = "cosine (annealed per step to 0 over the run) | constant (default: cosine).")
  String lrSchedule;

  @Option(names = "--warmup-epochs", description = "Linear learning-rate warm-up epochs before the schedule (default: 0).")
  Integer warmupEpochs;

  @Option(names = "--noise", description = "none | nt | vant (default: none).")
  String noise;

  @Option(names = "--sigma-train", description = "Training noise level sigma_train, absolute (required > 0 with nt and vant).")
  Float sigmaTrain;

  @Option(names = "--alpha", description = "VANT: sigma_i = alpha*sigma_train + theta*|z_i| (default alpha: 0.45).")
  Float alpha;

  @Option(names = "--theta", description = "VANT spread theta (default: 0.45 * sigma_train).")
  Float theta;

  @Option(names = "--vant-per", description = "VANT level per sample (default) or per epoch: sample | epoch.")
  String vantPer;

  @Option(names = "--ramp-epochs", description = "Linear ramp of the noise level from 0 over the first R epochs (default: 0).")
  Integer rampEpochs;

  @Option(names = "--noise-type", description = "additive | multiplicative | combined (default: additive).")
  String noiseType;

  @Option(names = "--augment", negatable = true, description = "Random crop (pad 4, or 2 below 32 px) and horizontal flip where the data allows it (default: on).")
  Boolean augment;

  @Option(names = "--device", description = "auto | cpu | cuda (default: auto: the GPU when CUDA is usable, else the CPU).")
  String device;

  @Option(names = "--math", paramLabel = "MODE", description = DeviceOption.MATH_HELP)
  String math;

  @Option(names = "--cuda-graph", paramLabel = "auto|on|off", description = "on: record the training step once as a CUDA graph "
      + "and replay it (step, learning rate and Adam's bias corrections read from device memory); results are bit-identical to "
      + "off. auto (default): on with the CUDA backend, off on the CPU. on needs the CUDA backend.")
  String cudaGraph;

  @Option(names = "--seed", description = "Seed of everything random: init, data order, noise, VANT levels (default: 0).")
  Long seed;

  @Option(names = "--threads", description = "CPU threads (default: all cores).")
  Integer threads;

  @Option(names = "--out", paramLabel = "DIR", description = "Run folder (default: runs/<model>-<dataset>-<noise>-s<seed>).")
  Path out;

  @Override
  public Integer call() throws Exception {
    TrainConfig cfg = resolve();
    Path dir = resume != null ? resume : Path.of(cfg.out);
    Datasets.Splits data = loadData(cfg);
    try (Backend backend = DeviceOption.open(cfg.device, cfg.threads, cfg.math)) {
      cfg.math = DeviceOption.mathOf(backend); // config.json records the math the run used
      if (cfg.cudaGraph.equals("on") && !backend.canCaptureSteps()) {
        throw new UsageException("--cuda-graph on needs the CUDA backend; --device " + cfg.device + " runs on " + backend.name());
      }
      try (Trainer t = new Trainer(cfg, data, backend, System.out)) {
        t.fit(dir, resume != null);
      }
    }
    System.out.println("run folder: " + dir);
    return 0;
  }

  private TrainConfig resolve() {
    TrainConfig cfg = new TrainConfig();
    if (resume != null) {
      Path c = Trainer.config(resume);
      if (!Files.isRegularFile(c)) throw new UsageException("--resume " + resume + ": no " + c.getFileName() + " there");
      if (config != null || model != null || dataset != null || epochs != null || noise != null || sigmaTrain != null || seed != null || out != null) {
        throw new UsageException("--resume continues a run with its own config.json; only --device, --math, --cuda-graph and --threads may change");
      }
      cfg.mergeFile(c);
      cfg.out = resume.toString();
    } else if (config != null) {
      cfg.mergeFile(config);
    }
    if (model != null) cfg.model = model;
    if (resnetBlocks != null) cfg.resnetBlocks = resnetBlocks;
    if (resnetWidths != null) cfg.resnetWidths = resnetWidths;
    if (resnetStemPool != null) cfg.resnetStemPool = resnetStemPool;
    if (dataset != null) cfg.dataset = dataset;
    if (data != null) cfg.data = data;
    if (limit != null) cfg.limit = limit;
    if (testLimit != null) cfg.testLimit = testLimit;
    if (epochs != null) cfg.epochs = epochs;
    if (batch != null) cfg.batch = batch;
    if (optimizer != null) cfg.optimizer = optimizer;
    if (lr != null) cfg.lr = lr;
    if (momentum != null) cfg.momentum = momentum;
    if (nesterov != null) cfg.nesterov = nesterov;
    if (weightDecay != null) cfg.weightDecay = weightDecay;
    if (lrSchedule != null) cfg.lrSchedule = lrSchedule;
    if (warmupEpochs != null) cfg.warmupEpochs = warmupEpochs;
    if (noise != null) cfg.noise = noise;
    if (sigmaTrain != null) cfg.sigmaTrain = sigmaTrain;
    if (alpha != null) cfg.alpha = alpha;
    if (theta != null) cfg.theta = theta;
    if (vantPer != null) cfg.vantPer = vantPer;
    if (rampEpochs != null) cfg.rampEpochs = rampEpochs;
    if (noiseType != null) cfg.noiseType = noiseType;
    if (augment != null) cfg.augment = augment;
    if (device != null) cfg.device = device;
    if (math != null) cfg.math = math;
    if (cudaGraph != null) cfg.cudaGraph = cudaGraph;
    if (seed != null) cfg.seed = seed;
    if (threads != null) cfg.threads = threads;
    if (out != null) cfg.out = out.toString();
    if (cfg.out == null) cfg.out = "runs/" + cfg.model + "-" + cfg.dataset + "-" + cfg.noise + "-s" + cfg.seed;
    return cfg.validate();
  }

  /** Loads the run's dataset; a missing or malformed dataset is a usage error naming the file. */
  public static Datasets.Splits loadData(TrainConfig cfg) {
    Datasets.Options o = Datasets.Options.defaults()
        .withLimits(cfg.limit == null ? 0 : cfg.limit, cfg.testLimit == null ? 0 : cfg.testLimit);
    try {
      return Datasets.load(cfg.dataset, cfg.data == null ? null : Path.of(cfg.data), o);
    } catch (java.io.IOException e) {
      throw new UsageException("--dataset " + cfg.dataset + ": " + e.getMessage());
    }
  }
}
