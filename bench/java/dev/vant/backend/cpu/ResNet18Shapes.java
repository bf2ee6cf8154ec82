package dev.vant.backend.cpu;

import dev.vant.backend.Conv2dShape;

/**
 * The 3x3 conv shapes of the paper's ResNet-18 on 3x32x32 inputs at batch 128 (DESIGN.md §1): the stem
 * conv runs at 32x32; the stem max-pool halves that, so layer1 runs at 16x16, layer2 8x8, layer3 4x4,
 * layer4 2x2 (the repeated conv of each stage, C = K).
 */
final class ResNet18Shapes {
  static final int BATCH = 128;

  private ResNet18Shapes() {}

  static Conv2dShape of(String layer) {
    return switch (layer) {
      case "stem" -> new Conv2dShape(BATCH, 32, 32, 3, 64, 3, 3, 1, 1);
      case "layer1" -> new Conv2dShape(BATCH, 16, 16, 64, 64, 3, 3, 1, 1);
      case "layer2" -> new Conv2dShape(BATCH, 8, 8, 128, 128, 3, 3, 1, 1);
      case "layer3" -> new Conv2dShape(BATCH, 4, 4, 256, 256, 3, 3, 1, 1);
      case "layer4" -> new Conv2dShape(BATCH, 2, 2, 512, 512, 3, 3, 1, 1);
      default -> throw new IllegalArgumentException("unknown ResNet-18 layer " + layer);
    };
  }

  /**
   * The GEMM of a pass as {m, n, k} (row-major C[m,n] = A[m,k] B[k,n]): forward [NPQ x RSC] x [RSC x K],
   * backward data [NPQ x K] x [K x RSC], backward weight [K x NPQ] x [NPQ x RSC]. All have the conv's FLOPs.
   */
  static int[] gemm(Conv2dShape g, String pass) {
    int m = g.n() * g.p() * g.q(), rsc = g.r() * g.s() * g.c();
    return switch (pass) {
      case "forward" -> new int[] {m, g.k(), rsc};
      case "backwardData" -> new int[] {m, rsc, g.k()};
      case "backwardWeight" -> new int[] {g.k(), rsc, m};
      default -> throw new IllegalArgumentException("unknown pass " + pass);
    };
  }
}
