package dev.vant.nn;

import dev.vant.backend.cpu.FastBackend;
import dev.vant.optim.Adam;
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
 * One whole training step on the fast CPU backend — forward with NT noise (sigma 0.1 at every site),
 * softmax cross-entropy, backward, Adam — of the paper's ResNet-18 or of ResNet-20 on 3x32x32 CIFAR-sized
 * inputs. Images/s = batch / time. Run with bench/nn-train-step.sh.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class TrainStepBench {
  @Param({"resnet20", "resnet18"})
  public String model;

  @Param({"32"})
  public int batch;

  /** 0 = all cores. */
  @Param({"0"})
  public int threads;

  private FastBackend b;
  private Model m;
  private Adam adam;
  private SoftmaxCrossEntropy loss;
  private Tensor x, y;
  private NoiseContext ctx;
  private int step;

  @Setup(Level.Trial)
  public void setup() {
    b = new FastBackend(threads == 0 ? Runtime.getRuntime().availableProcessors() : threads);
    m = (model.equals("resnet18") ? Models.resnet18(3, 32, 32, 10) : Models.resnet20(3, 32, 32, 10)).build(b, 1);
    adam = Adam.builder().lr(1e-3f).weightDecay(1e-4f).build(m);
    loss = new SoftmaxCrossEntropy(b);
    SplittableRandom rnd = new SplittableRandom(2);
    float[] xs = new float[batch * 32 * 32 * 3];
    float[] ys = new float[batch];
    for (int i = 0; i < xs.length; i++) xs[i] = (float) (rnd.nextDouble() * 2 - 1);
    for (int i = 0; i < batch; i++) ys[i] = rnd.nextInt(10);
    x = b.fromHost(xs, batch, 32, 32, 3);
    y = b.fromHost(ys, batch);
    ctx = NoiseContext.builder().sigma(0.1f).seed(3).build();
  }

  @Benchmark
  public float trainStep() {
    Tensor logits = m.forward(x, ctx.withStep(step));
    loss.compute(logits, y);
    m.backward(loss.gradient());
    adam.step();
    return loss.read(step++).loss();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    x.close();
    y.close();
    loss.close();
    adam.close();
    m.close();
    b.close();
  }
}
