package dev.vant.train;

import dev.vant.backend.Backend;
import dev.vant.cli.UsageException;
import dev.vant.data.Datasets;
import dev.vant.eval.Evaluator;
import dev.vant.io.Checkpoint;
import dev.vant.nn.Model;
import dev.vant.noise.NoiseSchedule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A finished (or stopped) run folder opened for evaluation: its config, its data, and its model with the
 * checkpoint's weights and BatchNorm statistics, on a backend of the caller's choice.
 */
public final class TrainedRun implements AutoCloseable {
  private final Path dir;
  private final TrainConfig cfg;
  private final Datasets.Splits data;
  private final Backend backend;
  private final Model model;

  private TrainedRun(Path dir, TrainConfig cfg, Datasets.Splits data, Backend backend, Model model) {
    this.dir = dir;
    this.cfg = cfg;
    this.data = data;
    this.backend = backend;
    this.model = model;
  }

  /**
   * Opens {@code dir} (its config.json and checkpoint.safetensors, or {@code checkpoint} when not null).
   *
   * @param testLimit evaluate only the first N test images (null: the run's own --test-limit)
   */
  public static TrainedRun open(Path dir, Path checkpoint, String device, int threads, Integer testLimit) throws IOException {
    return open(dir, checkpoint, device, null, threads, testLimit);
  }

  /** As {@link #open(Path, Path, String, int, Integer)}, with the GPU's GEMMs in {@code math} ("fp32", "tf32", "tf32rz"; null: the device's default). */
  public static TrainedRun open(Path dir, Path checkpoint, String device, String math, int threads, Integer testLimit)
      throws IOException {
    Path conf = Trainer.config(dir);
    if (!Files.isRegularFile(conf)) throw new UsageException(dir + ": not a run folder (no config.json)");
    TrainConfig cfg = TrainConfig.fromJson(conf);
    if (testLimit != null) cfg.testLimit = testLimit;
    Path ckpt = checkpoint != null ? checkpoint : Trainer.checkpoint(dir);
    if (!Files.isRegularFile(ckpt)) throw new UsageException(ckpt + ": no checkpoint (has the run finished an epoch?)");
    Datasets.Splits data = dev.vant.cli.TrainCommand.loadData(cfg);
    Backend backend = dev.vant.cli.DeviceOption.open(device, threads, math);
    Model model = null;
    try {
      var t = data.train();
      model = ModelFactory.builder(cfg, t.channels(), t.height(), t.width(), t.numClasses())
          .build(backend, Trainer.seeds(cfg.seed).get("init"));
      Checkpoint.load(ckpt, model, null);
      return new TrainedRun(dir, cfg, data, backend, model);
    } catch (IOException | RuntimeException e) {
      if (model != null) model.close();
      backend.close();
      throw e;
    }
  }

  public Path dir() {
    return dir;
  }

  public TrainConfig config() {
    return cfg;
  }

  public Datasets.Splits data() {
    return data;
  }

  public Model model() {
    return model;
  }

  /** The backend the model lives on. */
  public Backend backend() {
    return backend;
  }

  /** An evaluator with the run's noise seed and noise type. */
  public Evaluator evaluator(int batch) {
    return new Evaluator(model, data.test(), data.normalization(), batch, Trainer.seeds(cfg.seed).get("noise"),
        NoiseSchedule.parseType(cfg.noiseType));
  }

  /** "nt sigma 1.0" — a label for curves and tables. */
  public String label() {
    return dir.getFileName() + " (" + (cfg.noise.equals("none") ? "no noise" : cfg.noise + " sigma " + cfg.sigmaTrain) + ")";
  }

  @Override
  public void close() {
    model.close();
    backend.close();
  }
}
