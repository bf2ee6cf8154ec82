package dev.vant.nn;

import java.util.Arrays;

/**
 * The paper's ResNets (DESIGN.md §1) and smaller variants of the same design, as a {@link Sequential}
 * with PyTorch-style names:
 * <pre>
 *   input    noise on the image                                           [N, H, W, C]
 *   conv1    3x3/1 pad 1 (H and W under 224) or 7x7/2 pad 3, with bias -> noise
 *   bn1      BN -> ReLU -> noise (operator "relu")
 *   maxpool  3x3/2 pad 1 -> noise            (for every input size; optional for small ResNets)
 *   layer1 .. layerK   stages of {@link BasicBlock}s or {@link Bottleneck}s, first stride 1, then 2
 *   avgpool  global average pool -> noise                                 [N, F]
 *   fc       linear -> noise (the logits)                                 [N, classes]
 * </pre>
 * Checkpoint names follow the authors' (kuangliu-style) code: {@code conv1.weight}, {@code bn1.running_mean},
 * {@code layer1.0.conv1.weight}, {@code layer2.0.shortcut.0.weight} (1x1 conv), {@code layer2.0.shortcut.1.weight}
 * (its BN), {@code fc.weight}. Import also accepts torchvision's {@code downsample.N} and kuangliu's
 * {@code linear} (see {@code dev.vant.io.Checkpoint}).
 */
public final class ResNet {
  private ResNet() {}

  /** The kind of residual block. */
  public enum Block {
    /** Two 3x3 convs (ResNet-18/34). */
    BASIC,
    /** 1x1, 3x3, 1x1 (x4) convs (ResNet-50). */
    BOTTLENECK
  }

  /** A builder; set at least the input shape, classes, block, widths and blocks per stage. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builder of ResNet models. */
  public static final class Builder {
    private int h = 32, w = 32, c = 3, classes = 10;
    private Block block = Block.BASIC;
    private int[] blocks = {2, 2, 2, 2};
    private int[] widths = {64, 128, 256, 512};
    private boolean convBias = true, maxPool = true;
    private String name = "resnet";

    /** Input images [N, h, w, c]. Default 32x32x3. */
    public Builder input(int h, int w, int c) {
      if (h <= 0 || w <= 0 || c <= 0) throw new IllegalArgumentException("bad ResNet input " + h + "x" + w + "x" + c);
      this.h = h;
      this.w = w;
      this.c = c;
      return this;
    }

    /** Number of classes (logits). Default 10. */
    public Builder classes(int n) {
      if (n <= 0) throw new IllegalArgumentException("classes must be positive: " + n);
      this.classes = n;
      return this;
    }

    /** Basic blocks (ResNet-18/34) or bottlenecks (ResNet-50). Default basic. */
    public Builder block(Block b) {
      this.block = b;
      return this;
    }

    /** Blocks per stage, e.g. {2, 2, 2, 2} for ResNet-18. */
    public Builder blocks(int... perStage) {
      this.blocks = perStage.clone();
      return this;
    }

    /** Stage widths ("planes"), e.g. {64, 128, 256, 512}; the stem has widths[0] channels. */
    public Builder widths(int... w) {
      this.widths = w.clone();
      return this;
    }

    /** Bias in the basic blocks' convs (default true, as in the paper); bottlenecks never have one. */
    public Builder convBias(boolean on) {
      this.convBias = on;
      return this;
    }

    /** The stem max-pool (default true, as in the paper). */
    public Builder maxPool(boolean on) {
      this.maxPool = on;
      return this;
    }

    /** Architecture name in checkpoints, e.g. "resnet18". */
    public Builder name(String n) {
      this.name = n;
      return this;
    }

    /** A description of the architecture (stored in checkpoints). */
    public String describe() {
      return name + "(block=" + block.name().toLowerCase() + ", blocks=" + Arrays.toString(blocks) + ", widths="
          + Arrays.toString(widths) + ", input=" + h + "x" + w + "x" + c + ", classes=" + classes
          + ", convBias=" + (block == Block.BASIC && convBias) + ", maxPool=" + maxPool + ")";
    }

    /** The network as layers (not yet bound). */
    public Sequential layers() {
      if (blocks.length == 0 || blocks.length != widths.length) {
        throw new IllegalArgumentException("ResNet needs as many stage widths as stages: blocks " + Arrays.toString(blocks) + ", widths " + Arrays.toString(widths));
      }
      boolean large = h >= 224 && w >= 224;
      Sequential.Builder s = Sequential.builder()
          .add("input", new InputNoise())
          .add("conv1", NoisyConv2d.builder(c, widths[0]).kernel(large ? 7 : 3).stride(large ? 2 : 1).pad(large ? 3 : 1).bias(true).build())
          .add("bn1", BatchNorm2d.builder(widths[0]).relu(true).noiseOp(new NoiseOp("relu")).build());
      if (maxPool) s.add("maxpool", new MaxPool2d(3, 2, 1));
      int in = widths[0];
      for (int st = 0; st < blocks.length; st++) {
        Sequential.Builder stage = Sequential.builder();
        for (int b = 0; b < blocks[st]; b++) {
          int stride = (st > 0 && b == 0) ? 2 : 1;
          if (block == Block.BASIC) {
            stage.add(new BasicBlock(in, widths[st], stride, convBias));
            in = widths[st];
          } else {
            stage.add(new Bottleneck(in, widths[st], stride));
            in = Bottleneck.EXPANSION * widths[st];
          }
        }
        s.add("layer" + (st + 1), stage.build());
      }
      s.add("avgpool", new GlobalAvgPool());
      s.add("fc", NoisyLinear.builder(in, classes).build());
      return s.build();
    }

    /** The model: layers bound to {@code backend}, parameters drawn from {@code initSeed}. */
    public Model build(dev.vant.backend.Backend backend, long initSeed) {
      return Model.builder(layers()).input(h, w, c).architecture(describe()).build(backend, initSeed);
    }

    /** The unbound model description (see {@link Model.Builder}). */
    public Model.Builder model() {
      return Model.builder(layers()).input(h, w, c).architecture(describe());
    }
  }
}
