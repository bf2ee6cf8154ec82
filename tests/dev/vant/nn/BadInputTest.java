package dev.vant.nn;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.backend.cpu.Precision;
import dev.vant.backend.cpu.ReferenceBackend;
import dev.vant.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Bad input gives an exception that names the layer, tensor or step. */
class BadInputTest {
  static final ReferenceBackend BE = new ReferenceBackend(Precision.FLOAT32);

  static void contains(Throwable e, String... parts) {
    for (String p : parts) assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' lacks '" + p + "'");
  }

  @Test
  void wrongChannelCountAtTheModelInput() {
    try (Model m = ResNet.builder().name("tiny").input(8, 8, 3).classes(4).blocks(1).widths(4).build(BE, 1);
         Tensor x = BE.zeros(2, 8, 8, 1)) {
      contains(assertThrows(IllegalArgumentException.class, () -> m.forward(x, NoiseContext.OFF)), "model input", "tiny", "[N, 8, 8, 3]", "[2, 8, 8, 1]");
    }
    try (Model m = Models.mlp(1, 4, 4, 3, 5).build(BE, 1); Tensor x = BE.zeros(2, 16)) {
      contains(assertThrows(IllegalArgumentException.class, () -> m.forward(x, NoiseContext.OFF)), "model input", "[N, 4, 4, 1]", "[2, 16]");
    }
  }

  @Test
  void mismatchedLayersNameTheLayer() {
    Sequential s = Sequential.builder()
        .add("conv1", NoisyConv2d.builder(3, 8).build())
        .add("conv2", NoisyConv2d.builder(4, 8).build())
        .build();
    try (Model m = Model.builder(s).input(5, 5, 3).build(BE, 1); Tensor x = BE.zeros(1, 5, 5, 3)) {
      contains(assertThrows(IllegalArgumentException.class, () -> m.forward(x, NoiseContext.OFF)), "conv2 (NoisyConv2d)", "[N, H, W, 4]", "[1, 5, 5, 8]");
    }
    Sequential t = Sequential.builder().add("pool", new MaxPool2d(3, 2, 0)).add("fc", NoisyLinear.builder(7, 2).build()).build();
    try (Model m = Model.builder(t).input(2, 2, 1).build(BE, 1); Tensor x = BE.zeros(1, 2, 2, 1)) {
      contains(assertThrows(IllegalArgumentException.class, () -> m.forward(x, NoiseContext.OFF)), "pool (MaxPool2d)");
    }
  }

  @Test
  void nonFiniteLossNamesTheStep() {
    try (Model m = Models.mlp(1, 2, 2, 3, 4).build(BE, 1); Tensor x = BE.zeros(2, 2, 2, 1); Tensor y = BE.zeros(2);
         SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy(BE)) {
      BE.fill(m.parameters().get(0).value(), Float.NaN);
      Tensor logits = m.forward(x, NoiseContext.OFF);
      contains(assertThrows(ArithmeticException.class, () -> ce.forward(logits, y, 17)), "NaN", "step 17");
      BE.fill(m.parameters().get(0).value(), Float.POSITIVE_INFINITY);
      BE.fill(x, 1f);
      Tensor inf = m.forward(x, NoiseContext.OFF);
      assertThrows(ArithmeticException.class, () -> ce.forward(inf, y, 18));
    }
  }

  @Test
  void perSampleSigmaOfTheWrongBatchSizeNamesTheLayer() {
    try (Model m = Models.mlp(1, 2, 2, 3, 4).build(BE, 1); Tensor x = BE.zeros(2, 2, 2, 1); Tensor sigma = BE.zeros(3)) {
      NoiseContext ctx = NoiseContext.builder().sigmaPerSample(sigma).build();
      contains(assertThrows(IllegalArgumentException.class, () -> m.forward(x, ctx)), "input", "[3]", "batch size 2");
    }
  }

  @Test
  void misuseOfTheLifeCycle() {
    NoisyConv2d conv = NoisyConv2d.builder(1, 1).build();
    try (Model m = Model.builder(Sequential.builder().add("c", conv).build()).input(3, 3, 1).build(BE, 1)) {
      contains(assertThrows(IllegalStateException.class, () -> conv.backward(BE.zeros(1, 3, 3, 1), true)), "c (NoisyConv2d)", "backward without a preceding forward");
      contains(assertThrows(IllegalStateException.class, () -> Model.builder(conv).input(3, 3, 1).build(BE, 1)), "already bound");
    }
    BatchNorm2d bn = BatchNorm2d.builder(1).build();
    try (Model m = Model.builder(bn).input(2, 2, 1).build(BE, 1); Tensor x = BE.zeros(2, 2, 2, 1)) {
      m.eval();
      Tensor y = m.forward(x, NoiseContext.OFF);
      contains(assertThrows(IllegalStateException.class, () -> m.backward(y)), "evaluation-mode");
    }
    assertThrows(IllegalArgumentException.class, () -> NoiseContext.builder().sigma(Float.NaN));
    assertThrows(IllegalArgumentException.class, () -> Sequential.builder().add("a.b", new ReluNoise()));
  }
}
