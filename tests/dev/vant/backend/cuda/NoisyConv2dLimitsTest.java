package dev.vant.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.backend.Conv2dShape;
import org.junit.jupiter.api.Test;

/**
 * The 32-bit index limits of the conv kernels, checked on the host before any launch (no GPU needed): GEMM rows and
 * columns, and the element offsets within one padded image that the TF32 gathers use.
 */
class NoisyConv2dLimitsTest {
  @Test
  void shapesWithinTheLimitsPass() {
    assertDoesNotThrow(() -> NoisyConv2d.checkIndexRange(new Conv2dShape(128, 32, 32, 512, 512, 3, 3, 1, 1)));
    // 46,340^2 = 2,147,395,600 elements: just below 2^31 with C = K = 1 and no padding.
    assertDoesNotThrow(() -> NoisyConv2d.checkIndexRange(new Conv2dShape(1, 46340, 46340, 1, 1, 1, 1, 1, 0)));
  }

  @Test
  void aPaddedImageOf2To31ElementsIsRefusedNamingTheShape() {
    // (8190 + 2)^2 * 32 = 2,147,483,648 = 2^31 elements in one padded image (N*H*W and R*S*C are far below 2^31).
    Conv2dShape g = new Conv2dShape(1, 8190, 8190, 32, 8, 3, 3, 1, 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NoisyConv2d.checkIndexRange(g));
    assertTrue(e.getMessage().contains("one padded image") && e.getMessage().contains("2147483648"), e.getMessage());
    assertTrue(e.getMessage().contains(g.toString()), e.getMessage());
  }

  @Test
  void tooManyGemmRowsAreRefused() {
    Conv2dShape g = new Conv2dShape(1 << 16, 256, 128, 1, 1, 1, 1, 1, 0);  // N*H*W = 2^31
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NoisyConv2d.checkIndexRange(g));
    assertTrue(e.getMessage().contains("N*H*W"), e.getMessage());
  }
}
