package dev.vant.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.backend.Noise;
import dev.vant.tensor.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * kernels/noisy_matmul.cu against the FLOAT32 reference on random sizes (not multiples of the 64 x 64
 * tile), every noise type, bias on and off; backward data, weight (incl. split-K) and bias. Tolerance:
 * the GEMM bound of {@link GpuTwin} with K = IN (forward), OUT (backward data), B (backward weight, bias).
 */
@Tag("gpu")
class NoisyMatmulTest {
  private record Dims(int batch, int in, int out) {}

  private static Dims random(GpuTwin t) {
    boolean small = t.emulated();
    return new Dims(t.between(1, small ? 150 : 300), t.between(1, small ? 150 : 700), t.between(1, small ? 150 : 300));
  }

  @Test
  void forwardMatchesReference() {
    try (GpuTwin t = GpuTwin.open(201)) {
      int cases = t.count(200, 200);
      for (int i = 0; i < cases; i++) {
        Dims d = random(t);
        Noise.Type type = t.anyType(i);
        boolean perSample = i % 3 == 0;
        Tensor[] x = t.rand(d.batch, d.in), w = t.rand(d.out, d.in);
        Tensor[] b = i % 2 == 0 ? t.rand(d.out) : new Tensor[] {null, null};
        Noise[] nz = t.noise(type, perSample, d.batch);
        Tensor[] y = t.out(d.batch, d.out);
        t.ref.linearForward(x[0], w[0], b[0], nz[0], y[0]);
        t.gpu.linearForward(x[1], w[1], b[1], nz[1], y[1]);
        Tensor abs = t.refZeros(d.batch, d.out);
        t.ref.linearForward(t.absRef(x[0]), t.absRef(w[0]), t.absRef(b[0]), Noise.NONE, abs);
        t.compareGemm("linearForward case " + i + " " + d + " " + type + (perSample ? " per-sample" : ""), y, abs, d.in, nz[0], d.batch);
        t.release();
      }
    }
  }

  @Test
  void forwardAcceptsPooledActivations() {
    try (GpuTwin t = GpuTwin.open(205)) {
      // x [N, 1, 1, C] straight from a global average pool, y [N, 1, 1, OUT].
      Tensor[] x = t.rand(3, 1, 1, 10), w = t.rand(4, 10);
      Tensor[] y = t.out(3, 1, 1, 4);
      Noise[] nz = t.noise(Noise.Type.ADDITIVE, false, 3);
      t.ref.linearForward(x[0], w[0], null, nz[0], y[0]);
      t.gpu.linearForward(x[1], w[1], null, nz[1], y[1]);
      Tensor abs = t.refZeros(3, 1, 1, 4);
      t.ref.linearForward(t.absRef(x[0]), t.absRef(w[0]), null, Noise.NONE, abs);
      t.compareGemm("linearForward [N,1,1,C]", y, abs, 10, nz[0], 3);
    }
  }

  @Test
  void emptyBatchGivesZeroGradients() {
    try (GpuTwin t = GpuTwin.open(206)) {
      Tensor[] x = t.of(new float[0], 0, 5), dy = t.of(new float[0], 0, 3), w = t.rand(3, 5);
      Tensor[] y = t.out(0, 3), dx = t.out(0, 5), dw = t.out(3, 5), db = t.out(3);
      t.gpu.linearForward(x[1], w[1], null, Noise.NONE, y[1]);
      t.gpu.linearBackwardData(dy[1], w[1], dx[1]);
      t.ref.linearBackwardWeight(x[0], dy[0], dw[0], db[0]);
      t.gpu.linearBackwardWeight(x[1], dy[1], dw[1], db[1]);
      t.compare("linearBackwardWeight N=0 dw", dw);
      t.compare("linearBackwardWeight N=0 dbias", db);
    }
  }

  @Test
  void backwardDataMatchesReference() {
    try (GpuTwin t = GpuTwin.open(202)) {
      int cases = t.count(200, 200);
      for (int i = 0; i < cases; i++) {
        Dims d = random(t);
        Tensor[] dy = t.rand(d.batch, d.out), w = t.rand(d.out, d.in);
        Tensor[] dx = t.out(d.batch, d.in);
        t.ref.linearBackwardData(dy[0], w[0], dx[0]);
        t.gpu.linearBackwardData(dy[1], w[1], dx[1]);
        Tensor abs = t.refZeros(d.batch, d.in);
        t.ref.linearBackwardData(t.absRef(dy[0]), t.absRef(w[0]), abs);
        t.compareGemm("linearBackwardData case " + i + " " + d, dx, abs, d.out, Noise.NONE, d.batch);
        t.release();
      }
    }
  }

  @Test
  void backwardWeightMatchesReference() {
    try (GpuTwin t = GpuTwin.open(203)) {
      int cases = t.count(200, 200);
      for (int i = 0; i < cases; i++) {
        weightCase(t, random(t), i % 2 == 0, "case " + i);
        t.release();
      }
      Dims split = new Dims(1100, 5, 3);
      assertTrue(Gemm.splits(split.batch, Gemm.kChunk(split.out, split.in, split.batch)) > 1, "must split");
      weightCase(t, split, true, "split-K");
    }
  }

  private static void weightCase(GpuTwin t, Dims d, boolean bias, String what) {
    Tensor[] x = t.rand(d.batch, d.in), dy = t.rand(d.batch, d.out);
    Tensor[] dw = t.out(d.out, d.in);
    Tensor[] db = bias ? t.out(d.out) : new Tensor[] {null, null};
    t.ref.linearBackwardWeight(x[0], dy[0], dw[0], db[0]);
    t.gpu.linearBackwardWeight(x[1], dy[1], dw[1], db[1]);
    Tensor absW = t.refZeros(d.out, d.in), absB = t.refZeros(d.out);
    t.ref.linearBackwardWeight(t.absRef(x[0]), t.absRef(dy[0]), absW, absB);
    t.compareGemm("linearBackwardWeight dw " + what + " " + d, dw, absW, d.batch, Noise.NONE, d.out);
    if (bias) t.compareGemm("linearBackwardWeight dbias " + what + " " + d, db, absB, d.batch, Noise.NONE, 1);
  }
}
