package dev.vant.data;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CINIC-10 (PNG class folders) and Tiny ImageNet (JPEG, wnids, val annotations) written in their real layout. */
class ImageFolderReadersTest {
  @TempDir Path dir;

  static void png(Path f, int size, int rgb, boolean gray) throws IOException {
    BufferedImage img = new BufferedImage(size, size, gray ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < size; y++) for (int x = 0; x < size; x++) img.setRGB(x, y, x == 1 && y == 2 ? 0x102030 : rgb);
    Files.createDirectories(f.getParent());
    assertTrue(ImageIO.write(img, "png", f.toFile()));
  }

  static void jpeg(Path f, int rgb, boolean gray) throws IOException {
    BufferedImage img = new BufferedImage(64, 64, gray ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) img.setRGB(x, y, rgb);
    Files.createDirectories(f.getParent());
    assertTrue(ImageIO.write(img, "jpeg", f.toFile()));
  }

  void cinic() throws IOException {
    for (String split : List.of("train", "test")) {
      png(dir.resolve(split + "/airplane/n02691156_1.png"), 32, 0xFF0000, false);
      png(dir.resolve(split + "/airplane/cifar10-train-29.png"), 32, 0x00FF00, false);
      png(dir.resolve(split + "/automobile/n02814533_5.png"), 32, 0x0000FF, false);
      png(dir.resolve(split + "/bird/n01530575_10.png"), 32, 0x808080, true);
    }
  }

  @Test
  void cinic10InterleavesClassesAndConvertsGray() throws IOException {
    cinic();
    Dataset ds = Cinic10Reader.read(dir, "train", 0);
    assertEquals(List.of("airplane", "automobile", "bird"), ds.classNames());
    // order: airplane[0], automobile[0], bird[0], airplane[1]; files sorted by name within a class
    assertArrayEquals(new int[] {0, 1, 2, 0}, ds.labels());
    assertEquals(0x00, ds.pixel(0, 0, 0, 0));
    assertEquals(0xFF, ds.pixel(0, 0, 0, 1), "cifar10-train-29.png sorts first: green");
    assertEquals(0xFF, ds.pixel(1, 5, 5, 2));
    assertEquals(0x10, ds.pixel(1, 2, 1, 0));
    assertEquals(0x30, ds.pixel(1, 2, 1, 2));
    int g = ds.pixel(2, 0, 0, 0);
    assertEquals(g, ds.pixel(2, 0, 0, 1));
    assertEquals(g, ds.pixel(2, 0, 0, 2));
    assertEquals(0xFF, ds.pixel(3, 0, 0, 0));
    assertEquals(2, Cinic10Reader.read(dir, "test", 2).size());
  }

  @Test
  void cinic10EmptyFolders() throws IOException {
    Files.createDirectories(dir.resolve("train"));
    BadDataException e = assertThrows(BadDataException.class, () -> Cinic10Reader.read(dir, "train", 0));
    assertEquals(dir.resolve("train") + ": empty: expected one subfolder of PNG images per class", e.getMessage());
    Files.createDirectories(dir.resolve("train/cat"));
    e = assertThrows(BadDataException.class, () -> Cinic10Reader.read(dir, "train", 0));
    assertEquals(dir.resolve("train/cat") + ": empty class folder: expected .png images", e.getMessage());
    e = assertThrows(BadDataException.class, () -> Cinic10Reader.read(dir, "test", 0));
    assertTrue(e.getMessage().contains("no such folder"), e.getMessage());
  }

  @Test
  void cinic10CorruptAndWrongSizeImages() throws IOException {
    cinic();
    Path bad = dir.resolve("train/bird/n01530575_10.png");
    Files.write(bad, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
    BadDataException e = assertThrows(BadDataException.class, () -> Cinic10Reader.read(dir, "train", 0));
    assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
    png(bad, 31, 0, false);
    e = assertThrows(BadDataException.class, () -> Cinic10Reader.read(dir, "train", 0));
    assertEquals(bad + ": image is 31x31, expected 32x32", e.getMessage());
  }

  void tiny() throws IOException {
    Path d = dir.resolve("tiny-imagenet-200");
    Files.createDirectories(d);
    Files.writeString(d.resolve("wnids.txt"), "n09999999\nn01443537\n");
    jpeg(d.resolve("train/n01443537/images/n01443537_0.JPEG"), 0xC84020, false);
    jpeg(d.resolve("train/n01443537/images/n01443537_1.JPEG"), 0xC84020, false);
    jpeg(d.resolve("train/n09999999/images/n09999999_0.JPEG"), 0x646464, true);
    Files.writeString(d.resolve("train/n01443537/n01443537_boxes.txt"), "n01443537_0.JPEG\t0\t0\t63\t63\n");
    jpeg(d.resolve("val/images/val_0.JPEG"), 0x2080C0, false);
    jpeg(d.resolve("val/images/val_1.JPEG"), 0x969696, true);
    Files.writeString(d.resolve("val/val_annotations.txt"),
        "val_0.JPEG\tn09999999\t0\t0\t62\t62\nval_1.JPEG\tn01443537\t1\t2\t40\t50\n");
  }

  @Test
  void tinyImageNetTrainAndVal() throws IOException {
    tiny();
    Dataset train = TinyImageNetReader.read(dir, true, 0);
    assertEquals(64, train.height());
    assertEquals(List.of("n01443537", "n09999999"), train.classNames(), "sorted wnids");
    assertArrayEquals(new int[] {0, 1, 0}, train.labels());
    assertEquals(0xC8, train.pixel(0, 10, 10, 0), 3.0);
    assertEquals(0x40, train.pixel(0, 10, 10, 1), 3.0);
    assertEquals(0x20, train.pixel(0, 10, 10, 2), 3.0);
    for (int c = 0; c < 3; c++) assertEquals(0x64, train.pixel(1, 63, 63, c), 2.0, "gray JPEG -> r = g = b");
    Dataset val = TinyImageNetReader.read(dir.resolve("tiny-imagenet-200"), false, 0);
    assertArrayEquals(new int[] {1, 0}, val.labels());
    assertEquals(0xC0, val.pixel(0, 0, 0, 2), 3.0);
    assertEquals(1, TinyImageNetReader.read(dir, false, 1).size());
  }

  @Test
  void tinyImageNetErrors() throws IOException {
    tiny();
    Path d = dir.resolve("tiny-imagenet-200");
    Files.writeString(d.resolve("val/val_annotations.txt"), "val_0.JPEG\tn00000001\t0\t0\t62\t62\n");
    BadDataException e = assertThrows(BadDataException.class, () -> TinyImageNetReader.read(dir, false, 0));
    assertEquals(d.resolve("val/val_annotations.txt") + ": line 1: class 'n00000001' is not in wnids.txt", e.getMessage());
    Files.writeString(d.resolve("val/val_annotations.txt"), "val_9.JPEG\tn01443537\t0\t0\t62\t62\n");
    e = assertThrows(BadDataException.class, () -> TinyImageNetReader.read(dir, false, 0));
    assertTrue(e.getMessage().startsWith(d.resolve("val/images/val_9.JPEG") + ": missing"), e.getMessage());
    for (Path p : List.of(d.resolve("train/n09999999/images/n09999999_0.JPEG"))) Files.delete(p);
    e = assertThrows(BadDataException.class, () -> TinyImageNetReader.read(dir, true, 0));
    assertEquals(d.resolve("train/n09999999/images") + ": empty class folder: expected .JPEG images", e.getMessage());
    Files.delete(d.resolve("wnids.txt"));
    e = assertThrows(BadDataException.class, () -> TinyImageNetReader.read(d, true, 0));
    assertTrue(e.getMessage().contains("wnids.txt: missing"), e.getMessage());
  }
}
