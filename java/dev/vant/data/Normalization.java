package dev.vant.data;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Per-channel normalization {@code x = (p / 255 - mean[c]) / std[c]} with mean and std in [0, 1] pixel
 * units. The usual published constants of the full training splits are built in ({@link #known});
 * {@link #compute} measures them on a split (use the training split, never the test split).
 */
public record Normalization(float[] mean, float[] std) {

  /** Validates one positive std per mean. */
  public Normalization {
    if (mean.length == 0 || mean.length != std.length) {
      throw new IllegalArgumentException("normalization: mean " + Arrays.toString(mean) + " and std " + Arrays.toString(std) + " differ in length");
    }
    for (float s : std) if (!(s > 0)) throw new IllegalArgumentException("normalization: std must be > 0, got " + Arrays.toString(std));
    mean = mean.clone();
    std = std.clone();
  }

  /**
   * Constants of the full training splits: cifar10, cifar100, cinic10 (train), tinyimagenet, mnist,
   * fashion-mnist. Empty for other names (e.g. synthetic: compute it).
   */
  public static Optional<Normalization> known(String dataset) {
    return Optional.ofNullable(switch (dataset.toLowerCase(Locale.ROOT)) {
      case "cifar10" -> new Normalization(new float[] {0.4914f, 0.4822f, 0.4465f}, new float[] {0.2470f, 0.2435f, 0.2616f});
      case "cifar100" -> new Normalization(new float[] {0.5071f, 0.4865f, 0.4409f}, new float[] {0.2673f, 0.2564f, 0.2762f});
      case "cinic10" -> new Normalization(new float[] {0.47889522f, 0.47227842f, 0.43047404f},
          new float[] {0.24205776f, 0.23828046f, 0.25874835f});
      case "tinyimagenet" -> new Normalization(new float[] {0.4802f, 0.4481f, 0.3975f}, new float[] {0.2770f, 0.2691f, 0.2821f});
      case "mnist" -> new Normalization(new float[] {0.1307f}, new float[] {0.3081f});
      case "fashion-mnist" -> new Normalization(new float[] {0.2860f}, new float[] {0.3530f});
      default -> null;
    });
  }

  /** Mean and (population) std per channel over all pixels of {@code ds}; a constant channel gets std 1. */
  public static Normalization compute(Dataset ds) {
    int c = ds.channels();
    double[] sum = new double[c], sq = new double[c];
    byte[] p = ds.pixels();
    for (int i = 0; i < p.length; i++) {
      double v = (p[i] & 0xFF) / 255.0;
      sum[i % c] += v;
      sq[i % c] += v * v;
    }
    double n = (double) p.length / c;
    float[] m = new float[c], s = new float[c];
    for (int k = 0; k < c; k++) {
      double mu = sum[k] / n;
      double var = Math.max(0, sq[k] / n - mu * mu);
      m[k] = (float) mu;
      s[k] = var > 1e-12 ? (float) Math.sqrt(var) : 1f;
    }
    return new Normalization(m, s);
  }

  /** {@code known(name)} when available and the channel count matches, else {@code compute(train)}. */
  public static Normalization forDataset(String name, Dataset train) {
    return known(name).filter(n -> n.channels() == train.channels()).orElseGet(() -> compute(train));
  }

  public int channels() {
    return mean.length;
  }

  /** The normalized value of raw pixel {@code p} (0..255) in channel c. */
  public float apply(int p, int c) {
    return (p / 255f - mean[c]) / std[c];
  }

  @Override
  public String toString() {
    return "Normalization[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
  }
}
