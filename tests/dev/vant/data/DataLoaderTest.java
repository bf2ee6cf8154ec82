package dev.vant.data;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataLoaderTest {
  static final Dataset DS = SyntheticDataset.generate(true, 103, 8, 8, 3, 11);
  static final Normalization NORM = Normalization.compute(DS);

  static List<Batch> all(DataLoader l, int epoch) {
    List<Batch> out = new ArrayList<>();
    try (DataLoader.Epoch it = l.epoch(epoch)) {
      while (it.hasNext()) out.add(it.next());
    }
    return out;
  }

  @Test
  void evaluationOrderCoversEverythingOnceWithTheLastPartialBatch() {
    DataLoader l = DataLoader.evaluation(DS, NORM, 25);
    List<Batch> b = all(l, 0);
    assertEquals(5, b.size());
    assertEquals(3, b.get(4).n());
    int k = 0;
    for (Batch batch : b) for (int i = 0; i < batch.n(); i++) assertEquals(k++, batch.indices()[i]);
    Batch first = b.get(0);
    assertArrayEquals(new int[] {25, 8, 8, 3}, first.shape());
    for (int c = 0; c < 3; c++) {
      assertEquals((DS.pixel(1, 2, 3, c) / 255f - NORM.mean()[c]) / NORM.std()[c], first.x()[((1 * 8 + 2) * 8 + 3) * 3 + c], 1e-6f);
    }
    assertEquals(DS.label(7), first.y()[7]);
  }

  @Test
  void shuffledEpochsArePermutationsThatDependOnSeedAndEpoch() {
    DataLoader l = new DataLoader(DS, NORM, 10, true, Augment.NONE, 4, true, 2);
    assertEquals(10, l.batches());
    int[] o0 = l.order(0), o1 = l.order(1);
    assertFalse(Arrays.equals(o0, o1));
    int[] sorted = o0.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < sorted.length; i++) assertEquals(i, sorted[i]);
    assertArrayEquals(o0, new DataLoader(DS, NORM, 10, true, Augment.NONE, 4, true, 0).order(0));
    assertFalse(Arrays.equals(o0, new DataLoader(DS, NORM, 10, true, Augment.NONE, 5, true, 0).order(0)));
  }

  @Test
  void prefetchingGivesTheSameBatchesAsBuildingInline() {
    Augment aug = new Augment(2, true);
    DataLoader threaded = new DataLoader(DS, NORM, 16, true, aug, 9, false, 3);
    DataLoader inline = new DataLoader(DS, NORM, 16, true, aug, 9, false, 0);
    DataLoader parallel = new DataLoader(DS, NORM, 16, true, aug, 9, false, 4, 3);
    for (int epoch = 0; epoch < 2; epoch++) {
      List<Batch> a = all(threaded, epoch), b = all(inline, epoch), p = all(parallel, epoch);
      assertEquals(b.size(), a.size());
      assertEquals(b.size(), p.size());
      for (int i = 0; i < a.size(); i++) {
        assertEquals(i, a.get(i).index());
        assertArrayEquals(b.get(i).x(), a.get(i).x(), "epoch " + epoch + " batch " + i);
        assertArrayEquals(b.get(i).x(), p.get(i).x(), "3 workers, epoch " + epoch + " batch " + i);
        assertArrayEquals(b.get(i).y(), a.get(i).y());
      }
    }
  }

  /** Every augmented image is the original shifted by (dy, dx) in [-pad, pad], maybe mirrored, padded with raw 0. */
  @Test
  void cropAndFlipAreShiftsAndMirrorsOfTheOriginal() {
    int pad = 2;
    DataLoader l = new DataLoader(DS, NORM, 103, true, new Augment(pad, true), 1, false, 0);
    Batch b = l.batch(0, 0, l.order(0));
    int flips = 0, shifted = 0;
    for (int j = 0; j < b.n(); j++) {
      int i = b.indices()[j];
      boolean found = false;
      for (int f = 0; f < 2 && !found; f++) {
        for (int dy = -pad; dy <= pad && !found; dy++) {
          for (int dx = -pad; dx <= pad && !found; dx++) {
            if (matches(b, j, i, dy, dx, f == 1)) {
              found = true;
              if (f == 1) flips++;
              if (dy != 0 || dx != 0) shifted++;
            }
          }
        }
      }
      assertTrue(found, "image " + j + " is a shifted/flipped copy of dataset image " + i);
    }
    assertTrue(flips > 30 && flips < 73, "about half flipped: " + flips);
    assertTrue(shifted > 80, "most shifted: " + shifted);
  }

  static boolean matches(Batch b, int j, int i, int dy, int dx, boolean flip) {
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 8; x++) {
        int sy = y + dy, sx = (flip ? 7 - x : x) + dx;
        for (int c = 0; c < 3; c++) {
          int raw = sy < 0 || sy >= 8 || sx < 0 || sx >= 8 ? 0 : DS.pixel(i, sy, sx, c);
          if (Math.abs(b.x()[((j * 8 + y) * 8 + x) * 3 + c] - NORM.apply(raw, c)) > 1e-6f) return false;
        }
      }
    }
    return true;
  }

  @Test
  void workersEndAfterTheLastBatchEvenWithoutClose() throws Exception {
    DataLoader l = new DataLoader(DS, NORM, 8, true, Augment.NONE, 1, true, 3, 2);
    DataLoader.Epoch e = l.epoch(7);
    while (e.hasNext()) e.next();
    assertNoLiveThreads("-e7");
  }

  @Test
  void closingEarlyStopsTheWorker() throws Exception {
    DataLoader l = new DataLoader(DS, NORM, 4, true, Augment.NONE, 1, true, 1);
    DataLoader.Epoch e = l.epoch(0);
    e.next();
    e.close();
    assertTrue(e.hasNext());
    assertNoLiveThreads("vant-loader-synthetic/train-e0");
  }

  /** Waits (up to 10 s each) for the loader threads whose name contains {@code part} to end. */
  static void assertNoLiveThreads(String part) throws InterruptedException {
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().contains(part)) {
        t.join(10_000);
        assertFalse(t.isAlive(), t.getName() + " still running");
      }
    }
  }

  @Test
  void badSettingsAreRefused() {
    Dataset digits = new Dataset("digits", 8, 8, 1, List.of("a", "b"), new byte[64], new int[] {1}, true);
    Normalization n1 = Normalization.compute(digits);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new DataLoader(digits, n1, 1, true, new Augment(0, true), 0, false, 0));
    assertTrue(e.getMessage().contains("flip"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new DataLoader(DS, n1, 4, false, Augment.NONE, 0, false, 0));
    assertThrows(IllegalArgumentException.class, () -> new DataLoader(DS, NORM, 0, false, Augment.NONE, 0, false, 0));
    assertThrows(IllegalArgumentException.class, () -> new Augment(-1, false));
    assertEquals(new Augment(2, false), Augment.standard(digits));
  }
}
