package dev.vant.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/** Decoding of PNG/JPEG files (javax.imageio) into 8-bit RGB HWC, shared by the folder datasets. */
final class ImageFiles {
  static {
    if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    ImageIO.setUseCache(false);
  }

  private ImageFiles() {}

  /**
   * Decodes {@code file} into {@code dst[off .. off + h*w*3)} as RGB. Grayscale, palette and alpha images
   * are converted (gray -> r = g = b; alpha dropped).
   *
   * @throws BadDataException if the file is not a decodable image or is not h x w
   */
  static void decodeRgb(Path file, int h, int w, byte[] dst, int off) throws BadDataException {
    BufferedImage img;
    try (InputStream in = Files.newInputStream(file)) {
      img = ImageIO.read(in);
    } catch (IOException | RuntimeException e) {
      throw new BadDataException(file, "cannot decode image (" + e.getMessage() + "); expected a PNG or JPEG file", e);
    }
    if (img == null) throw new BadDataException(file, "not a readable PNG or JPEG image");
    if (img.getWidth() != w || img.getHeight() != h) {
      throw new BadDataException(file, "image is " + img.getWidth() + "x" + img.getHeight() + ", expected " + w + "x" + h);
    }
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      img.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0; x < w; x++) {
        int o = off + (y * w + x) * 3;
        int argb = row[x];
        dst[o] = (byte) (argb >>> 16);
        dst[o + 1] = (byte) (argb >>> 8);
        dst[o + 2] = (byte) argb;
      }
    }
  }

  /** Decodes all files in parallel into one HWC byte array (image i at i*h*w*3). */
  static byte[] decodeAll(List<Path> files, int h, int w) throws BadDataException {
    int per = h * w * 3;
    byte[] px = new byte[Math.multiplyExact(files.size(), per)];
    AtomicReference<BadDataException> err = new AtomicReference<>();
    IntStream.range(0, files.size()).parallel().forEach(i -> {
      if (err.get() != null) return;
      try {
        decodeRgb(files.get(i), h, w, px, i * per);
      } catch (BadDataException e) {
        err.compareAndSet(null, e);
      }
    });
    if (err.get() != null) throw err.get();
    return px;
  }

  /** Files of {@code dir} whose names end in one of {@code exts} (case-insensitive), sorted by name. */
  static List<Path> list(Path dir, String... exts) throws IOException {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(Files::isRegularFile).filter(p -> {
        String n = p.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        for (String e : exts) if (n.endsWith(e)) return true;
        return false;
      }).sorted().forEach(out::add);
    }
    return out;
  }

  /**
   * The canonical order of a class-folder dataset: file 0 of every class, then file 1 of every class,
   * ... (classes in label order), so that the first N images ({@code --limit N}) are class-balanced.
   */
  static void interleave(List<List<Path>> perClass, List<Path> files, List<Integer> labels) {
    int max = perClass.stream().mapToInt(List::size).max().orElse(0);
    for (int j = 0; j < max; j++) {
      for (int k = 0; k < perClass.size(); k++) {
        if (j < perClass.get(k).size()) {
          files.add(perClass.get(k).get(j));
          labels.add(k);
        }
      }
    }
  }
}
