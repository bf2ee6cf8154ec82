package dev.vant.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tiny ImageNet 200 ({@code tiny-imagenet-200/}): {@code wnids.txt} (the 200 class ids),
 * {@code train/<wnid>/images/*.JPEG} and {@code val/images/*.JPEG} with labels in
 * {@code val/val_annotations.txt} (tab-separated: file, wnid, box). 64x64 images; grayscale JPEGs are
 * converted to RGB. The label of a wnid is its index in <em>sorted</em> wnid order (as torchvision's
 * ImageFolder numbers them). The unlabeled {@code test/} split is not supported; use {@code val} as the
 * test split. Train images come in the interleaved class order of {@link ImageFiles#interleave}.
 */
public final class TinyImageNetReader {
  private TinyImageNetReader() {}

  /**
   * @param train true: train split (100 000 images), false: val split (10 000)
   * @param limit first N images (0: all)
   * @throws BadDataException naming the file or folder that is missing, empty or malformed
   */
  public static Dataset read(Path dir, boolean train, int limit) throws IOException {
    Path d = dir;
    if (!Files.exists(d.resolve("wnids.txt")) && Files.exists(d.resolve("tiny-imagenet-200").resolve("wnids.txt"))) {
      d = d.resolve("tiny-imagenet-200");
    }
    Path wnidsFile = d.resolve("wnids.txt");
    if (!Files.isRegularFile(wnidsFile)) throw new BadDataException(wnidsFile, "missing (expected one WordNet id per line)");
    List<String> wnids = new ArrayList<>();
    for (String line : Files.readAllLines(wnidsFile, StandardCharsets.UTF_8)) if (!line.isBlank()) wnids.add(line.trim());
    if (wnids.isEmpty()) throw new BadDataException(wnidsFile, "empty: expected one WordNet id per line");
    wnids.sort(null);
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < wnids.size(); i++) {
      if (index.put(wnids.get(i), i) != null) throw new BadDataException(wnidsFile, "duplicate id " + wnids.get(i));
    }
    List<Path> files = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    if (train) {
      List<List<Path>> perClass = new ArrayList<>();
      for (String w : wnids) {
        Path imgs = d.resolve("train").resolve(w).resolve("images");
        if (!Files.isDirectory(imgs)) throw new BadDataException(imgs, "missing (expected the JPEG images of class " + w + ")");
        List<Path> f = ImageFiles.list(imgs, ".jpeg", ".jpg");
        if (f.isEmpty()) throw new BadDataException(imgs, "empty class folder: expected .JPEG images");
        perClass.add(f);
      }
      ImageFiles.interleave(perClass, files, labels);
    } else {
      Path ann = d.resolve("val").resolve("val_annotations.txt");
      Path imgs = d.resolve("val").resolve("images");
      if (!Files.isRegularFile(ann)) throw new BadDataException(ann, "missing (expected lines: file<TAB>wnid<TAB>x0 y0 x1 y1)");
      List<String> lines = Files.readAllLines(ann, StandardCharsets.UTF_8);
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        if (line.isBlank()) continue;
        String[] f = line.split("\t");
        if (f.length < 2) throw new BadDataException(ann, "line " + (i + 1) + " has no tab-separated wnid: '" + line + "'");
        Integer label = index.get(f[1].trim());
        if (label == null) throw new BadDataException(ann, "line " + (i + 1) + ": class '" + f[1].trim() + "' is not in wnids.txt");
        Path img = imgs.resolve(f[0].trim());
        if (!Files.isRegularFile(img)) throw new BadDataException(img, "missing (listed on line " + (i + 1) + " of " + ann.getFileName() + ")");
        files.add(img);
        labels.add(label);
      }
      if (files.isEmpty()) throw new BadDataException(ann, "empty: expected one line per validation image");
    }
    int n = limit > 0 ? Math.min(limit, files.size()) : files.size();
    byte[] px = ImageFiles.decodeAll(files.subList(0, n), 64, 64);
    int[] y = labels.subList(0, n).stream().mapToInt(Integer::intValue).toArray();
    return new Dataset("tinyimagenet/" + (train ? "train" : "val"), 64, 64, 3, wnids, px, y, false);
  }
}
