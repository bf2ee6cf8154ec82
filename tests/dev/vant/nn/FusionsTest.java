package dev.vant.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.backend.Backend;
import dev.vant.backend.Noise;
import dev.vant.backend.cpu.FastBackend;
import dev.vant.backend.cpu.Precision;
import dev.vant.backend.cpu.ReferenceBackend;
import dev.vant.optim.Adam;
import dev.vant.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The residual blocks' fusions ({@link Fusions}) change no bit: a few training steps of small ResNets (basic blocks
 * with an identity and a shortcut block; bottlenecks) with per-sample additive noise (VANT's), then an evaluation
 * forward, give the same losses, logits and parameters with the fusions on and off, on each CPU backend (the GPU's
 * twin: dev.vant.backend.cuda.StepLaunchesTest, which runs this comparison through {@link #compare}).
 */
public class FusionsTest {
  static Stream<Supplier<Backend>> backends() {
    return Stream.of(() -> new ReferenceBackend(Precision.FLOAT32), () -> new FastBackend(2));
  }

  @ParameterizedTest
  @MethodSource("backends")
  void fusedAndUnfusedBlocksTrainToTheSameBits(Supplier<Backend> backend) {
    for (ResNet.Block block : ResNet.Block.values()) compare(backend, block, 3);
  }

  @Test
  void theSwitchRefusesOtherValues() {
    String before = System.getProperty("vant.fusions");
    System.setProperty("vant.fusions", "maybe");
    try {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Fusions::on);
      assertTrue(e.getMessage().contains("VANT_FUSIONS") && e.getMessage().contains("maybe"), e.getMessage());
    } finally {
      if (before == null) System.clearProperty("vant.fusions");
      else System.setProperty("vant.fusions", before);
    }
  }

  /** Trains {@code steps} steps with the fusions on, then off, on fresh backends; asserts the same bits. */
  public static void compare(Supplier<Backend> backend, ResNet.Block block, int steps) {
    List<float[]> on = run(backend, block, steps, "on"), off = run(backend, block, steps, "off");
    assertEquals(on.size(), off.size());
    for (int i = 0; i < on.size(); i++) assertArrayEquals(off.get(i), on.get(i), block + ": result " + i + " (losses, logits, parameters)");
  }

  private static List<float[]> run(Supplier<Backend> backend, ResNet.Block block, int steps, String fusions) {
    String before = System.getProperty("vant.fusions");
    System.setProperty("vant.fusions", fusions);
    List<float[]> out = new ArrayList<>();
    try (Backend be = backend.get();
         Model m = ResNet.builder().name("tiny").input(8, 8, 3).classes(4).block(block).blocks(1, 1).widths(8, 16).build(be, 5);
         Adam adam = Adam.builder().lr(3e-3f).build(m);
         SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(be);
         Tensor sigma = be.zeros(8)) {
      Synthetic data = new Synthetic(32, 8, 8, 3, 4, 11);
      float[] losses = new float[steps];
      m.train();
      for (int step = 0; step < steps; step++) {
        be.sampleSigmas(7, 0x7FFFFFF0, step, 0.045f, 0.05f, sigma);
        NoiseContext nc = NoiseContext.builder().type(Noise.Type.ADDITIVE).sigmaPerSample(sigma).seed(3).step(step).build();
        Tensor[] b = data.batch(be, step, 8);
        try (Tensor x = b[0]; Tensor y = b[1]) {
          losses[step] = loss.forward(m.forward(x, nc), y, step).loss();
          m.backward(loss.gradient());
          adam.step();
        }
      }
      out.add(losses);
      m.eval();  // the joins read running statistics
      Tensor[] b = data.batch(be, steps, 8);
      try (Tensor x = b[0]; Tensor y = b[1]) {
        out.add(be.toHost(m.forward(x, NoiseContext.builder().type(Noise.Type.ADDITIVE).sigma(0.1f).seed(3).step(99).build())));
      }
      for (Parameter p : m.parameters()) out.add(be.toHost(p.value()));
      for (Parameter p : m.buffers()) out.add(be.toHost(p.value()));
    } finally {
      if (before == null) System.clearProperty("vant.fusions");
      else System.setProperty("vant.fusions", before);
    }
    return out;
  }
}
