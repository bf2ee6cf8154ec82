package dev.vant.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CIFAR-10 and CIFAR-100 in their "binary version" distribution format.
 *
 * <ul>
 *   <li>CIFAR-10 ({@code cifar-10-batches-bin/}): {@code data_batch_1.bin .. data_batch_5.bin} (train) and
 *       {@code test_batch.bin}; each record is 1 label byte (0..9) + 3072 pixel bytes; class names from
 *       {@code batches.meta.txt} when present.</li>
 *   <li>CIFAR-100 ({@code cifar-100-binary/}): {@code train.bin}, {@code test.bin}; each record is 1 coarse
 *       label byte (0..19) + 1 fine label byte (0..99) + 3072 pixel bytes; the fine label is the class.
 *       Names from {@code fine_label_names.txt} when present.</li>
 * </ul>
 * Pixels are stored channel-planar (1024 R, 1024 G, 1024 B, rows top to bottom); they are converted
 * to HWC. {@code dir} may be the folder holding the files or its parent holding the standard subfolder.
 */
public final class CifarReader {
  static final int PIXELS = 3072;
  private static final String[] CIFAR10_NAMES = {
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"
  };

  private CifarReader() {}

  /** CIFAR-10 train (5 batches, 50 000 images) or test (10 000); stops reading after {@code limit} images (0: all). */
  public static Dataset cifar10(Path dir, boolean train, int limit) throws IOException {
    Path d = locate(dir, "cifar-10-batches-bin", "test_batch.bin", "data_batch_1.bin");
    List<Path> files = new ArrayList<>();
    if (train) for (int i = 1; i <= 5; i++) files.add(d.resolve("data_batch_" + i + ".bin"));
    else files.add(d.resolve("test_batch.bin"));
    List<String> names = names(d.resolve("batches.meta.txt"), 10);
    if (names == null) names = List.of(CIFAR10_NAMES);
    return read("cifar10/" + (train ? "train" : "test"), files, 0, 10, names, limit);
  }

  /** CIFAR-100 train (50 000) or test (10 000) with the 100 fine labels. */
  public static Dataset cifar100(Path dir, boolean train, int limit) throws IOException {
    Path d = locate(dir, "cifar-100-binary", "test.bin", "train.bin");
    List<String> names = names(d.resolve("fine_label_names.txt"), 100);
    if (names == null) {
      names = new ArrayList<>();
      for (int i = 0; i < 100; i++) names.add("class" + i);
    }
    return read("cifar100/" + (train ? "train" : "test"), List.of(d.resolve(train ? "train.bin" : "test.bin")), 1, 100,
        names, limit);
  }

  private static Path locate(Path dir, String sub, String... marker) throws IOException {
    if (!Files.isDirectory(dir)) throw new BadDataException(dir, "no such folder (expected the " + sub + " folder or its parent)");
    for (String m : marker) if (Files.exists(dir.resolve(m))) return dir;
    Path s = dir.resolve(sub);
    for (String m : marker) if (Files.exists(s.resolve(m))) return s;
    return dir; // the missing file is then reported by name
  }

  private static List<String> names(Path f, int n) throws IOException {
    if (!Files.isRegularFile(f)) return null;
    List<String> names = new ArrayList<>();
    for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) if (!line.isBlank()) names.add(line.trim());
    return names.size() == n ? names : null;
  }

  /**
   * Reads records of {@code skip} extra label bytes + 1 class byte + 3072 pixels.
   */
  private static Dataset read(String name, List<Path> files, int skip, int classes, List<String> names, int limit)
      throws IOException {
    int rec = 1 + skip + PIXELS;
    long total = 0;
    for (Path f : files) {
      if (!Files.isRegularFile(f)) throw new BadDataException(f, "missing (expected a CIFAR binary batch file)");
      long size = Files.size(f);
      if (size == 0 || size % rec != 0) {
        throw new BadDataException(f, "truncated or corrupt: " + size + " bytes is not a positive multiple of the "
            + rec + "-byte record (" + (1 + skip) + " label byte(s) + 3072 pixels)");
      }
      total += size / rec;
    }
    int n = (int) (limit > 0 ? Math.min(limit, total) : total);
    byte[] px = new byte[n * PIXELS];
    int[] labels = new int[n];
    int i = 0;
    for (Path f : files) {
      if (i >= n) break;
      byte[] data = Files.readAllBytes(f);
      int records = data.length / rec;
      for (int r = 0; r < records && i < n; r++, i++) {
        int o = r * rec;
        int label = data[o + skip] & 0xFF;
        if (label >= classes) {
          throw new BadDataException(f, "record " + r + " has label " + label + ", expected 0.." + (classes - 1));
        }
        labels[i] = label;
        int src = o + 1 + skip;
        int dst = i * PIXELS;
        for (int p = 0; p < 1024; p++) {
          px[dst + 3 * p] = data[src + p];
          px[dst + 3 * p + 1] = data[src + 1024 + p];
          px[dst + 3 * p + 2] = data[src + 2048 + p];
        }
      }
    }
    return new Dataset(name, 32, 32, 3, names, px, labels, false);
  }
}
