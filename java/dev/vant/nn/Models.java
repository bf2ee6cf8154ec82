package dev.vant.nn;

/**
 * The model zoo. Each method returns an unbound {@link Model.Builder}; finish with
 * {@code .build(backend, initSeed)}. Inputs are NHWC images {@code [N, h, w, c]}; outputs are logits
 * {@code [N, classes]}.
 */
public final class Models {
  private Models() {}

  /** The paper's ResNet-18: basic blocks {2,2,2,2}, widths 64..512, convs with bias. */
  public static Model.Builder resnet18(int c, int h, int w, int classes) {
    return ResNet.builder().name("resnet18").input(h, w, c).classes(classes).block(ResNet.Block.BASIC)
        .blocks(2, 2, 2, 2).widths(64, 128, 256, 512).model();
  }

  /** ResNet-34: basic blocks {3,4,6,3}. */
  public static Model.Builder resnet34(int c, int h, int w, int classes) {
    return ResNet.builder().name("resnet34").input(h, w, c).classes(classes).block(ResNet.Block.BASIC)
        .blocks(3, 4, 6, 3).widths(64, 128, 256, 512).model();
  }

  /** ResNet-50: bottlenecks {3,4,6,3}, widths 64..512 (outputs 256..2048), convs without bias. */
  public static Model.Builder resnet50(int c, int h, int w, int classes) {
    return ResNet.builder().name("resnet50").input(h, w, c).classes(classes).block(ResNet.Block.BOTTLENECK)
        .blocks(3, 4, 6, 3).widths(64, 128, 256, 512).model();
  }

  /**
   * He et al.'s CIFAR ResNet-20 with the paper's noise points: 3x3 stem to 16 channels, 3 stages of 3
   * basic blocks with widths 16/32/64, no stem max-pool (as in He et al.), 1x1 conv shortcuts (option B)
   * where the shape changes.
   */
  public static Model.Builder resnet20(int c, int h, int w, int classes) {
    return ResNet.builder().name("resnet20").input(h, w, c).classes(classes).block(ResNet.Block.BASIC)
        .blocks(3, 3, 3).widths(16, 32, 64).maxPool(false).model();
  }

  /**
   * LeNet-5 with a noise point after every layer: input noise, conv1 5x5 pad 2 (6) -> noise, ReLU ->
   * noise, max-pool 2x2 -> noise, conv2 5x5 (16) -> noise, ReLU -> noise, max-pool 2x2 -> noise, flatten,
   * fc1 (120) -> noise, ReLU -> noise, fc2 (84) -> noise, ReLU -> noise, fc3 (classes) -> noise.
   * For 28x28 inputs fc1 reads 16x5x5.
   */
  public static Model.Builder lenet5(int c, int h, int w, int classes) {
    int h1 = (h + 4 - 5 + 1) / 2, w1 = (w + 4 - 5 + 1) / 2;
    int h2 = (h1 - 5 + 1) / 2, w2 = (w1 - 5 + 1) / 2;
    if (h2 <= 0 || w2 <= 0) throw new IllegalArgumentException("LeNet-5 needs inputs of at least 12x12, got " + h + "x" + w);
    Sequential s = Sequential.builder()
        .add("input", new InputNoise())
        .add("conv1", NoisyConv2d.builder(c, 6).kernel(5).pad(2).build())
        .add("relu1", new ReluNoise())
        .add("pool1", new MaxPool2d(2, 2, 0))
        .add("conv2", NoisyConv2d.builder(6, 16).kernel(5).pad(0).build())
        .add("relu2", new ReluNoise())
        .add("pool2", new MaxPool2d(2, 2, 0))
        .add("flatten", new Flatten())
        .add("fc1", NoisyLinear.builder(16 * h2 * w2, 120).afterFlatten(h2, w2, 16).build())
        .add("relu3", new ReluNoise())
        .add("fc2", NoisyLinear.builder(120, 84).build())
        .add("relu4", new ReluNoise())
        .add("fc3", NoisyLinear.builder(84, classes).build())
        .build();
    return Model.builder(s).input(h, w, c).architecture("lenet5(input=" + h + "x" + w + "x" + c + ", classes=" + classes + ")");
  }

  /**
   * A multi-layer perceptron on images [N, h, w, c] flattened: input noise, then for each hidden width
   * {@code fcI -> noise, reluI -> noise}, then {@code fcK (classes) -> noise}.
   */
  public static Model.Builder mlp(int c, int h, int w, int classes, int... hidden) {
    Sequential.Builder s = Sequential.builder().add("input", new InputNoise()).add("flatten", new Flatten());
    int in = h * w * c;
    int i = 1;
    for (int width : hidden) {
      NoisyLinear.Builder fc = NoisyLinear.builder(in, width);
      if (i == 1) fc.afterFlatten(h, w, c);
      s.add("fc" + i, fc.build()).add("relu" + i, new ReluNoise());
      in = width;
      i++;
    }
    NoisyLinear.Builder last = NoisyLinear.builder(in, classes);
    if (i == 1) last.afterFlatten(h, w, c);
    s.add("fc" + i, last.build());
    return Model.builder(s.build()).input(h, w, c).architecture("mlp(input=" + h + "x" + w + "x" + c + ", hidden="
        + java.util.Arrays.toString(hidden) + ", classes=" + classes + ")");
  }
}
