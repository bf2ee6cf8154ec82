package dev.vant.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The datasets by name, as {@code --dataset} and {@code --data} select them, with their train/test
 * splits, normalization and default augmentation.
 *
 * <p>Where files are looked for when no folder is given ({@link #defaultDirs}): {@code $VANT_DATA/<name>},
 * then {@code ~/.vant/data/<name>}; for fashion-mnist also {@code /usr/share/datasets/fashion-mnist}
 * (Debian's {@code dataset-fashion-mnist} package). The test split of tinyimagenet is its {@code val}
 * folder; cinic10's {@code valid} folder is not used.
 */
public final class Datasets {
  /** The names {@code --dataset} accepts. */
  public static final List<String> NAMES =
      List.of("cifar10", "cifar100", "cinic10", "tinyimagenet", "mnist", "fashion-mnist", "synthetic");

  private Datasets() {}

  /**
   * How to load.
   *
   * @param limit first N training images (0: all)
   * @param testLimit first N test images (0: all)
   * @param seed seed of the synthetic images
   * @param syntheticTrain synthetic training images when limit is 0
   * @param syntheticTest synthetic test images when testLimit is 0
   * @param height synthetic image height, {@code width}, {@code channels} likewise
   */
  public record Options(int limit, int testLimit, long seed, int syntheticTrain, int syntheticTest, int height, int width,
      int channels) {
    /** All images; synthetic: 10 000 train + 2 000 test images of 28x28x1, seed 1. */
    public static Options defaults() {
      return new Options(0, 0, 1L, 10_000, 2_000, 28, 28, 1);
    }

    public Options withLimits(int limit, int testLimit) {
      return new Options(limit, testLimit, seed, syntheticTrain, syntheticTest, height, width, channels);
    }

    public Options withSynthetic(long seed, int height, int width, int channels) {
      return new Options(limit, testLimit, seed, syntheticTrain, syntheticTest, height, width, channels);
    }
  }

  /**
   * Train and test split with what training and evaluation need.
   *
   * @param normalization known constants of the dataset, or computed from {@code train} (synthetic)
   * @param augment the default training augmentation ({@link Augment#standard})
   * @param source the folder read, or null for synthetic data
   */
  public record Splits(String name, Dataset train, Dataset test, Normalization normalization, Augment augment, Path source) {}

  /**
   * Loads a dataset.
   *
   * @param name one of {@link #NAMES}
   * @param dir the dataset folder, or null to search {@link #defaultDirs}
   * @throws IllegalArgumentException for an unknown name
   * @throws IOException (a {@link BadDataException} naming the file) for missing or malformed data
   */
  public static Splits load(String name, Path dir, Options o) throws IOException {
    String n = name.toLowerCase(Locale.ROOT);
    if (!NAMES.contains(n)) throw new IllegalArgumentException("unknown dataset '" + name + "' (expected one of " + String.join(", ", NAMES) + ")");
    Dataset train, test;
    Path src = null;
    if (n.equals("synthetic")) {
      train = SyntheticDataset.generate(true, o.limit() > 0 ? o.limit() : o.syntheticTrain(), o.height(), o.width(), o.channels(), o.seed());
      test = SyntheticDataset.generate(false, o.testLimit() > 0 ? o.testLimit() : o.syntheticTest(), o.height(), o.width(), o.channels(), o.seed());
    } else {
      src = dir != null ? dir : findDir(n);
      switch (n) {
        case "cifar10" -> { train = CifarReader.cifar10(src, true, o.limit()); test = CifarReader.cifar10(src, false, o.testLimit()); }
        case "cifar100" -> { train = CifarReader.cifar100(src, true, o.limit()); test = CifarReader.cifar100(src, false, o.testLimit()); }
        case "cinic10" -> { train = Cinic10Reader.read(src, "train", o.limit()); test = Cinic10Reader.read(src, "test", o.testLimit()); }
        case "tinyimagenet" -> { train = TinyImageNetReader.read(src, true, o.limit()); test = TinyImageNetReader.read(src, false, o.testLimit()); }
        case "mnist" -> { train = IdxReader.mnist(src, true, o.limit()); test = IdxReader.mnist(src, false, o.testLimit()); }
        default -> { train = IdxReader.fashionMnist(src, true, o.limit()); test = IdxReader.fashionMnist(src, false, o.testLimit()); }
      }
    }
    return new Splits(n, train, test, Normalization.forDataset(n, train), Augment.standard(train), src);
  }

  /** The folders searched for {@code name} when {@code --data} is not given, in order. */
  public static List<Path> defaultDirs(String name) {
    List<Path> dirs = new ArrayList<>();
    String env = System.getenv("VANT_DATA");
    if (env != null && !env.isBlank()) dirs.add(Path.of(env, name));
    dirs.add(Path.of(System.getProperty("user.home"), ".vant", "data", name));
    if (name.equals("fashion-mnist")) dirs.add(IdxReader.DEBIAN_FASHION_MNIST);
    return dirs;
  }

  /** Images in {@link #demoSubset}: the first 9000 training and 2000 test images of Fashion-MNIST. */
  public static final int DEMO_TRAIN = 9_000, DEMO_TEST = 2_000;

  /**
   * The Fashion-MNIST subset that ships with vant ({@code data/fashion-mnist-demo/} of the source tree,
   * found through the system property {@code vant.home} that the {@code ./vant} launcher sets), or null when
   * it is not there (e.g. the jar runs on its own). It holds the first {@link #DEMO_TRAIN} / {@link #DEMO_TEST}
   * images of each split, so a demo run on it equals one on the full set.
   */
  public static Path demoSubset() {
    String home = System.getProperty("vant.home");
    if (home == null || home.isBlank()) return null;
    Path d = Path.of(home, "data", "fashion-mnist-demo");
    return IdxReader.present(d) ? d : null;
  }

  /** True when Fashion-MNIST is found without a {@code --data} folder (the demo's choice of data). */
  public static boolean fashionMnistInstalled() {
    for (Path d : defaultDirs("fashion-mnist")) if (IdxReader.present(d)) return true;
    return false;
  }

  private static Path findDir(String name) throws IOException {
    List<Path> dirs = defaultDirs(name);
    for (Path d : dirs) if (Files.isDirectory(d)) return d;
    throw new BadDataException(dirs.get(0), "no " + name + " data found; give --data DIR or put it in one of " + dirs
        + (name.equals("fashion-mnist") ? " (apt-get install dataset-fashion-mnist)" : ""));
  }
}
