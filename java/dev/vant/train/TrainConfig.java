package dev.vant.train;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vant.cli.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Everything that defines a training run. The keys are the flags of {@code vant train} without their
 * dashes ({@code sigma-train: 1.0}); {@code --config FILE} (YAML or JSON) sets them, explicit flags win, and
 * the run writes the resolved values to {@code config.json}, from which it can be rerun or resumed.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = false)
public final class TrainConfig {
  public static final List<String> MODELS = List.of("resnet18", "resnet34", "resnet50", "resnet20", "lenet5", "mlp");
  public static final List<String> DATASETS =
      List.of("cifar10", "cifar100", "cinic10", "tinyimagenet", "mnist", "fashion-mnist", "synthetic");

  @JsonProperty("model") public String model = "resnet20";
  /** resnet20 only: basic blocks per stage (default 3,3,3). */
  @JsonProperty("resnet-blocks") public List<Integer> resnetBlocks;
  /** resnet20 only: widths of the stages (default 16,32,64). */
  @JsonProperty("resnet-widths") public List<Integer> resnetWidths;
  /** resnet20 only: the paper's stem max-pool 3x3/2 (default off, as in He et al.). */
  @JsonProperty("resnet-stem-pool") public Boolean resnetStemPool;
  @JsonProperty("dataset") public String dataset = "synthetic";
  @JsonProperty("data") public String data;
  @JsonProperty("limit") public Integer limit;
  @JsonProperty("test-limit") public Integer testLimit;
  @JsonProperty("epochs") public int epochs = 10;
  @JsonProperty("batch") public int batch = 128;
  @JsonProperty("optimizer") public String optimizer = "adam";
  @JsonProperty("lr") public float lr = 1e-3f;
  @JsonProperty("momentum") public float momentum = 0.9f;
  @JsonProperty("nesterov") public boolean nesterov;
  @JsonProperty("weight-decay") public float weightDecay = 1e-4f;
  @JsonProperty("lr-schedule") public String lrSchedule = "cosine";
  @JsonProperty("warmup-epochs") public int warmupEpochs;
  @JsonProperty("noise") public String noise = "none";
  @JsonProperty("sigma-train") public float sigmaTrain;
  @JsonProperty("alpha") public float alpha = 0.45f;
  /** Null means the default 0.45 * sigma-train (the paper uses about 0.4-0.5 x sigma_train). */
  @JsonProperty("theta") public Float theta;
  @JsonProperty("vant-per") public String vantPer = "sample";
  @JsonProperty("ramp-epochs") public int rampEpochs;
  @JsonProperty("noise-type") public String noiseType = "additive";
  @JsonProperty("augment") public boolean augment = true;
  @JsonProperty("device") public String device = "auto";
  /**
   * GEMM arithmetic on a GPU: "fp32", "tf32" or "tf32rz"; null = the device's default (TF32 on compute capability 8.0+).
   * The run records the math its backend used (CPU backends: "fp32").
   */
  @JsonProperty("math") public String math;
  /**
   * "on": the CUDA trainer records a training step once as a CUDA graph and replays it (Trainer); "off": every
   * step is launched op by op; "auto" (default): on with a backend that can record (the GPU), off otherwise.
   * "on" needs the CUDA backend.
   */
  @JsonProperty("cuda-graph") public String cudaGraph = "auto";
  @JsonProperty("seed") public long seed;
  @JsonProperty("threads") public int threads = Runtime.getRuntime().availableProcessors();
  @JsonProperty("out") public String out;

  private static ObjectMapper json() {
    return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  }

  /** Reads a YAML or JSON file over these values (keys as the flags, without dashes). */
  public void mergeFile(Path file) {
    if (!Files.isRegularFile(file)) throw new UsageException("--config " + file + ": no such file");
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    ObjectMapper m = name.endsWith(".yaml") || name.endsWith(".yml") ? new ObjectMapper(new YAMLFactory()) : json();
    m.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    try {
      m.readerForUpdating(this).readValue(file.toFile());
    } catch (JsonMappingException e) {
      throw new UsageException("--config " + file + ": " + e.getOriginalMessage() + " at " + path(e));
    } catch (IOException e) {
      throw new UsageException("--config " + file + ": cannot read: " + e.getMessage());
    }
  }

  private static String path(JsonMappingException e) {
    StringBuilder b = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      b.append(r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]").append(' ');
    }
    return b.length() == 0 ? "top level" : "key '" + b.toString().trim() + "'";
  }

  /** The theta in effect. */
  public float thetaValue() {
    return theta != null ? theta : 0.45f * sigmaTrain;
  }

  /** Checks every value; the first bad one becomes a {@link UsageException} naming the flag. */
  public TrainConfig validate() {
    oneOf("--model", model, MODELS);
    oneOf("--dataset", dataset, DATASETS);
    oneOf("--optimizer", optimizer, List.of("adam", "sgd"));
    oneOf("--lr-schedule", lrSchedule, List.of("cosine", "constant"));
    oneOf("--noise", noise, List.of("none", "nt", "vant"));
    oneOf("--noise-type", noiseType, List.of("additive", "multiplicative", "combined"));
    oneOf("--vant-per", vantPer, List.of("sample", "epoch"));
    oneOf("--device", device, List.of("auto", "cpu", "cuda"));
    if (math != null) oneOf("--math", math.trim().toLowerCase(Locale.ROOT), List.of("fp32", "tf32", "tf32rz"));
    oneOf("--cuda-graph", cudaGraph, List.of("auto", "on", "off"));
    if (cudaGraph.equals("on") && device.equals("cpu")) {
      throw new UsageException("--cuda-graph on records GPU launches: it needs --device cuda or auto, not --device cpu");
    }
    positive("--epochs", epochs);
    positive("--batch", batch);
    positive("--threads", threads);
    if (limit != null) positive("--limit", limit);
    if (testLimit != null) positive("--test-limit", testLimit);
    if (!(lr > 0) || !Float.isFinite(lr)) throw new UsageException("--lr must be > 0, got " + lr);
    nonNegative("--weight-decay", weightDecay);
    nonNegative("--momentum", momentum);
    nonNegative("--sigma-train", sigmaTrain);
    nonNegative("--alpha", alpha);
    if (theta != null) nonNegative("--theta", theta);
    if (rampEpochs < 0) throw new UsageException("--ramp-epochs must be >= 0, got " + rampEpochs);
    if (warmupEpochs < 0) throw new UsageException("--warmup-epochs must be >= 0, got " + warmupEpochs);
    if (!noise.equals("none") && !(sigmaTrain > 0)) {
      throw new UsageException("--noise " + noise + " needs --sigma-train > 0");
    }
    boolean custom = resnetBlocks != null || resnetWidths != null || resnetStemPool != null;
    if (custom && !model.equals("resnet20")) {
      throw new UsageException("--resnet-blocks, --resnet-widths and --resnet-stem-pool shape the small ResNet: they need --model resnet20");
    }
    if (resnetBlocks != null && (resnetBlocks.isEmpty() || resnetBlocks.stream().anyMatch(b -> b == null || b < 1))) {
      throw new UsageException("--resnet-blocks must be a list of counts >= 1, got " + resnetBlocks);
    }
    if (resnetWidths != null && (resnetWidths.isEmpty() || resnetWidths.stream().anyMatch(x -> x == null || x < 1))) {
      throw new UsageException("--resnet-widths must be a list of widths >= 1, got " + resnetWidths);
    }
    if (resnetBlocks != null && resnetWidths != null && resnetBlocks.size() != resnetWidths.size()) {
      throw new UsageException("--resnet-blocks " + resnetBlocks + " and --resnet-widths " + resnetWidths + " need one entry per stage");
    }
    if (data != null && !Files.isDirectory(Path.of(data))) {
      throw new UsageException("--data " + data + ": no such folder");
    }
    return this;
  }

  private static void oneOf(String flag, String v, List<String> allowed) {
    if (v == null || !allowed.contains(v)) {
      throw new UsageException(flag + ": unknown value '" + v + "' (expected one of " + String.join(", ", allowed) + ")");
    }
  }

  private static void positive(String flag, long v) {
    if (v <= 0) throw new UsageException(flag + " must be > 0, got " + v);
  }

  private static void nonNegative(String flag, float v) {
    if (!(v >= 0) || !Float.isFinite(v)) throw new UsageException(flag + " must be a finite number >= 0, got " + v);
  }

  /** The config as pretty JSON (what {@code config.json} holds). */
  public String toJson() {
    try {
      return json().writeValueAsString(this);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Reads a {@code config.json} written by {@link #toJson()}. */
  public static TrainConfig fromJson(Path file) {
    TrainConfig c = new TrainConfig();
    c.mergeFile(file);
    return c;
  }
}
