package dev.vant.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vant.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One line of {@code metrics.jsonl}: the results of one epoch.
 *
 * @param epoch 1-based
 * @param loss mean training loss over the epoch (under the training noise)
 * @param trainAccuracy training accuracy over the epoch (under the training noise, augmented data)
 * @param testClean test accuracy without noise (BatchNorm in inference mode)
 * @param sigmaTrain the schedule's target level
 * @param testAtSigmaTrain test accuracy at inference noise sigma_train (NaN -> null when sigma_train is 0)
 * @param sigmaMean mean of the per-sample training levels used in the epoch
 * @param sigmaStd their standard deviation
 * @param sigmaMin smallest level used
 * @param sigmaMax largest level used
 * @param lr learning rate at the epoch's first step
 * @param imagesPerSecond training throughput (forward, backward, update; without evaluation)
 * @param seconds wall time of the epoch including the two test evaluations
 */
public record EpochMetrics(
    @JsonProperty("epoch") int epoch,
    @JsonProperty("loss") double loss,
    @JsonProperty("train_acc") double trainAccuracy,
    @JsonProperty("test_acc_clean") double testClean,
    @JsonProperty("sigma_train") double sigmaTrain,
    @JsonProperty("test_acc_sigma_train") Double testAtSigmaTrain,
    @JsonProperty("sigma_mean") double sigmaMean,
    @JsonProperty("sigma_std") double sigmaStd,
    @JsonProperty("sigma_min") double sigmaMin,
    @JsonProperty("sigma_max") double sigmaMax,
    @JsonProperty("lr") double lr,
    @JsonProperty("images_per_s") double imagesPerSecond,
    @JsonProperty("seconds") double seconds) {

  public EpochMetrics {
    if (testAtSigmaTrain != null && testAtSigmaTrain.isNaN()) testAtSigmaTrain = null;
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The log line printed after the epoch. */
  public String line(int epochs) {
    return String.format(Locale.ROOT, "epoch %d/%d  loss %.4f  train %.2f%%  test %.2f%%%s  sigma %.3f±%.3f  %.0f img/s  %.1f s",
        epoch, epochs, loss, 100 * trainAccuracy, 100 * testClean,
        testAtSigmaTrain == null ? "" : String.format(Locale.ROOT, "  @sigma %.2f: %.2f%%", sigmaTrain, 100 * testAtSigmaTrain),
        sigmaMean, sigmaStd, imagesPerSecond, seconds);
  }

  /** Rewrites {@code file} with one JSON line per epoch, atomically. */
  static void write(Path file, List<EpochMetrics> all) throws IOException {
    StringBuilder b = new StringBuilder();
    for (EpochMetrics m : all) b.append(JSON.writeValueAsString(m)).append('\n');
    AtomicFiles.writeString(file, b.toString());
  }

  /** The first {@code epochs} lines of {@code file} (a resumed run keeps the epochs it already did). */
  static List<EpochMetrics> read(Path file, int epochs) throws IOException {
    List<EpochMetrics> out = new ArrayList<>();
    if (epochs == 0) return out;
    if (!Files.isRegularFile(file)) throw new IOException(file + ": missing; cannot resume without the earlier epochs' metrics");
    List<String> lines = Files.readAllLines(file);
    if (lines.size() < epochs) throw new IOException(file + ": has " + lines.size() + " epochs, the checkpoint " + epochs);
    for (int i = 0; i < epochs; i++) out.add(JSON.readValue(lines.get(i), EpochMetrics.class));
    return out;
  }
}
