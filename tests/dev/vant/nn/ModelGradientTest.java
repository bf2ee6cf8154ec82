package dev.vant.nn;

import dev.vant.backend.Noise;
import org.junit.jupiter.api.Test;

/** Whole-model gradient checks (double, central differences, noise on, softmax cross-entropy loss). */
class ModelGradientTest {
  @Test
  void tinyResNet() {
    try (Model m = ResNet.builder().input(6, 6, 2).classes(3).blocks(1, 1).widths(2, 3).build(NnGradCheck.DBL, 21)) {
      NnGradCheck.model("tiny resnet", m, 2, 31, NnGradCheck.noise(Noise.Type.ADDITIVE, 2));
    }
  }

  @Test
  void tinyBottleneckResNet() {
    try (Model m = ResNet.builder().input(5, 5, 1).classes(3).block(ResNet.Block.BOTTLENECK).blocks(1, 1).widths(2, 1).build(NnGradCheck.DBL, 22)) {
      NnGradCheck.model("tiny bottleneck resnet", m, 2, 32, NnGradCheck.noise(Noise.Type.MULTIPLICATIVE, 2));
    }
  }

  @Test
  void lenet5() {
    try (Model m = Models.lenet5(1, 16, 16, 4).build(NnGradCheck.DBL, 23)) {
      NnGradCheck.model("lenet5", m, 2, 33, NnGradCheck.noise(Noise.Type.ADDITIVE, 0));
    }
  }

  @Test
  void mlp() {
    try (Model m = Models.mlp(1, 4, 4, 3, 8, 6).build(NnGradCheck.DBL, 24)) {
      NnGradCheck.model("mlp", m, 3, 34, NnGradCheck.noise(Noise.Type.COMBINED, 3));
    }
  }
}
