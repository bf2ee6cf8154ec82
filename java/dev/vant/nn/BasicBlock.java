package dev.vant.nn;

import dev.vant.backend.JoinInput;
import dev.vant.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The paper's basic residual block (ResNet-18/34), x [N,H,W,in] -> y [N,H/stride,W/stride,planes]:
 * <pre>
 *   conv1 3x3/stride (bias) -> noise -> bn1 -> ReLU -> noise(relu#1)
 *   conv2 3x3/1     (bias) -> noise -> bn2
 *   shortcut: identity, or (when the shape changes) shortcut.0 = conv 1x1/stride (no bias) -> noise -> shortcut.1 = BN
 *   y = noise(relu#2)(ReLU(main + shortcut))
 * </pre>
 * One "ReLU + noise" operator ({@code <path>.relu}) serves both ReLUs, with fresh noise each time.
 * With {@link Fusions} on (the default) bn2 and the shortcut's BatchNorm are applied inside the join, the shortcut's
 * gradient is added in conv1's data-gradient pass and bn1 / bn2 write conv1's / conv2's bias gradients: the same bits
 * as the unfused sequence, in fewer passes.
 * Site order: conv1, relu#1, conv2, shortcut.0, relu#2.
 */
public final class BasicBlock extends Layer {
  private final NoisyConv2d conv1, conv2, scConv;
  private final BatchNorm2d bn1, bn2, scBn;
  private final ResidualJoin join;
  private final NoiseOp relu;
  private Tensor x, dx;
  /** Whether the last forward fused (its backward must match: the join saw BatchNorm statistics or written tensors). */
  private boolean fused;

  /**
   * @param in input channels
   * @param planes output channels
   * @param stride stride of conv1 and of the shortcut
   * @param convBias whether conv1/conv2 have a bias (the paper's ResNet: yes)
   */
  public BasicBlock(int in, int planes, int stride, boolean convBias) {
    relu = new NoiseOp(null);
    conv1 = NoisyConv2d.builder(in, planes).kernel(3).stride(stride).pad(1).bias(convBias).build();
    bn1 = BatchNorm2d.builder(planes).relu(true).noiseOp(relu).build();
    conv2 = NoisyConv2d.builder(planes, planes).kernel(3).stride(1).pad(1).bias(convBias).build();
    bn2 = BatchNorm2d.builder(planes).build();
    if (stride != 1 || in != planes) {
      scConv = NoisyConv2d.builder(in, planes).kernel(1).stride(stride).pad(0).bias(false).build();
      scBn = BatchNorm2d.builder(planes).build();
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
    if (scConv != null) {
      child(scConv, "shortcut.0", b);
      child(scBn, "shortcut.1", b);
    }
    join.register(b, join(path, "relu"));
  }

  @Override
  public List<Layer> children() {
    List<Layer> c = new ArrayList<>(List.of(conv1, bn1, conv2, bn2));
    if (scConv != null) c.addAll(List.of(scConv, scBn));
    return c;
  }

  @Override
  public int[] outputShape(int[] s) {
    return conv1.outputShape(s);
  }

  @Override
  public Tensor forward(Tensor x, NoiseContext ctx) {
    checkNhwc(x, -1);
    fused = Fusions.on();
    // Fused: each conv hands its BatchNorm the statistics it makes in its epilogue (statsHandoff: null when off).
    Tensor h = conv2.forward(bn1.forward(conv1.forward(x, ctx, bn1.statsHandoff()), ctx), ctx, bn2.statsHandoff());
    Tensor s = scConv != null ? scConv.forward(x, ctx, scBn.statsHandoff()) : x;
    this.x = x;
    if (!fused) return join.forward(bn2.forward(h, ctx), scConv != null ? scBn.forward(s, ctx) : s, ctx);
    // bn2 and the shortcut's BatchNorm hand their statistics to the join, which normalizes on the fly.
    JoinInput main = bn2.forwardToJoin(h, ctx);
    JoinInput sc = scConv != null ? scBn.forwardToJoin(s, ctx) : JoinInput.plain(x);
    return join.forward(main, sc, ctx);
  }

  @Override
  public Tensor backward(Tensor dy, boolean inputGrad) {
    checkBackward(x);
    Tensor ds = join.backward(dy);
    // Fused: bn2 and bn1 write conv2's and conv1's bias gradients as they make dx (where the convs' noise lets them).
    Tensor sink2 = fused ? conv2.biasGradientSink() : null;
    Tensor d2 = conv2.backward(bn2.backward(ds, true, sink2), true, null, sink2 != null);
    Tensor sink1 = fused ? conv1.biasGradientSink() : null;
    Tensor d1 = bn1.backward(d2, true, sink1);
    Tensor dSc = scConv != null ? scConv.backward(scBn.backward(ds, true), inputGrad) : ds;
    // Fused: the shortcut's gradient is added in conv1's data-gradient pass (no pass of its own).
    if (fused || !inputGrad) return conv1.backward(d1, inputGrad, inputGrad ? dSc : null, sink1 != null);
    Tensor dMain = conv1.backward(d1, true);
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
