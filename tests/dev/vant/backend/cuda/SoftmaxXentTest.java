package dev.vant.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.tensor.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * kernels/softmax_xent.cu against the FLOAT32 reference: dlogits and stats = {mean loss, correct} on random
 * batch sizes and class counts (below, at and above the 128 threads of a row's block), logits with large
 * offsets (the max subtraction matters) and, in every third case, quantized logits so the argmax ties
 * (first maximum wins). Tolerance: {@link GpuTwin#REL}; the number correct must be equal.
 */
@Tag("gpu")
class SoftmaxXentTest {
  @Test
  void matchesReference() {
    try (GpuTwin t = GpuTwin.open(601)) {
      int cases = t.count(200, 200);
      for (int i = 0; i < cases; i++) {
        boolean small = t.small();
        int n = t.between(1, small ? 70 : 512), k = i % 4 == 0 ? 128 : t.between(1, small ? 300 : 1100);
        float[] z = t.uniform(n * k, -4, 4);
        float shift = (float) (t.rnd.nextDouble() * 60 - 30);
        for (int e = 0; e < z.length; e++) z[e] = (i % 3 == 2 ? Math.round(z[e]) : z[e]) + shift;
        float[] labels = new float[n];
        for (int r = 0; r < n; r++) labels[r] = t.rnd.nextInt(k);
        Tensor[] logits = t.of(z, n, k), lab = t.of(labels, n), dz = t.out(n, k), stats = t.out(2);
        t.ref.softmaxCrossEntropy(logits[0], lab[0], dz[0], stats[0]);
        t.gpu.softmaxCrossEntropy(logits[1], lab[1], dz[1], stats[1]);
        String what = "softmaxCrossEntropy case " + i + " N=" + n + " K=" + k;
        t.compare(what + " dlogits", dz);
        float[] rs = t.ref.toHost(stats[0]), gs = t.gpu.toHost(stats[1]);
        assertTrue(Math.abs(rs[0] - gs[0]) <= GpuTwin.REL * Math.abs(rs[0]) + 1e-6, what + " loss gpu " + gs[0] + " ref " + rs[0]);
        assertEquals(rs[1], gs[1], what + " correct");
        t.release();
      }
    }
  }

  /** NaN logits: the first-argmax rule of the reference's scan (a NaN at 0 wins, a NaN elsewhere never does). */
  @Test
  void nanLogitsCountLikeTheReference() {
    try (GpuTwin t = GpuTwin.open(603)) {
      float nan = Float.NaN, inf = Float.POSITIVE_INFINITY;
      float ninf = Float.NEGATIVE_INFINITY;
      float[][] rows = {
          {1, nan, 0, 9, 0, 0, 0, 0, 0, 0}, // NaN at 1: argmax 3 (a tree where NaN knocks out its partners misses 3, 5, 7, 9)
          {nan, 5, 7, 1, 0, 0, 0, 0, 0, 0}, // NaN at 0: argmax 0
          {ninf, nan, ninf, ninf, ninf, ninf, ninf, ninf, ninf, ninf}, // only -inf and NaN: argmax 0
          {2, 1, nan, 0, 0, 0, 0, 0, 0, 9}, // argmax 9
          {nan, inf, 1, 1, 1, 1, 1, 1, 1, 1}, // NaN at 0 beats +inf: argmax 0
      };
      int n = rows.length, k = 10;
      float[] z = new float[n * k];
      for (int r = 0; r < n; r++) System.arraycopy(rows[r], 0, z, r * k, k);
      // Per row, a label on the reference's argmax and one beside it: 5 correct of 10 when the rule matches.
      for (float shift : new float[] {0, 1}) {
        float[] labels = {3 + shift, 0 + shift, 0 + shift, (9 + shift) % 10, 0 + shift};
        Tensor[] logits = t.of(z, n, k), lab = t.of(labels, n), dz = t.out(n, k), stats = t.out(2);
        t.ref.softmaxCrossEntropy(logits[0], lab[0], dz[0], stats[0]);
        t.gpu.softmaxCrossEntropy(logits[1], lab[1], dz[1], stats[1]);
        float want = shift == 0 ? n : 0;
        assertEquals(want, t.ref.toHost(stats[0])[1], "the reference's count, shift " + shift);
        assertEquals(want, t.gpu.toHost(stats[1])[1], "the kernel's count, shift " + shift);
        t.release();
      }
    }
  }

  @Test
  void labelOutsideTheClassesGivesNaNLoss() {
    try (GpuTwin t = GpuTwin.open(602)) {
      Tensor[] logits = t.rand(2, 3), lab = t.of(new float[] {1, 3}, 2), dz = t.out(2, 3), stats = t.out(2);
      t.gpu.softmaxCrossEntropy(logits[1], lab[1], dz[1], stats[1]);
      assertTrue(Float.isNaN(t.gpu.toHost(stats[1])[0]), "label 3 of 3 classes must poison the loss, not read out of bounds");
    }
  }
}
