package dev.vant.backend.cpu;

import dev.vant.backend.Conv2dShape;
import dev.vant.backend.Noise;
import dev.vant.tensor.Tensor;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Conv forward (with bias and additive noise, and with noise off), backward data and backward weight
 * of the fast CPU backend at the ResNet-18 shapes of {@link ResNet18Shapes}. GFLOP/s = conv FLOPs
 * ({@link Conv2dShape#flops()}) / time; bench/cpu-conv.sh turns the JMH times into the table.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class NoisyConv2dBench {
  @Param({"stem", "layer1", "layer2", "layer3", "layer4"})
  public String layer;

  /** "noise" = additive sigma 0.5 in the epilogue; "clean" = Noise.NONE (the cost of noise). */
  @Param({"noise"})
  public String epilogue;

  /** 0 = all cores. */
  @Param({"0"})
  public int threads;

  private FastBackend b;
  private Conv2dShape g;
  private Tensor x, w, bias, y, dy, dx, dw, db;
  private Noise noise;
  private int step;

  @Setup(Level.Trial)
  public void setup() {
    b = new FastBackend(threads == 0 ? Runtime.getRuntime().availableProcessors() : threads);
    g = ResNet18Shapes.of(layer);
    SplittableRandom rnd = new SplittableRandom(1);
    x = rand(rnd, g.inputShape());
    w = rand(rnd, g.weightShape());
    bias = rand(rnd, g.k());
    dy = rand(rnd, g.outputShape());
    y = b.zeros(g.outputShape());
    dx = b.zeros(g.inputShape());
    dw = b.zeros(g.weightShape());
    db = b.zeros(g.k());
  }

  private Tensor rand(SplittableRandom rnd, int... shape) {
    int n = 1;
    for (int s : shape) n *= s;
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextDouble() * 2 - 1);
    return b.fromHost(a, shape);
  }

  @TearDown(Level.Trial)
  public void close() {
    b.close();
  }

  @Benchmark
  public Tensor forward() {
    // A fresh step each call: the noise is drawn anew, as in training.
    Noise nz = "noise".equals(epilogue) ? new Noise(Noise.Type.ADDITIVE, 0.5f, null, 42L, 1, step++) : Noise.NONE;
    b.conv2dForward(g, x, w, bias, nz, y);
    return y;
  }

  @Benchmark
  public Tensor backwardData() {
    b.conv2dBackwardData(g, dy, w, dx);
    return dx;
  }

  @Benchmark
  public Tensor backwardWeight() {
    b.conv2dBackwardWeight(g, x, dy, dw, db);
    return dw;
  }
}
