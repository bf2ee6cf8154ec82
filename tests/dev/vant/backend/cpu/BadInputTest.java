package dev.vant.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.backend.Backend;
import dev.vant.backend.Backends;
import dev.vant.backend.Conv2dShape;
import dev.vant.backend.Noise;
import dev.vant.backend.PoolShape;
import dev.vant.tensor.Tensor;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad shapes and bad values throw messages that name the op and the shapes; NaN is never hidden. */
class BadInputTest {
  static Stream<Backend> backends() {
    return Stream.of(new ReferenceBackend(Precision.FLOAT32), new ReferenceBackend(Precision.DOUBLE), new FastBackend(2));
  }

  static float[] filled(int n, float v) {
    float[] a = new float[n];
    java.util.Arrays.fill(a, v);
    return a;
  }

  static void throwsNaming(Executable e, String... parts) {
    IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
    for (String p : parts) assertTrue(ex.getMessage().contains(p), "message '" + ex.getMessage() + "' lacks '" + p + "'");
  }

  @ParameterizedTest
  @MethodSource("backends")
  void badShapesNameOpAndShapes(Backend b) {
    Conv2dShape g = new Conv2dShape(2, 5, 5, 3, 4, 3, 3, 1, 1);
    Tensor x = b.zeros(2, 5, 5, 3), w = b.zeros(4, 3, 3, 3), y = b.zeros(2, 5, 5, 4);
    throwsNaming(() -> b.conv2dForward(g, b.zeros(2, 5, 5, 2), w, null, Noise.NONE, y), "conv2dForward", "x", "[2, 5, 5, 2]", "[2, 5, 5, 3]");
    throwsNaming(() -> b.conv2dForward(g, x, b.zeros(4, 3, 3, 2), null, Noise.NONE, y), "conv2dForward", "w", "[4, 3, 3, 2]");
    throwsNaming(() -> b.conv2dForward(g, x, w, b.zeros(5), Noise.NONE, y), "conv2dForward", "bias", "[5]", "[4]");
    throwsNaming(() -> b.conv2dBackwardData(g, b.zeros(2, 4, 5, 4), w, x), "conv2dBackwardData", "dy", "[2, 4, 5, 4]");
    throwsNaming(() -> b.conv2dBackwardWeight(g, x, y, b.zeros(4, 3, 3, 4), null), "conv2dBackwardWeight", "dw");
    throwsNaming(() -> b.linearForward(b.zeros(3, 7), b.zeros(5, 6), null, Noise.NONE, b.zeros(3, 5)), "linearForward", "w", "[5, 6]", "[5, 7]");
    throwsNaming(() -> b.linearBackwardData(b.zeros(3, 5), b.zeros(5, 7), b.zeros(4, 7)), "linearBackwardData", "[3, 5]", "[4, 7]");
    throwsNaming(() -> b.batchNormTrainForward(x, b.zeros(4), b.zeros(3), b.zeros(3), b.zeros(3), 0.1f, 1e-5f, b.zeros(3), b.zeros(3), false, Noise.NONE, x),
        "batchNormTrainForward", "gamma", "[4]", "[3]");
    throwsNaming(() -> b.batchNormTrainForward(b.zeros(1, 1, 1, 3), b.zeros(3), b.zeros(3), b.zeros(3), b.zeros(3), 0.1f, 1e-5f, b.zeros(3), b.zeros(3), false, Noise.NONE, b.zeros(1, 1, 1, 3)),
        "batchNormTrainForward", "more than 1");
    throwsNaming(() -> b.reluForward(x, Noise.NONE, y), "reluForward", "[2, 5, 5, 3]", "[2, 5, 5, 4]");
    throwsNaming(() -> b.addReluForward(x, y, Noise.NONE, x), "addReluForward", "a", "b");
    throwsNaming(() -> b.maxPoolForward(new PoolShape(2, 5, 5, 3, 3, 2, 1), x, Noise.NONE, b.zeros(2, 2, 2, 3)), "maxPoolForward", "y", "[2, 2, 2, 3]", "[2, 3, 3, 3]");
    PoolShape pg = new PoolShape(2, 5, 5, 3, 3, 2, 1);
    throwsNaming(() -> b.maxPoolForward(pg, x, Noise.NONE, b.zeros(2, 3, 3, 3), b.zeros(2, 3, 3, 2)), "maxPoolForward", "argmax", "[2, 3, 3, 2]");
    throwsNaming(() -> b.maxPoolBackward(pg, b.zeros(2, 3, 3, 3), b.zeros(3, 3, 3), x), "maxPoolBackward", "argmax", "[3, 3, 3]");
    float[] wrong = new float[2 * 3 * 3 * 3];
    java.util.Arrays.fill(wrong, 4f); // the centre: inside x for every window of this shape
    wrong[5] = 2.5f;
    throwsNaming(() -> b.maxPoolBackward(pg, b.zeros(2, 3, 3, 3), b.fromHost(wrong, 2, 3, 3, 3), x), "maxPoolBackward", "argmax 2.5", "(n 0, p 0, q 1, c 2)");
    wrong[5] = 0f; // window (0, 0, 1): position (r 0, s 0) is the padding row
    Tensor dxKept = b.fromHost(filled(2 * 5 * 5 * 3, 7f), 2, 5, 5, 3);
    throwsNaming(() -> b.maxPoolBackward(pg, b.zeros(2, 3, 3, 3), b.fromHost(wrong, 2, 3, 3, 3), dxKept), "maxPoolBackward", "argmax 0.0", "p 0, q 1");
    for (float v : b.toHost(dxKept)) assertEquals(7f, v, "a rejected argmax leaves dx as it was");
    Tensor py = b.zeros(2, 3, 3, 3);
    throwsNaming(() -> b.maxPoolForward(pg, x, Noise.NONE, py, py), "maxPoolForward", "argmax and y share storage");
    throwsNaming(() -> new PoolShape(1, 5000, 5000, 1, 4097, 1, 0), "window size 4097", "h=5000", "size=4097");
    throwsNaming(() -> b.globalAvgPoolForward(x, Noise.NONE, b.zeros(2, 4)), "globalAvgPoolForward", "y", "[2, 4]");
    throwsNaming(() -> b.softmaxCrossEntropy(b.zeros(3, 4), b.zeros(2), b.zeros(3, 4), b.zeros(2)), "softmaxCrossEntropy", "labels", "[2]");
    throwsNaming(() -> b.softmaxCrossEntropy(b.zeros(2, 4), b.fromHost(new float[] {1, 4}, 2), b.zeros(2, 4), b.zeros(2)),
        "softmaxCrossEntropy", "label 4.0", "sample 1", "[0, 4)");
    throwsNaming(() -> b.noiseForward(x, new Noise(Noise.Type.ADDITIVE, 0f, b.zeros(3), 1, 1, 1), x), "noiseForward", "sigma", "[3]", "2 samples");
    throwsNaming(() -> b.adamUpdate(java.util.List.of(w), java.util.List.of(x), java.util.List.of(w), java.util.List.of(w), dev.vant.backend.AdamConfig.paper(1e-3f), 1),
        "adamUpdate", "[4, 3, 3, 3]", "[2, 5, 5, 3]");
    throwsNaming(() -> b.fromHost(new float[5], 2, 3), "fromHost", "5", "[2, 3]");
  }

  @Test
  void tensorsOfAnotherBackendAreRejected() {
    try (FastBackend f = new FastBackend(1)) {
      ReferenceBackend r = new ReferenceBackend(Precision.FLOAT32);
      throwsNaming(() -> r.reluForward(f.zeros(2, 3), Noise.NONE, r.zeros(2, 3)), "reluForward", "x", "cpu-reference");
      throwsNaming(() -> f.reluForward(r.zeros(2, 3), Noise.NONE, f.zeros(2, 3)), "reluForward", "x", "cpu-fast");
      throwsNaming(() -> CpuTensors.doubles(f.zeros(2)), "CpuTensors.doubles", "[2]");
    }
  }

  @Test
  void deviceFlag() {
    throwsNaming(() -> Backends.select("tpu", 1), "--device tpu", "unknown");
    throwsNaming(() -> Backends.select("cuda", 1), "--device cuda");
    throwsNaming(() -> Backends.select("cpu", -1), "--threads", "-1");
    try (Backend b = Backends.select("CPU", 0)) {
      assertTrue(b.name().equals("cpu-fast"));
    }
  }

  @ParameterizedTest
  @MethodSource("backends")
  void nanPropagates(Backend b) {
    float nan = Float.NaN;
    Tensor x = b.fromHost(new float[] {1, nan, -2, 3}, 1, 2, 2, 1), y = b.zeros(1, 2, 2, 1);
    b.reluForward(x, Noise.NONE, y);
    assertTrue(Float.isNaN(b.toHost(y)[1]), "relu(NaN) is NaN, not 0");
    Tensor p = b.zeros(1, 1, 1, 1);
    b.maxPoolForward(new PoolShape(1, 2, 2, 1, 2, 2, 0), x, Noise.NONE, p);
    assertTrue(Float.isNaN(b.toHost(p)[0]), "max-pool over a NaN is NaN");
    Tensor z = b.fromHost(new float[] {0, nan, 1, 2}, 2, 2), st = b.zeros(2);
    b.softmaxCrossEntropy(z, b.fromHost(new float[] {0, 1}, 2), b.zeros(2, 2), st);
    assertTrue(Float.isNaN(b.toHost(st)[0]), "loss over NaN logits is NaN (the trainer reports it)");
    Tensor bn = b.zeros(1, 2, 2, 1);
    b.batchNormTrainForward(x, b.fromHost(new float[] {1}, 1), b.zeros(1), b.zeros(1), b.zeros(1), 0.1f, 1e-5f, b.zeros(1), b.zeros(1), true, Noise.NONE, bn);
    for (float v : b.toHost(bn)) assertTrue(Float.isNaN(v), "BatchNorm over a NaN channel is NaN");
  }
}
