package dev.vant.nn;

import dev.vant.backend.JoinInput;
import dev.vant.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The paper's bottleneck block (ResNet-50), x [N,H,W,in] -> y [N,H/stride,W/stride,4*planes]; convs
 * without bias:
 * <pre>
 *   conv1 1x1 -> noise -> bn1 -> ReLU -> noise(relu#1)
 *   conv2 3x3/stride -> noise -> bn2 -> ReLU -> noise(relu#2)
 *   conv3 1x1 (4*planes) -> noise -> bn3
 *   shortcut: identity, or shortcut.0 = conv 1x1/stride (no bias) -> noise -> shortcut.1 = BN
 *   y = noise(relu#3)(ReLU(main + shortcut))
 * </pre>
 */
public final class Bottleneck extends Layer {
  /** Output channels = EXPANSION * planes. */
  public static final int EXPANSION = 4;

  private final NoisyConv2d conv1, conv2, conv3, scConv;
  private final BatchNorm2d bn1, bn2, bn3, scBn;
  private final ResidualJoin join;
  private final NoiseOp relu;
  private Tensor x, dx;
  /** Whether the last forward fused (its backward must match). */
  private boolean fused;

  /**
   * @param in input channels
   * @param planes bottleneck width; output channels are {@code 4 * planes}
   * @param stride stride of conv2 and of the shortcut
   */
  public Bottleneck(int in, int planes, int stride) {
    relu = new NoiseOp(null);
    int out = EXPANSION * planes;
    conv1 = NoisyConv2d.builder(in, planes).kernel(1).pad(0).bias(false).build();
    bn1 = BatchNorm2d.builder(planes).relu(true).noiseOp(relu).build();
    conv2 = NoisyConv2d.builder(planes, planes).kernel(3).stride(stride).pad(1).bias(false).build();
    bn2 = BatchNorm2d.builder(planes).relu(true).noiseOp(relu).build();
    conv3 = NoisyConv2d.builder(planes, out).kernel(1).pad(0).bias(false).build();
    bn3 = BatchNorm2d.builder(out).build();
    if (stride != 1 || in != out) {
      scConv = NoisyConv2d.builder(in, out).kernel(1).stride(stride).pad(0).bias(false).build();
      scBn = BatchNorm2d.builder(out).build();
    } else {
      scConv = null;
      scBn = null;
    }
    join = new ResidualJoin(relu);
  }

  @Override
  protected void onBind(Binder b) {
    relu.nameIfUnset(join(path, "relu"));
    child(conv1, "conv1", b);
    child(bn1, "bn1", b);
    child(conv2, "conv2", b);
    child(bn2, "bn2", b);
    child(conv3, "conv3", b);
    child(bn3, "bn3", b);
    if (scConv != null) {
      child(scConv, "shortcut.0", b);
      child(scBn, "shortcut.1", b);
    }
    join.register(b, join(path, "relu"));
  }

  @Override
  public List<Layer> children() {
    List<Layer> c = new ArrayList<>(List.of(conv1, bn1, conv2, bn2, conv3, bn3));
    if (scConv != null) c.addAll(List.of(scConv, scBn));
    return c;
  }

  @Override
  public int[] outputShape(int[] s) {
    return conv3.outputShape(conv2.outputShape(conv1.outputShape(s)));
  }

  @Override
  public Tensor forward(Tensor x, NoiseContext ctx) {
    checkNhwc(x, -1);
    // Each conv hands its BatchNorm the statistics it makes in its epilogue (statsHandoff: null with Fusions off).
    Tensor h = bn1.forward(conv1.forward(x, ctx, bn1.statsHandoff()), ctx);
    h = conv3.forward(bn2.forward(conv2.forward(h, ctx, bn2.statsHandoff()), ctx), ctx, bn3.statsHandoff());
    Tensor s = scConv != null ? scConv.forward(x, ctx, scBn.statsHandoff()) : x;
    this.x = x;
    fused = Fusions.on();
    if (!fused) return join.forward(bn3.forward(h, ctx), scConv != null ? scBn.forward(s, ctx) : s, ctx);
    // bn3 and the shortcut's BatchNorm hand their statistics to the join, which normalizes on the fly.
    JoinInput main = bn3.forwardToJoin(h, ctx);
    JoinInput sc = scConv != null ? scBn.forwardToJoin(s, ctx) : JoinInput.plain(x);
    return join.forward(main, sc, ctx);
  }

  @Override
  public Tensor backward(Tensor dy, boolean inputGrad) {
    checkBackward(x);
    Tensor ds = join.backward(dy);
    Tensor d = conv3.backward(bn3.backward(ds, true), true);
    d = bn1.backward(conv2.backward(bn2.backward(d, true), true), true);
    Tensor dSc = scConv != null ? scConv.backward(scBn.backward(ds, true), inputGrad) : ds;
    // Fused: the shortcut's gradient is added in conv1's data-gradient pass (no pass of its own). (Bottleneck convs
    // have no bias: nothing for the BatchNorms to sum.)
    if (fused || !inputGrad) return conv1.backward(d, inputGrad, inputGrad ? dSc : null, false);
    Tensor dMain = conv1.backward(d, true);
    dx = ensure(dx, x.shape());
    backend.add(dMain, dSc, dx);
    return dx;
  }

  @Override
  public void close() {
    join.close();
    super.close();
  }
}
