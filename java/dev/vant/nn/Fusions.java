package dev.vant.nn;

import java.util.List;

/**
 * The switch of the residual blocks' fusions: {@code vant.fusions}, else {@code VANT_FUSIONS}, else on. On, a block's
 * last BatchNorm and its shortcut's hand their statistics to the join (which normalizes on the fly), the shortcut's
 * gradient is added in conv1's data-gradient pass, the BatchNorm backward passes write their convs' bias
 * gradients, and each conv makes the training statistics of the BatchNorm after it as it writes its output, where
 * its backend can (in the blocks and wherever a {@link Sequential} has a conv right before a BatchNorm, as the stem).
 * Off, the block runs the unfused sequence (BatchNorms written out and reading their input for their statistics, a
 * pass that adds the two gradients, a bias-gradient pass per conv). Both give the same bits on every backend
 * (FusionsTest): the switch exists to measure what the fusions save (bench/gpu-suite.sh runs the training step both
 * ways).
 */
public final class Fusions {
  /** The values of the switch. */
  public static final List<String> VALUES = List.of("on", "off");

  private Fusions() {}

  /** Whether the residual blocks fuse (read at every forward and backward pass of a block). */
  public static boolean on() {
    String v = System.getProperty("vant.fusions", System.getenv().getOrDefault("VANT_FUSIONS", "on"));
    if (!VALUES.contains(v)) {
      throw new IllegalArgumentException("VANT_FUSIONS / vant.fusions must be one of " + VALUES + ", got '" + v + "'");
    }
    return v.equals("on");
  }
}
