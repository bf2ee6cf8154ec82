package dev.vant.examples;

import dev.vant.backend.Backend;
import dev.vant.backend.Backends;
import dev.vant.nn.BatchNorm2d;
import dev.vant.nn.GlobalAvgPool;
import dev.vant.nn.InputNoise;
import dev.vant.nn.MaxPool2d;
import dev.vant.nn.Model;
import dev.vant.nn.NoiseContext;
import dev.vant.nn.NoisyConv2d;
import dev.vant.nn.NoisyLinear;
import dev.vant.nn.Sequential;
import dev.vant.nn.SoftmaxCrossEntropy;
import dev.vant.optim.Adam;
import dev.vant.tensor.Tensor;
import java.util.Random;

/**
 * Using vant from Java: build a noisy CNN from layers, run one training step with Noisy Training, and
 * evaluate under inference noise. Quoted in the README ("Using vant from Java"); run by QuickStartTest.
 */
public final class QuickStart {
  private QuickStart() {}

  /** What {@link #run} measured. */
  public record Result(float trainLoss, int correct, int total, int noiseSites) {}

  /** Runs the example on the fast CPU backend and prints the result. */
  public static void main(String[] args) {
    try (Backend backend = Backends.cpuFast(Backends.defaultThreads())) {
      Result r = run(backend);
      System.out.printf("loss after one step %.4f, noisy accuracy %d/%d, %d noise sites%n", r.trainLoss(), r.correct(), r.total(), r.noiseSites());
    }
  }

  /** The example proper, on any backend. */
  public static Result run(Backend backend) {
    // A batch of 16 grayscale 28x28 images (NHWC) and their labels; random here, a DataSet in real use.
    int n = 16;
    Random rnd = new Random(0);
    float[] images = new float[n * 28 * 28];
    float[] labels = new float[n];
    for (int i = 0; i < images.length; i++) images[i] = (float) rnd.nextGaussian();
    for (int i = 0; i < n; i++) labels[i] = rnd.nextInt(10);

    // 1. A model from layers. Every layer injects noise on its output (the paper's noise points).
    Sequential layers = Sequential.builder()
        .add("input", new InputNoise())                                     // [N, 28, 28, 1]
        .add("conv1", NoisyConv2d.builder(1, 8).kernel(3).pad(1).build())   // conv + bias + noise: [N, 28, 28, 8]
        .add("bn1", BatchNorm2d.builder(8).relu(true).noisy(true).build())  // BN -> ReLU -> noise
        .add("pool", new MaxPool2d(2, 2, 0))                                // max-pool + noise: [N, 14, 14, 8]
        .add("avgpool", new GlobalAvgPool())                                // mean + noise: [N, 8]
        .add("fc", NoisyLinear.builder(8, 10).build())                      // logits + noise: [N, 10]
        .build();

    try (Model model = Model.builder(layers).input(28, 28, 1).build(backend, 42);  // init seed 42
         Adam adam = Adam.builder().lr(1e-3f).weightDecay(1e-4f).build(model);
         SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(backend);
         Tensor x = backend.fromHost(images, n, 28, 28, 1);
         Tensor y = backend.fromHost(labels, n)) {

      // 2. One training step with Noisy Training: sigma 0.1 at every noise point, noise seed 7, step 0.
      model.train();
      NoiseContext train = NoiseContext.builder().sigma(0.1f).seed(7).step(0).build();
      Tensor logits = model.forward(x, train);
      float l = loss.forward(logits, y, 0).loss();   // throws if the loss is NaN/Inf, naming the step
      model.backward(loss.gradient());
      adam.step();

      // 3. Evaluation under noise: BN running statistics, sigma_inf = 0.3, evaluation step numbers.
      model.eval();
      NoiseContext eval = NoiseContext.builder().sigma(0.3f).seed(8).step(1_000_000).build();
      int correct = loss.forward(model.forward(x, eval), y, 1_000_000).correct();
      return new Result(l, correct, n, model.noiseSites().size());
    }
  }
}
