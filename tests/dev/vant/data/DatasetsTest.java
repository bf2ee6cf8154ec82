package dev.vant.data;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {
  @TempDir Path dir;

  @Test
  void syntheticNeedsNoFilesAndHonorsLimits() throws IOException {
    Datasets.Splits s = Datasets.load("synthetic", null, Datasets.Options.defaults().withLimits(50, 20).withSynthetic(3, 32, 32, 3));
    assertEquals(50, s.train().size());
    assertEquals(20, s.test().size());
    assertEquals(3, s.train().channels());
    assertNull(s.source());
    assertEquals(new Augment(4, true), s.augment());
    Normalization computed = Normalization.compute(s.train());
    assertArrayEquals(computed.mean(), s.normalization().mean());
  }

  @Test
  void knownConstantsAndComputedStatistics() {
    assertEquals(0.1307f, Normalization.known("mnist").orElseThrow().mean()[0]);
    assertEquals(3, Normalization.known("CIFAR10").orElseThrow().channels());
    assertTrue(Normalization.known("synthetic").isEmpty());
    Dataset d = new Dataset("two", 1, 2, 2, List.of("a"), new byte[] {0, 7, (byte) 255, 7}, new int[] {0}, false);
    Normalization n = Normalization.compute(d);
    assertEquals(0.5f, n.mean()[0], 1e-6f);
    assertEquals(0.5f, n.std()[0], 1e-6f);
    assertEquals(1f, n.std()[1], "constant channel");
    assertEquals(-1f, n.apply(0, 0), 1e-6f);
  }

  @Test
  void limitKeepsTheFirstImages() {
    Dataset d = SyntheticDataset.generate(true, 30, 8, 8, 1, 1);
    Dataset l = d.limit(7);
    assertEquals(7, l.size());
    assertEquals(d.pixel(6, 7, 7, 0), l.pixel(6, 7, 7, 0));
    assertSame(d, d.limit(0));
    assertSame(d, d.limit(30));
  }

  @Test
  void badNamesAndFolders() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Datasets.load("imagenet", null, Datasets.Options.defaults()));
    assertTrue(e.getMessage().contains("unknown dataset 'imagenet'") && e.getMessage().contains("fashion-mnist"), e.getMessage());
    BadDataException b = assertThrows(BadDataException.class, () -> Datasets.load("cifar10", dir.resolve("nope"), Datasets.Options.defaults()));
    assertTrue(b.getMessage().startsWith(dir.resolve("nope").toString()), b.getMessage());
    assertTrue(Datasets.defaultDirs("fashion-mnist").contains(Path.of("/usr/share/datasets/fashion-mnist")));
    assertThrows(IllegalArgumentException.class,
        () -> new Dataset("x", 1, 1, 1, List.of("a"), new byte[1], new int[] {1}, false), "label out of range");
  }
}
