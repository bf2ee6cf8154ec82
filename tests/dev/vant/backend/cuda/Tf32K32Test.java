package dev.vant.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vant.backend.Conv2dShape;
import dev.vant.backend.MathMode;
import dev.vant.backend.Noise;
import dev.vant.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The K32 pipeline of the TF32 forwards (noisy_conv2d_forward_tf32k32, noisy_matmul_forward_tf32k32; BK 32, 3 stages,
 * dynamic shared memory), selected by vant.tf32.tile = k32: against the DOUBLE reference with the TF32 bound of
 * {@link GpuTwin#compareTf32} on the TF32 edge shapes (C = 3 gathers, K = 1, edge tiles, split-K, k not a multiple of
 * 32) and random ones; bit for bit against the K16 kernels where both sums are exact; fused noise bit for bit against
 * the clean K32 conv followed by the noise kernel.
 */
@Tag("gpu")
class Tf32K32Test {
  private static void withTile(String tile, Runnable r) {
    String old = System.getProperty("vant.tf32.tile");
    System.setProperty("vant.tf32.tile", tile);
    try {
      r.run();
    } finally {
      if (old == null) System.clearProperty("vant.tf32.tile");
      else System.setProperty("vant.tf32.tile", old);
    }
  }

  @Test
  void k32ForwardsMatchTheReference() {
    withTile("k32", () -> {
      try (GpuTwin t = GpuTwin.open(131, MathMode.TF32)) {
        assertEquals("k32", CudaBackend.tf32Tile());
        List<Conv2dShape> convs = new ArrayList<>(List.of(
            new Conv2dShape(2, 5, 5, 1, 3, 1, 1, 1, 0), new Conv2dShape(2, 9, 9, 3, 67, 3, 3, 1, 1),
            new Conv2dShape(3, 8, 8, 8, 16, 3, 3, 2, 1), new Conv2dShape(1, 6, 6, 4, 5, 3, 3, 1, 2),
            new Conv2dShape(2, 6, 6, 20, 70, 3, 3, 1, 1)));          // k = 180: five k-tiles of 32 and a ragged end
        convs.addAll(List.of(NoisyConv2dTest.SPLIT_FORWARD));
        for (int i = t.count(60, 12, 4); i > 0; i--) convs.add(NoisyConv2dTest.randomShape(t));
        for (int i = 0; i < convs.size(); i++) {
          NoisyConv2dTest.forwardCase(t, convs.get(i), t.anyType(i), i % 3 == 0, i % 2 == 0, "k32 case " + i);
          t.release();
        }
        int[][] linears = {{1, 1, 1}, {129, 4, 65}, {7, 3, 10}, {130, 68, 66}, {33, 17, 131}, {70, 100, 9}};
        for (int i = 0; i < linears.length; i++) {
          NoisyMatmulTest.forwardCase(t, new NoisyMatmulTest.Dims(linears[i][0], linears[i][1], linears[i][2]), t.anyType(i),
              i % 2 == 0, true, "k32 case " + i);
          t.release();
        }
        System.out.printf("[vant] tf32 k32 forwards: %d cases, worst |gpu - ref| / allowed = %.3f%n",
            convs.size() + linears.length, t.worstTf32);
      }
    });
  }

  @Test
  void k32EqualsK16WhereTheSumsAreExactAndFusesItsNoise() {
    try (GpuTwin t = GpuTwin.open(132, MathMode.TF32)) {
      Conv2dShape[] shapes = {new Conv2dShape(2, 9, 9, 3, 67, 3, 3, 1, 1), new Conv2dShape(2, 6, 6, 20, 70, 3, 3, 1, 1),
          NoisyConv2dTest.SPLIT_FORWARD[1]};
      for (int i = 0; i < shapes.length * 2; i++) {
        Conv2dShape g = shapes[i / 2];
        Noise.Type type = i % 2 == 0 ? Noise.Type.COMBINED : Noise.Type.ADDITIVE;
        Tensor[] x = t.ints(-3, 3, g.inputShape()), w = t.ints(-3, 3, g.weightShape()), b = t.ints(-5, 5, g.k());
        Noise[] nz = t.noise(type, i % 2 == 0, g.n());
        Tensor k16 = t.gpuOut(g.outputShape()), k32 = t.gpuOut(g.outputShape());
        Tensor clean = t.gpuOut(g.outputShape()), unfused = t.gpuOut(g.outputShape());
        t.gpu.conv2dForward(g, x[1], w[1], b[1], nz[1], k16);
        withTile("k32", () -> {
          t.gpu.conv2dForward(g, x[1], w[1], b[1], nz[1], k32);
          t.gpu.conv2dForward(g, x[1], w[1], b[1], Noise.NONE, clean);
        });
        t.gpu.noiseForward(clean, nz[1], unfused);
        t.assertSameBits("conv2dForward k32 vs k16 " + g + " " + type, k16, k32);
        t.assertSameBits("conv2dForward k32 fused vs k32 + noise kernel " + g + " " + type, unfused, k32);
        t.release();
      }
    }
    withTile("k64", () -> assertThrows(IllegalArgumentException.class, CudaBackend::tf32Tile));
  }
}
