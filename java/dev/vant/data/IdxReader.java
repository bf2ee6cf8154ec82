package dev.vant.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * MNIST and Fashion-MNIST in the IDX format, plain or gzipped: {@code train-images-idx3-ubyte},
 * {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}, each
 * optionally ending in {@code .gz} (the variant spelling {@code train-images.idx3-ubyte} is accepted too).
 * Images: magic 0x00000803, then count, rows, cols (big-endian int32), then the bytes; labels: magic
 * 0x00000801, count, bytes 0..9.
 */
public final class IdxReader {
  /** Where Debian's {@code dataset-fashion-mnist} package installs Fashion-MNIST. */
  public static final Path DEBIAN_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

  static final List<String> MNIST_NAMES = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
  static final List<String> FASHION_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
      "Shirt", "Sneaker", "Bag", "Ankle boot");

  private IdxReader() {}

  /** MNIST (digit-like: no flips) from {@code dir}. */
  public static Dataset mnist(Path dir, boolean train, int limit) throws IOException {
    return read("mnist", dir, train, limit, MNIST_NAMES, true);
  }

  /** Fashion-MNIST from {@code dir} (flips allowed: clothes are roughly mirror-symmetric). */
  public static Dataset fashionMnist(Path dir, boolean train, int limit) throws IOException {
    return read("fashion-mnist", dir, train, limit, FASHION_NAMES, false);
  }

  /** True when {@code dir} holds the four IDX files (plain or gzipped). */
  public static boolean present(Path dir) {
    for (String p : new String[] {"train-images", "train-labels", "t10k-images", "t10k-labels"}) {
      if (find(dir, p) == null) return false;
    }
    return true;
  }

  static Dataset read(String name, Path dir, boolean train, int limit, List<String> names, boolean digitLike)
      throws IOException {
    if (!Files.isDirectory(dir)) throw new BadDataException(dir, "no such folder (expected the " + name + " IDX files)");
    String prefix = train ? "train" : "t10k";
    Path imgFile = find(dir, prefix + "-images");
    Path lblFile = find(dir, prefix + "-labels");
    if (imgFile == null) throw new BadDataException(dir.resolve(prefix + "-images-idx3-ubyte"), "missing (also looked for .gz)");
    if (lblFile == null) throw new BadDataException(dir.resolve(prefix + "-labels-idx1-ubyte"), "missing (also looked for .gz)");
    int[] labels;
    int lblCount;
    try (DataInputStream in = open(lblFile)) {
      magic(in, lblFile, 0x00000801, "labels (idx1, unsigned byte)");
      lblCount = count(in, lblFile, "label count");
      int n = limit > 0 ? Math.min(limit, lblCount) : lblCount;
      labels = new int[n];
      byte[] b = new byte[n];
      fully(in, b, lblFile, n + " labels");
      for (int i = 0; i < n; i++) {
        labels[i] = b[i] & 0xFF;
        if (labels[i] >= names.size()) {
          throw new BadDataException(lblFile, "label " + labels[i] + " at index " + i + ", expected 0.." + (names.size() - 1));
        }
      }
    }
    try (DataInputStream in = open(imgFile)) {
      magic(in, imgFile, 0x00000803, "images (idx3, unsigned byte)");
      int count = count(in, imgFile, "image count");
      int rows = count(in, imgFile, "rows");
      int cols = count(in, imgFile, "cols");
      if (count != lblCount) throw new BadDataException(imgFile, count + " images but " + lblFile.getFileName() + " has " + lblCount + " labels");
      if (rows <= 0 || cols <= 0 || rows > 4096 || cols > 4096) {
        throw new BadDataException(imgFile, "image size " + rows + "x" + cols + ", expected positive dimensions up to 4096");
      }
      int n = labels.length;
      byte[] px = new byte[n * rows * cols];
      fully(in, px, imgFile, n + " images of " + rows + "x" + cols);
      return new Dataset(name + "/" + (train ? "train" : "test"), rows, cols, 1, names, px, labels, digitLike);
    }
  }

  private static Path find(Path dir, String stem) {
    String dotted = stem.replace("-images", "-images.idx3-ubyte").replace("-labels", "-labels.idx1-ubyte");
    String plain = stem + (stem.endsWith("images") ? "-idx3-ubyte" : "-idx1-ubyte");
    for (String n : new String[] {plain, plain + ".gz", dotted, dotted + ".gz"}) {
      Path p = dir.resolve(n);
      if (Files.isRegularFile(p)) return p;
    }
    return null;
  }

  private static DataInputStream open(Path f) throws IOException {
    InputStream raw = new BufferedInputStream(Files.newInputStream(f), 1 << 16);
    if (f.getFileName().toString().endsWith(".gz")) {
      try {
        raw = new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16);
      } catch (IOException e) {
        raw.close();
        throw new BadDataException(f, "not a valid gzip file (" + e.getMessage() + ")", e);
      }
    }
    return new DataInputStream(raw);
  }

  private static void magic(DataInputStream in, Path f, int expected, String what) throws IOException {
    int m;
    try {
      m = in.readInt();
    } catch (EOFException e) {
      throw new BadDataException(f, "truncated: file ends in the header (magic number)", e);
    } catch (IOException e) {
      throw new BadDataException(f, "corrupt: " + e.getMessage(), e);
    }
    if (m != expected) {
      throw new BadDataException(f, String.format("wrong magic number 0x%08x, expected 0x%08x for %s", m, expected, what));
    }
  }

  private static int count(DataInputStream in, Path f, String what) throws IOException {
    try {
      int v = in.readInt();
      if (v < 0) throw new BadDataException(f, "negative " + what + " " + v);
      return v;
    } catch (EOFException e) {
      throw new BadDataException(f, "truncated: file ends in the header (" + what + ")", e);
    } catch (IOException e) {
      if (e instanceof BadDataException) throw e;
      throw new BadDataException(f, "corrupt: " + e.getMessage(), e);
    }
  }

  private static void fully(DataInputStream in, byte[] b, Path f, String what) throws IOException {
    try {
      in.readFully(b);
    } catch (EOFException e) {
      throw new BadDataException(f, "truncated: file ends before " + what + " were read", e);
    } catch (IOException e) {
      throw new BadDataException(f, "corrupt: " + e.getMessage(), e);
    }
  }
}
