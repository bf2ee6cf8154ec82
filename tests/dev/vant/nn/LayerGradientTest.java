package dev.vant.nn;

import dev.vant.backend.Noise;
import org.junit.jupiter.api.Test;

/** Gradient checks (double, central differences, noise on) of every layer; see {@link NnGradCheck}. */
class LayerGradientTest {
  static final NoiseContext ADD = NnGradCheck.noise(Noise.Type.ADDITIVE, 0);
  static final NoiseContext ADD_PER_SAMPLE = NnGradCheck.noise(Noise.Type.ADDITIVE, 2);
  static final NoiseContext MUL_PER_SAMPLE = NnGradCheck.noise(Noise.Type.MULTIPLICATIVE, 2);
  static final NoiseContext COMBINED = NnGradCheck.noise(Noise.Type.COMBINED, 0);

  @Test
  void noisyConv2dWithBiasStride2() {
    NnGradCheck.layer("conv 3x3/2 bias", NoisyConv2d.builder(3, 4).kernel(3).stride(2).pad(1).build(), 2, new int[] {5, 6, 3}, ADD_PER_SAMPLE, true, 1);
  }

  @Test
  void noisyConv2dNoBias1x1Multiplicative() {
    NnGradCheck.layer("conv 1x1 no bias", NoisyConv2d.builder(3, 5).kernel(1).pad(0).bias(false).build(), 2, new int[] {4, 3, 3}, MUL_PER_SAMPLE, true, 2);
  }

  @Test
  void noisyConv2d7x7Combined() {
    NnGradCheck.layer("conv 7x7/2 pad 3", NoisyConv2d.builder(2, 3).kernel(7).stride(2).pad(3).build(), 2, new int[] {9, 8, 2}, COMBINED, true, 3);
  }

  @Test
  void noisyLinear() {
    NnGradCheck.layer("linear", NoisyLinear.builder(7, 5).build(), 3, new int[] {7}, MUL_PER_SAMPLE.toBuilder().sigmaPerSample(perSample(3)).build(), true, 4);
  }

  @Test
  void batchNormReluNoise() {
    NnGradCheck.layer("bn+relu+noise", BatchNorm2d.builder(3).relu(true).noisy(true).build(), 2, new int[] {3, 4, 3}, MUL_PER_SAMPLE, true, 5);
  }

  @Test
  void batchNormPlain() {
    NnGradCheck.layer("bn", BatchNorm2d.builder(4).build(), 3, new int[] {2, 3, 4}, ADD, true, 6);
  }

  @Test
  void reluNoise() {
    NnGradCheck.layer("relu+noise", new ReluNoise(), 2, new int[] {3, 3, 4}, MUL_PER_SAMPLE, true, 7);
  }

  @Test
  void maxPoolNoise() {
    NnGradCheck.layer("maxpool 3x3/2 pad 1", new MaxPool2d(3, 2, 1), 2, new int[] {7, 6, 3}, COMBINED, true, 8);
  }

  @Test
  void globalAvgPoolNoise() {
    NnGradCheck.layer("avgpool", new GlobalAvgPool(), 2, new int[] {3, 4, 5}, MUL_PER_SAMPLE, true, 9);
  }

  @Test
  void inputNoise() {
    NnGradCheck.layer("input noise", new InputNoise(), 2, new int[] {3, 2, 3}, MUL_PER_SAMPLE, true, 10);
  }

  @Test
  void flattenThenLinear() {
    Sequential s = Sequential.builder().add(new Flatten()).add(NoisyLinear.builder(12, 3).afterFlatten(2, 2, 3).build()).build();
    NnGradCheck.layer("flatten+linear", s, 2, new int[] {2, 2, 3}, ADD, true, 11);
  }

  @Test
  void basicBlockWithShortcutConvAndResidualJoin() {
    NnGradCheck.layer("basic block (1x1 shortcut)", new BasicBlock(2, 3, 2, true), 2, new int[] {5, 5, 2}, MUL_PER_SAMPLE, true, 12);
  }

  @Test
  void basicBlockIdentity() {
    NnGradCheck.layer("basic block (identity)", new BasicBlock(3, 3, 1, true), 2, new int[] {4, 4, 3}, ADD_PER_SAMPLE, true, 13);
  }

  @Test
  void bottleneck() {
    NnGradCheck.layer("bottleneck", new Bottleneck(4, 2, 2), 2, new int[] {4, 4, 4}, COMBINED, true, 14);
  }

  private static dev.vant.tensor.Tensor perSample(int n) {
    dev.vant.tensor.Tensor s = NnGradCheck.DBL.zeros(n);
    for (int i = 0; i < n; i++) dev.vant.backend.cpu.CpuTensors.doubles(s)[i] = 0.2 + 0.1 * i;
    return s;
  }
}
