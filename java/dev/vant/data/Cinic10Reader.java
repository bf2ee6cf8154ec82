package dev.vant.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * CINIC-10: {@code DIR/{train,valid,test}/<class>/*.png}, 32x32 images (RGB; the few grayscale PNGs
 * are converted). Classes are the subfolder names in sorted order (airplane .. truck, the CIFAR-10
 * order). Images are taken in the interleaved class order of {@link ImageFiles#interleave}, so
 * {@code limit} keeps the classes balanced.
 */
public final class Cinic10Reader {
  private Cinic10Reader() {}

  /**
   * @param split "train", "valid" or "test"
   * @param limit first N images in the interleaved order (0: all)
   * @throws BadDataException for a missing split folder, a split without class folders, an empty class
   *     folder, or an undecodable / wrongly sized image (each naming the path)
   */
  public static Dataset read(Path dir, String split, int limit) throws IOException {
    if (!List.of("train", "valid", "test").contains(split)) {
      throw new IllegalArgumentException("cinic10: unknown split '" + split + "' (expected train, valid or test)");
    }
    Path d = dir.resolve(split);
    if (!Files.isDirectory(d)) throw new BadDataException(d, "no such folder (expected CINIC-10's " + split + "/ with one folder per class)");
    List<Path> classDirs = new ArrayList<>();
    try (Stream<Path> s = Files.list(d)) {
      s.filter(Files::isDirectory).sorted().forEach(classDirs::add);
    }
    if (classDirs.isEmpty()) throw new BadDataException(d, "empty: expected one subfolder of PNG images per class");
    List<String> names = new ArrayList<>();
    List<List<Path>> perClass = new ArrayList<>();
    for (Path c : classDirs) {
      List<Path> files = ImageFiles.list(c, ".png");
      if (files.isEmpty()) throw new BadDataException(c, "empty class folder: expected .png images");
      names.add(c.getFileName().toString());
      perClass.add(files);
    }
    List<Path> files = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    ImageFiles.interleave(perClass, files, labels);
    int n = limit > 0 ? Math.min(limit, files.size()) : files.size();
    byte[] px = ImageFiles.decodeAll(files.subList(0, n), 32, 32);
    int[] y = labels.subList(0, n).stream().mapToInt(Integer::intValue).toArray();
    return new Dataset("cinic10/" + split, 32, 32, 3, names, px, y, false);
  }
}
