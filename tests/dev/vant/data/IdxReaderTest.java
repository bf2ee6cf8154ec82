package dev.vant.data;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
  @TempDir Path dir;

  static byte[] images(int magic, int n, int rows, int cols) throws IOException {
    ByteArrayOutputStream bo = new ByteArrayOutputStream();
    DataOutputStream o = new DataOutputStream(bo);
    o.writeInt(magic);
    o.writeInt(n);
    o.writeInt(rows);
    o.writeInt(cols);
    for (int i = 0; i < n * rows * cols; i++) o.writeByte(i * 7 + 3);
    return bo.toByteArray();
  }

  static byte[] labels(int magic, int... labels) throws IOException {
    ByteArrayOutputStream bo = new ByteArrayOutputStream();
    DataOutputStream o = new DataOutputStream(bo);
    o.writeInt(magic);
    o.writeInt(labels.length);
    for (int l : labels) o.writeByte(l);
    return bo.toByteArray();
  }

  void write(String name, byte[] data, boolean gz) throws IOException {
    try (OutputStream o = gz ? new GZIPOutputStream(Files.newOutputStream(dir.resolve(name + ".gz"))) : Files.newOutputStream(dir.resolve(name))) {
      o.write(data);
    }
  }

  void standard(boolean gz) throws IOException {
    write("train-images-idx3-ubyte", images(0x803, 3, 4, 5), gz);
    write("train-labels-idx1-ubyte", labels(0x801, 9, 0, 4), gz);
    write("t10k-images-idx3-ubyte", images(0x803, 2, 4, 5), gz);
    write("t10k-labels-idx1-ubyte", labels(0x801, 1, 2), gz);
  }

  @Test
  void readsPlainIdx() throws IOException {
    standard(false);
    Dataset ds = IdxReader.mnist(dir, true, 0);
    assertEquals(3, ds.size());
    assertEquals(4, ds.height());
    assertEquals(5, ds.width());
    assertEquals(1, ds.channels());
    assertTrue(ds.digitLike());
    assertArrayEquals(new int[] {9, 0, 4}, ds.labels());
    assertEquals((2 * 20 + 1 * 5 + 3) * 7 + 3 & 0xFF, ds.pixel(2, 1, 3, 0));
    assertEquals(2, IdxReader.mnist(dir, false, 0).size());
    assertEquals(2, IdxReader.mnist(dir, true, 2).size());
  }

  @Test
  void readsGzippedFashionMnist() throws IOException {
    standard(true);
    assertTrue(IdxReader.present(dir));
    Dataset ds = IdxReader.fashionMnist(dir, false, 0);
    assertEquals("fashion-mnist/test", ds.name());
    assertFalse(ds.digitLike());
    assertEquals("Ankle boot", ds.classNames().get(9));
    assertArrayEquals(new int[] {1, 2}, ds.labels());
    assertEquals((1 * 20 + 19) * 7 + 3 & 0xFF, ds.pixel(1, 3, 4, 0));
  }

  @Test
  void wrongMagicNumber() throws IOException {
    standard(false);
    write("train-images-idx3-ubyte", images(0x801, 3, 4, 5), false);
    BadDataException e = assertThrows(BadDataException.class, () -> IdxReader.mnist(dir, true, 0));
    assertEquals(dir.resolve("train-images-idx3-ubyte") + ": wrong magic number 0x00000801, expected 0x00000803 for images (idx3, unsigned byte)",
        e.getMessage());
  }

  @Test
  void truncatedImages() throws IOException {
    standard(false);
    byte[] img = images(0x803, 3, 4, 5);
    write("train-images-idx3-ubyte", java.util.Arrays.copyOf(img, img.length - 1), false);
    BadDataException e = assertThrows(BadDataException.class, () -> IdxReader.mnist(dir, true, 0));
    assertTrue(e.getMessage().startsWith(dir.resolve("train-images-idx3-ubyte").toString()), e.getMessage());
    assertTrue(e.getMessage().contains("truncated: file ends before 3 images of 4x5"), e.getMessage());
    write("t10k-labels-idx1-ubyte", new byte[] {0, 0, 8}, false);
    e = assertThrows(BadDataException.class, () -> IdxReader.mnist(dir, false, 0));
    assertTrue(e.getMessage().contains("t10k-labels-idx1-ubyte: truncated: file ends in the header"), e.getMessage());
  }

  @Test
  void corruptGzip() throws IOException {
    standard(true);
    Files.write(dir.resolve("train-labels-idx1-ubyte.gz"), new byte[] {1, 2, 3, 4, 5});
    BadDataException e = assertThrows(BadDataException.class, () -> IdxReader.fashionMnist(dir, true, 0));
    assertTrue(e.getMessage().contains("train-labels-idx1-ubyte.gz: not a valid gzip file"), e.getMessage());
  }

  @Test
  void labelOutOfRange() throws IOException {
    standard(false);
    write("train-labels-idx1-ubyte", labels(0x801, 9, 10, 4), false);
    BadDataException e = assertThrows(BadDataException.class, () -> IdxReader.mnist(dir, true, 0));
    assertEquals(dir.resolve("train-labels-idx1-ubyte") + ": label 10 at index 1, expected 0..9", e.getMessage());
  }

  @Test
  void countMismatchAndMissingFiles() throws IOException {
    standard(false);
    write("train-labels-idx1-ubyte", labels(0x801, 1, 2), false);
    BadDataException e = assertThrows(BadDataException.class, () -> IdxReader.mnist(dir, true, 0));
    assertTrue(e.getMessage().contains("3 images but train-labels-idx1-ubyte has 2 labels"), e.getMessage());
    Files.delete(dir.resolve("t10k-images-idx3-ubyte"));
    e = assertThrows(BadDataException.class, () -> IdxReader.mnist(dir, false, 0));
    assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte: missing"), e.getMessage());
  }

  /** The Debian package's files, read by default (skipped where dataset-fashion-mnist is not installed). */
  @Test
  void debianFashionMnistIsFoundByDefault() throws IOException {
    assumeTrue(IdxReader.present(IdxReader.DEBIAN_FASHION_MNIST), "dataset-fashion-mnist not installed");
    Datasets.Splits s = Datasets.load("fashion-mnist", null, Datasets.Options.defaults().withLimits(1000, 500));
    assertEquals(1000, s.train().size());
    assertEquals(500, s.test().size());
    assertEquals(28, s.train().height());
    assertEquals(9, s.train().label(0), "the first Fashion-MNIST training image is an ankle boot");
    assertEquals(9, s.test().label(0), "so is the first test image");
  }

  /** The subset in data/fashion-mnist-demo (the demo's data when the full set is not installed). */
  @Test
  void shippedSubsetIsTheFirstImagesOfFashionMnist() throws IOException {
    Path subset = Path.of("data", "fashion-mnist-demo");
    Dataset train = IdxReader.fashionMnist(subset, true, 0);
    Dataset test = IdxReader.fashionMnist(subset, false, 0);
    assertEquals(Datasets.DEMO_TRAIN, train.size());
    assertEquals(Datasets.DEMO_TEST, test.size());
    assertEquals(9, train.label(0), "the first Fashion-MNIST training image is an ankle boot");
    String home = System.getProperty("vant.home");
    try {
      System.setProperty("vant.home", Path.of("").toAbsolutePath().toString());
      assertEquals(subset.toAbsolutePath(), Datasets.demoSubset());
      System.setProperty("vant.home", subset.toAbsolutePath().toString());
      assertNull(Datasets.demoSubset(), "no data/fashion-mnist-demo under that home");
    } finally {
      if (home == null) System.clearProperty("vant.home"); else System.setProperty("vant.home", home);
    }
    assumeTrue(IdxReader.present(IdxReader.DEBIAN_FASHION_MNIST), "dataset-fashion-mnist not installed");
    Dataset fullTrain = IdxReader.fashionMnist(IdxReader.DEBIAN_FASHION_MNIST, true, Datasets.DEMO_TRAIN);
    Dataset fullTest = IdxReader.fashionMnist(IdxReader.DEBIAN_FASHION_MNIST, false, Datasets.DEMO_TEST);
    assertArrayEquals(fullTrain.pixels(), train.pixels(), "subset = first images of the full training set");
    assertArrayEquals(fullTrain.labels(), train.labels());
    assertArrayEquals(fullTest.pixels(), test.pixels(), "subset = first images of the full test set");
    assertArrayEquals(fullTest.labels(), test.labels());
  }
}
