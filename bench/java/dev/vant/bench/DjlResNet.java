package dev.vant.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import java.util.List;

/**
 * The paper's ResNet-18 with its noise points (DESIGN.md §1) in DJL blocks, for the CPU peer
 * ({@link CpuTrainStepBench}): the architecture of {@code dev.vant.nn.Models.resnet18} and of
 * bench/peers/pytorch_vant.py. Noise is {@code x + sigma[n] * N(0, 1)} drawn fresh at every application
 * (DJL's {@code randomNormal}), with the per-sample sigma of the current step held by {@link Level}; the
 * backward pass treats it as a constant, as autograd does for an added random tensor.
 *
 * <p>Stem: noise -> conv 3x3 s1 (bias) -> noise -> BN -> ReLU -> noise -> max-pool 3x3 s2 p1 -> noise.
 * Basic block: conv (bias) -> noise -> BN -> ReLU+noise -> conv (bias) -> noise -> BN, shortcut (1x1 conv
 * without bias -> noise -> BN when the shape changes), add, ReLU+noise. Head: global average pool ->
 * noise -> FC -> noise. 33 noise operators, 41 applications.
 */
final class DjlResNet {
  /** The noise level of the current step: null = no noise, else sigma [N]. */
  static final class Level {
    NDArray sigma;
  }

  private DjlResNet() {}

  static Block resnet18(Level level, int classes) {
    SequentialBlock net = new SequentialBlock();
    net.add(noise(level))
        .add(conv(64, 3, 1, true)).add(noise(level)).add(BatchNorm.builder().build()).add(reluNoise(level))
        .add(Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1))).add(noise(level));
    int cin = 64;
    for (int[] stage : new int[][] {{64, 1}, {128, 2}, {256, 2}, {512, 2}}) {
      net.add(block(level, cin, stage[0], stage[1])).add(block(level, stage[0], stage[0], 1));
      cin = stage[0];
    }
    net.add(Pool.globalAvgPool2dBlock()).add(Blocks.batchFlattenBlock()).add(noise(level))
        .add(Linear.builder().setUnits(classes).build()).add(noise(level));
    return net;
  }

  private static Block block(Level level, int cin, int cout, int stride) {
    SequentialBlock main = new SequentialBlock()
        .add(conv(cout, 3, stride, true)).add(noise(level)).add(BatchNorm.builder().build()).add(reluNoise(level))
        .add(conv(cout, 3, 1, true)).add(noise(level)).add(BatchNorm.builder().build());
    Block shortcut = stride != 1 || cin != cout
        ? new SequentialBlock().add(conv(cout, 1, stride, false)).add(noise(level)).add(BatchNorm.builder().build())
        : Blocks.identityBlock();
    // The block's one ReLU+noise operator is applied again after the residual add (fresh noise).
    return new ParallelBlock(l -> new NDList(addNoise(level, Activation.relu(l.get(0).singletonOrThrow().add(l.get(1).singletonOrThrow())))),
        List.of(main, shortcut));
  }

  private static Block conv(int k, int r, int stride, boolean bias) {
    return Conv2d.builder().setKernelShape(new Shape(r, r)).optStride(new Shape(stride, stride))
        .optPadding(new Shape(r / 2, r / 2)).setFilters(k).optBias(bias).build();
  }

  private static Block noise(Level level) {
    return LambdaBlock.singleton(x -> addNoise(level, x), "noise");
  }

  private static Block reluNoise(Level level) {
    return LambdaBlock.singleton(x -> addNoise(level, Activation.relu(x)), "relu_noise");
  }

  static NDArray addNoise(Level level, NDArray x) {
    if (level.sigma == null) return x;
    long[] view = new long[x.getShape().dimension()];
    java.util.Arrays.fill(view, 1);
    view[0] = -1;
    NDArray eps = x.getManager().randomNormal(x.getShape());
    return x.add(eps.mul(level.sigma.reshape(view)));
  }
}
