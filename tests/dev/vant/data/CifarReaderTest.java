package dev.vant.data;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarReaderTest {
  @TempDir Path dir;

  /** One record: label bytes, then planar R, G, B planes with a value that encodes (image, channel, pixel). */
  static byte[] records(int first, int count, int... labelBytesPerRecord) {
    int lb = labelBytesPerRecord.length;
    byte[] b = new byte[count * (lb + 3072)];
    for (int r = 0; r < count; r++) {
      int o = r * (lb + 3072);
      for (int k = 0; k < lb; k++) b[o + k] = (byte) ((labelBytesPerRecord[k] + first + r) % (k == lb - 1 ? 10 : 20));
      for (int c = 0; c < 3; c++) for (int p = 0; p < 1024; p++) b[o + lb + c * 1024 + p] = (byte) value(first + r, c, p);
    }
    return b;
  }

  static int value(int image, int c, int p) {
    return (image * 31 + c * 7 + p * 3) & 0xFF;
  }

  Path cifar10(int perBatch) throws IOException {
    Path d = dir.resolve("cifar-10-batches-bin");
    Files.createDirectories(d);
    for (int i = 1; i <= 5; i++) Files.write(d.resolve("data_batch_" + i + ".bin"), records((i - 1) * perBatch, perBatch, 0));
    Files.write(d.resolve("test_batch.bin"), records(100, 4, 0));
    return d;
  }

  @Test
  void readsCifar10BatchesFromTheParentFolder() throws IOException {
    cifar10(3);
    Dataset train = CifarReader.cifar10(dir, true, 0);
    assertEquals(15, train.size());
    assertEquals(32, train.height());
    assertEquals(3, train.channels());
    assertEquals("airplane", train.classNames().get(0));
    for (int i = 0; i < 15; i++) {
      assertEquals(i % 10, train.label(i));
      for (int p : new int[] {0, 33, 1023}) {
        for (int c = 0; c < 3; c++) assertEquals(value(i, c, p), train.pixel(i, p / 32, p % 32, c), "image " + i + " p " + p + " c " + c);
      }
    }
    Dataset test = CifarReader.cifar10(dir.resolve("cifar-10-batches-bin"), false, 0);
    assertEquals(4, test.size());
    assertEquals(100 % 10, test.label(0));
    assertEquals(value(101, 2, 5), test.pixel(1, 0, 5, 2));
    Dataset lim = CifarReader.cifar10(dir, true, 7);
    assertEquals(7, lim.size());
    assertEquals(value(6, 1, 40), lim.pixel(6, 1, 8, 1), "limit spans batch files");
  }

  @Test
  void readsCifar100FineLabelsAndNames() throws IOException {
    Path d = dir.resolve("cifar-100-binary");
    Files.createDirectories(d);
    byte[] train = records(0, 5, 3, 0);
    for (int r = 0; r < 5; r++) train[r * 3074 + 1] = (byte) (95 + r);
    Files.write(d.resolve("train.bin"), train);
    Files.write(d.resolve("test.bin"), records(0, 2, 3, 0));
    StringBuilder names = new StringBuilder();
    for (int i = 0; i < 100; i++) names.append("fine").append(i).append('\n');
    Files.writeString(d.resolve("fine_label_names.txt"), names);
    Dataset ds = CifarReader.cifar100(dir, true, 0);
    assertEquals(100, ds.numClasses());
    assertEquals("fine99", ds.classNames().get(99));
    assertArrayEquals(new int[] {95, 96, 97, 98, 99}, ds.labels());
    assertEquals(value(4, 2, 1000), ds.pixel(4, 31, 8, 2));
    assertEquals(2, CifarReader.cifar100(d, false, 0).size());
  }

  @Test
  void truncatedFileNamesTheFileAndRecordSize() throws IOException {
    Path d = cifar10(2);
    Path f = d.resolve("data_batch_3.bin");
    byte[] b = Files.readAllBytes(f);
    Files.write(f, java.util.Arrays.copyOf(b, b.length - 100));
    BadDataException e = assertThrows(BadDataException.class, () -> CifarReader.cifar10(dir, true, 0));
    assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("3073-byte record"), e.getMessage());
  }

  @Test
  void labelOutOfRangeNamesTheRecord() throws IOException {
    Path d = cifar10(2);
    Path f = d.resolve("test_batch.bin");
    byte[] b = Files.readAllBytes(f);
    b[3073] = 10;
    Files.write(f, b);
    BadDataException e = assertThrows(BadDataException.class, () -> CifarReader.cifar10(dir, false, 0));
    assertEquals(f + ": record 1 has label 10, expected 0..9", e.getMessage());
  }

  @Test
  void missingBatchFileIsNamed() throws IOException {
    Path d = cifar10(1);
    Files.delete(d.resolve("data_batch_4.bin"));
    BadDataException e = assertThrows(BadDataException.class, () -> CifarReader.cifar10(dir, true, 0));
    assertTrue(e.getMessage().contains("data_batch_4.bin") && e.getMessage().contains("missing"), e.getMessage());
    assertThrows(BadDataException.class, () -> CifarReader.cifar10(dir.resolve("nope"), true, 0));
  }
}
