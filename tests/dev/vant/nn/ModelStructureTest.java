package dev.vant.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.backend.Noise;
import dev.vant.backend.cpu.Precision;
import dev.vant.backend.cpu.ReferenceBackend;
import dev.vant.tensor.Tensor;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Noise operator / application counts, parameter counts (with the arithmetic), names and shapes. */
class ModelStructureTest {
  static final ReferenceBackend F32 = new ReferenceBackend(Precision.FLOAT32);

  // ---- parameter arithmetic of the paper's ResNets (3x32x32 input, 10 classes) ---------------------

  /** Stem: conv 3x3 (3 -> 64) with bias, BN(64). */
  static long stem(int c) {
    return (long) c * 64 * 9 + 64 + 2 * 64;
  }

  /** Basic block: two 3x3 convs with bias, two BNs, and a 1x1 conv (no bias) + BN when the shape changes. */
  static long basic(int in, int out, int stride) {
    long p = (long) in * out * 9 + out + 2 * out + (long) out * out * 9 + out + 2 * out;
    if (stride != 1 || in != out) p += (long) in * out + 2 * out;
    return p;
  }

  /** Bottleneck: 1x1, 3x3, 1x1 (x4) convs without bias, three BNs, and the 1x1 shortcut (no bias) + BN. */
  static long bottleneck(int in, int planes, int stride) {
    int out = 4 * planes;
    long p = (long) in * planes + 2 * planes + (long) planes * planes * 9 + 2 * planes + (long) planes * out + 2 * out;
    if (stride != 1 || in != out) p += (long) in * out + 2 * out;
    return p;
  }

  static long basicNet(int[] blocks, int classes) {
    long p = stem(3);
    int in = 64;
    int[] widths = {64, 128, 256, 512};
    for (int s = 0; s < 4; s++) {
      for (int b = 0; b < blocks[s]; b++) {
        p += basic(in, widths[s], s > 0 && b == 0 ? 2 : 1);
        in = widths[s];
      }
    }
    return p + 512L * classes + classes;
  }

  static long bottleneckNet(int[] blocks, int classes) {
    long p = stem(3);
    int in = 64;
    int[] widths = {64, 128, 256, 512};
    for (int s = 0; s < 4; s++) {
      for (int b = 0; b < blocks[s]; b++) {
        p += bottleneck(in, widths[s], s > 0 && b == 0 ? 2 : 1);
        in = 4 * widths[s];
      }
    }
    return p + 2048L * classes + classes;
  }

  @Test
  void parameterArithmetic() {
    // ResNet-18 = torchvision's 11,689,512 - fc 1000->10 (507,870) - 7x7 stem (9,408) + 3x3 stem with
    // bias (1,792) + basic-block conv biases (2 * (2*64 + 2*128 + 2*256 + 2*512) = 3,840).
    assertEquals(11_177_866L, basicNet(new int[] {2, 2, 2, 2}, 10));
    // ResNet-34 = 21,797,672 - 507,870 - 9,408 + 1,792 + biases 2*(3*64 + 4*128 + 6*256 + 3*512) = 7,552.
    assertEquals(21_289_738L, basicNet(new int[] {3, 4, 6, 3}, 10));
    // ResNet-50 = 25,557,032 - fc 2048*990 + 990 (2,028,510) - 9,408 + 1,792; bottlenecks have no conv bias.
    assertEquals(23_520_906L, bottleneckNet(new int[] {3, 4, 6, 3}, 10));
  }

  @Test
  void resnet18Counts() {
    try (Model m = Models.resnet18(3, 32, 32, 10).build(F32, 1)) {
      assertEquals(11_177_866L, m.parameterCount());
      assertEquals(33, m.noiseOperators().size());
      assertEquals(41, m.noiseSites().size());
      checkSites(m);
      List<String> first = m.noiseSites().subList(0, 17).stream().map(NoiseSite::name).toList();
      assertEquals(List.of("input#1", "conv1#1", "relu#1", "maxpool#1",
          "layer1.0.conv1#1", "layer1.0.relu#1", "layer1.0.conv2#1", "layer1.0.relu#2",
          "layer1.1.conv1#1", "layer1.1.relu#1", "layer1.1.conv2#1", "layer1.1.relu#2",
          "layer2.0.conv1#1", "layer2.0.relu#1", "layer2.0.conv2#1", "layer2.0.shortcut.0#1", "layer2.0.relu#2"), first);
      assertEquals("avgpool#1", m.noiseSites().get(39).name());
      assertEquals("fc#1", m.noiseSites().get(40).name());
      NoiseOperator relu = m.noiseOperator("layer2.0.relu");
      assertEquals(List.of(13, 16), relu.sites());
      // Stable: a second build has the same sites and operators.
      try (Model again = Models.resnet18(3, 32, 32, 10).build(F32, 2)) {
        assertEquals(m.noiseSites(), again.noiseSites());
        assertEquals(m.noiseOperators(), again.noiseOperators());
      }
      assertEquals("conv1.weight", m.parameters().get(0).name());
      assertArrayEquals(new int[] {64, 3, 3, 3}, m.parameters().get(0).shape());
      assertEquals("fc.bias", m.parameters().get(m.parameters().size() - 1).name());
      assertTrue(m.buffers().stream().anyMatch(b -> b.name().equals("layer2.0.shortcut.1.running_var")));
      assertTrue(m.counters().stream().anyMatch(c -> c.name().equals("bn1.num_batches_tracked")));
    }
  }

  @Test
  void resnet34Counts() {
    try (Model m = Models.resnet34(3, 32, 32, 10).build(F32, 1)) {
      assertEquals(21_289_738L, m.parameterCount());
      // 4 stem/head-side operators + input + 16 blocks x 3 + 3 shortcuts = 6 + 48 + 3; one extra application per block.
      assertEquals(6 + 16 * 3 + 3, m.noiseOperators().size());
      assertEquals(6 + 16 * 3 + 3 + 16, m.noiseSites().size());
      checkSites(m);
    }
  }

  @Test
  void resnet50Counts() {
    try (Model m = Models.resnet50(3, 32, 32, 10).build(F32, 1)) {
      assertEquals(23_520_906L, m.parameterCount());
      assertEquals(74, m.noiseOperators().size());
      assertEquals(106, m.noiseSites().size());
      checkSites(m);
    }
  }

  @Test
  void anyInputSizeAndChannelCount() {
    try (Model m = Models.resnet18(1, 28, 28, 7).build(F32, 3); Tensor x = F32.zeros(2, 28, 28, 1)) {
      assertArrayEquals(new int[] {2, 7}, m.outputShape(2));
      // 28 -> maxpool 14 -> 14, 7, 4, 2 through the stages.
      m.eval();
      NoiseContext ctx = NoiseContext.builder().sigma(0.1f).seed(5).build();
      Tensor y = m.forward(x, ctx);
      assertArrayEquals(new int[] {2, 7}, y.shape());
      for (float v : F32.toHost(y)) assertTrue(Float.isFinite(v));
    }
    try (Model m = Models.resnet18(3, 64, 64, 200).build(F32, 3)) {
      assertArrayEquals(new int[] {4, 200}, m.outputShape(4));
    }
    try (Model m = Models.resnet50(3, 224, 224, 1000).build(F32, 3)) {
      // 7x7/2 stem at 224 px: 224 -> 112 -> maxpool 56 -> ... -> 7.
      assertArrayEquals(new int[] {64, 7, 7, 3}, m.parameters().get(0).shape());
      assertArrayEquals(new int[] {1, 1000}, m.outputShape(1));
    }
    try (Model m = Models.resnet20(3, 64, 64, 10).build(F32, 3); Tensor x = F32.zeros(2, 64, 64, 3)) {
      // 19 convs (stem + 9 blocks x 2) + 2 shortcut convs + fc: He et al.'s 20 weighted layers plus option-B shortcuts.
      assertEquals(19 + 2 + 1, m.parameters().stream().filter(p -> p.name().endsWith("conv1.weight") || p.name().endsWith("conv2.weight") || p.name().endsWith("shortcut.0.weight") || p.name().equals("fc.weight")).count());
      Tensor y = m.forward(x, NoiseContext.builder().sigma(0.2f).seed(1).build());
      assertArrayEquals(new int[] {2, 10}, y.shape());
    }
  }

  @Test
  void smallModelsCounts() {
    try (Model m = Models.resnet20(3, 32, 32, 10).build(F32, 1)) {
      // He et al.'s ResNet-20 has 0.27M parameters; ours adds conv biases, the stem bias and two 1x1 shortcuts.
      long expected = 3 * 16 * 9 + 16 + 32;
      int in = 16;
      int[] widths = {16, 32, 64};
      for (int s = 0; s < 3; s++) {
        for (int b = 0; b < 3; b++) {
          expected += basic(in, widths[s], s > 0 && b == 0 ? 2 : 1);
          in = widths[s];
        }
      }
      expected += 64 * 10 + 10;
      assertEquals(expected, m.parameterCount());
      // input, conv1, relu, avgpool, fc + 9 blocks x 3 + 2 shortcuts; 9 extra applications.
      assertEquals(5 + 27 + 2, m.noiseOperators().size());
      assertEquals(5 + 27 + 2 + 9, m.noiseSites().size());
      checkSites(m);
    }
    try (Model m = Models.lenet5(1, 28, 28, 10).build(F32, 1)) {
      assertEquals(61_706L, m.parameterCount()); // the classic LeNet-5 (with padding 2 on conv1) count
      assertEquals(12, m.noiseSites().size());
      assertEquals(12, m.noiseOperators().size());
      checkSites(m);
    }
    try (Model m = Models.mlp(1, 28, 28, 10, 256, 128).build(F32, 1)) {
      assertEquals(784L * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10, m.parameterCount());
      assertEquals(1 + 2 * 2 + 1, m.noiseSites().size());
      checkSites(m);
    }
  }

  @Test
  void operatorsCanBeSwitchedOff() {
    try (Model m = Models.mlp(1, 2, 2, 3, 5).build(F32, 4); Tensor x = F32.fromHost(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 2, 1)) {
      NoiseContext off = NoiseContext.OFF;
      float[] clean = F32.toHost(m.forward(x, off));
      NoiseContext.Builder noisy = NoiseContext.builder().type(Noise.Type.ADDITIVE).sigma(0.5f).seed(9);
      for (int op = 0; op < m.noiseOperators().size(); op++) noisy.disable(op);
      assertArrayEquals(clean, F32.toHost(m.forward(x, noisy.build())));
      // Only the logits' operator on: logits differ from clean by exactly the noise of that site.
      NoiseOperator fc = m.noiseOperator("fc2");
      float[] onlyFc = F32.toHost(m.forward(x, noisy.enable(fc.id()).build()));
      boolean differs = false;
      for (int i = 0; i < clean.length; i++) {
        float z = dev.vant.random.NoiseStream.element(9, fc.sites().get(0), 0, i);
        assertEquals(Math.fma(0.5f, z, clean[i]), onlyFc[i], 0f);
        differs |= onlyFc[i] != clean[i];
      }
      assertTrue(differs);
    }
  }

  /** Site ids are 0..n-1 in forward order, unique names, each listed by exactly its operator. */
  static void checkSites(Model m) {
    Set<String> names = new HashSet<>();
    for (int i = 0; i < m.noiseSites().size(); i++) {
      NoiseSite s = m.noiseSites().get(i);
      assertEquals(i, s.site());
      assertTrue(names.add(s.name()), "duplicate site name " + s.name());
      assertTrue(m.noiseOperators().get(s.operator()).sites().contains(i));
    }
    int total = 0;
    for (NoiseOperator o : m.noiseOperators()) total += o.sites().size();
    assertEquals(m.noiseSites().size(), total);
  }
}
