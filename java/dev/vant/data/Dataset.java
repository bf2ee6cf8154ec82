package dev.vant.data;

import java.util.Arrays;
import java.util.List;

/**
 * One split of an image classification dataset held in memory as 8-bit pixels: image i occupies
 * {@code pixels[i*H*W*C .. (i+1)*H*W*C)} in HWC order (channels contiguous, the canonical NHWC layout of
 * DESIGN.md §3), with label {@code labels[i]} in [0, numClasses). Bytes keep CIFAR-size sets at a quarter
 * of the float footprint; {@link DataLoader} converts batches to normalized float32 NHWC.
 *
 * <p>Immutable in practice: the arrays are not copied and must not be modified after construction.
 */
public final class Dataset {
  private final String name;
  private final int height, width, channels;
  private final List<String> classNames;
  private final byte[] pixels;
  private final int[] labels;
  private final boolean digitLike;

  /**
   * @param name e.g. "cifar10/train"
   * @param classNames one name per class; its size is the number of classes
   * @param digitLike true for data where a horizontal flip changes the meaning (digits, glyphs): the
   *     loader's flip augmentation is then refused
   * @throws IllegalArgumentException on inconsistent sizes or labels out of range
   */
  public Dataset(String name, int height, int width, int channels, List<String> classNames, byte[] pixels, int[] labels,
      boolean digitLike) {
    if (height <= 0 || width <= 0 || channels <= 0) {
      throw new IllegalArgumentException("dataset " + name + ": bad image shape " + height + "x" + width + "x" + channels);
    }
    long per = (long) height * width * channels;
    if (pixels.length != per * labels.length) {
      throw new IllegalArgumentException("dataset " + name + ": " + pixels.length + " pixel bytes for " + labels.length
          + " images of " + per);
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= classNames.size()) {
        throw new IllegalArgumentException("dataset " + name + ": label " + labels[i] + " of image " + i + " not in [0, "
            + classNames.size() + ")");
      }
    }
    this.name = name;
    this.height = height;
    this.width = width;
    this.channels = channels;
    this.classNames = List.copyOf(classNames);
    this.pixels = pixels;
    this.labels = labels;
    this.digitLike = digitLike;
  }

  public String name() { return name; }
  public int size() { return labels.length; }
  public int height() { return height; }
  public int width() { return width; }
  public int channels() { return channels; }
  /** H*W*C. */
  public int imageSize() { return height * width * channels; }
  public int numClasses() { return classNames.size(); }
  public List<String> classNames() { return classNames; }
  public boolean digitLike() { return digitLike; }
  public int label(int i) { return labels[i]; }

  /** The backing pixel bytes (unsigned, HWC per image). Do not modify. */
  public byte[] pixels() { return pixels; }

  /** The backing labels. Do not modify. */
  public int[] labels() { return labels; }

  /** Pixel value in [0, 255] of image i at (y, x, c). */
  public int pixel(int i, int y, int x, int c) {
    return pixels[((i * height + y) * width + x) * channels + c] & 0xFF;
  }

  /** The first {@code n} images (all of them when n <= 0 or n >= size): the {@code --limit N} option. */
  public Dataset limit(int n) {
    if (n <= 0 || n >= size()) return this;
    return new Dataset(name, height, width, channels, classNames, Arrays.copyOf(pixels, n * imageSize()),
        Arrays.copyOf(labels, n), digitLike);
  }

  /** Images per class. */
  public int[] classCounts() {
    int[] c = new int[numClasses()];
    for (int l : labels) c[l]++;
    return c;
  }

  @Override
  public String toString() {
    return name + " (" + size() + " images " + height + "x" + width + "x" + channels + ", " + numClasses() + " classes)";
  }
}
