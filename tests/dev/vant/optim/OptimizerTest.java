package dev.vant.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vant.backend.cpu.CpuTensors;
import dev.vant.backend.cpu.Precision;
import dev.vant.backend.cpu.ReferenceBackend;
import dev.vant.nn.Parameter;
import dev.vant.nn.TorchLayout;
import dev.vant.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Adam and SGD against PyTorch's update formulas written out in double (torch.optim.Adam / SGD source),
 * on the double-precision reference backend; LR schedules against their closed forms.
 */
class OptimizerTest {
  static final ReferenceBackend DBL = new ReferenceBackend(Precision.DOUBLE);
  static final double[] P0 = {0.5, -1.25, 2.0};
  static final double[][] GRADS = {{0.1, -0.2, 0.3}, {-0.05, 0.4, 0.0}, {0.2, 0.2, -0.7}, {1.0, -1e-3, 0.25}};

  static Parameter param() {
    Tensor v = DBL.zeros(3), g = DBL.zeros(3);
    System.arraycopy(P0, 0, CpuTensors.doubles(v), 0, 3);
    return new Parameter("p", v, g, TorchLayout.IDENTITY);
  }

  @Test
  void adamFollowsPyTorch() {
    float lr = 1e-2f, b1 = 0.8f, b2 = 0.95f, eps = 1e-6f, wd = 0.1f;
    Parameter p = param();
    try (Adam adam = Adam.builder().lr(lr).betas(b1, b2).eps(eps).weightDecay(wd).build(DBL, List.of(p))) {
      double[] x = P0.clone(), m = new double[3], v = new double[3];
      for (int t = 1; t <= GRADS.length; t++) {
        System.arraycopy(GRADS[t - 1], 0, CpuTensors.doubles(p.grad()), 0, 3);
        adam.step();
        for (int i = 0; i < 3; i++) {
          double g = GRADS[t - 1][i] + (double) wd * x[i];
          m[i] = b1 * m[i] + (1 - (double) b1) * g;
          v[i] = b2 * v[i] + (1 - (double) b2) * g * g;
          double bc1 = 1 - Math.pow(b1, t), bc2 = 1 - Math.pow(b2, t);
          x[i] -= (double) lr / bc1 * m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + eps);
          assertEquals(x[i], CpuTensors.doubles(p.value())[i], 1e-12 * Math.abs(x[i]) + 1e-15, "step " + t + " element " + i);
          assertEquals(m[i], CpuTensors.doubles(adam.state().get("p.exp_avg"))[i], 1e-15);
        }
      }
      assertEquals(GRADS.length, adam.steps());
    }
  }

  @Test
  void sgdNesterovFollowsPyTorch() {
    float lr = 0.05f, mu = 0.9f, wd = 0.01f;
    Parameter p = param();
    try (Sgd sgd = Sgd.builder().lr(lr).momentum(mu).weightDecay(wd).nesterov(true).build(DBL, List.of(p))) {
      double[] x = P0.clone(), b = new double[3];
      for (int t = 0; t < GRADS.length; t++) {
        System.arraycopy(GRADS[t], 0, CpuTensors.doubles(p.grad()), 0, 3);
        sgd.step();
        for (int i = 0; i < 3; i++) {
          double g = GRADS[t][i] + (double) wd * x[i];
          b[i] = t == 0 ? g : mu * b[i] + g;
          x[i] -= lr * (g + mu * b[i]);
          assertEquals(x[i], CpuTensors.doubles(p.value())[i], 1e-12 * Math.abs(x[i]) + 1e-15, "step " + t + " element " + i);
        }
      }
    }
  }

  @Test
  void plainSgdAndBadSettings() {
    Parameter p = param();
    try (Sgd sgd = Sgd.builder().lr(0.5f).build(DBL, List.of(p))) {
      System.arraycopy(GRADS[0], 0, CpuTensors.doubles(p.grad()), 0, 3);
      sgd.step();
      for (int i = 0; i < 3; i++) assertEquals(P0[i] - 0.5 * GRADS[0][i], CpuTensors.doubles(p.value())[i], 1e-15);
    }
    assertThrows(IllegalArgumentException.class, () -> Sgd.builder().nesterov(true).build(DBL, List.of(param())));
    assertThrows(IllegalArgumentException.class, () -> Adam.builder().betas(1f, 0.9f));
    Parameter buffer = new Parameter("running_mean", DBL.zeros(3), null, TorchLayout.IDENTITY);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Adam.builder().build(DBL, List.of(buffer)));
    assertEquals("optimizer: running_mean is not trainable", e.getMessage());
  }

  @Test
  void cosineAnnealingClosedForm() {
    LrSchedule s = LrSchedule.cosine(1e-3, 400, 1e-5);
    assertEquals(1e-3, s.lr(0), 1e-18);
    assertEquals((1e-3 + 1e-5) / 2, s.lr(200), 1e-15);
    assertEquals(1e-5, s.lr(400), 1e-18);
    assertEquals(1e-5 + (1e-3 - 1e-5) * (1 + Math.cos(Math.PI * 100 / 400)) / 2, s.lr(100), 1e-18);
    assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosine(1, 0, 0));
  }

  @Test
  void linearWarmupThenCosine() {
    LrSchedule s = LrSchedule.warmup(4, LrSchedule.cosine(0.1, 10, 0));
    assertEquals(0.025, s.lr(0), 1e-15);
    assertEquals(0.05, s.lr(1), 1e-15);
    assertEquals(0.1, s.lr(3), 1e-15);
    assertEquals(0.1, s.lr(4), 1e-15);
    assertEquals(0.05, s.lr(9), 1e-15);
    assertEquals(0.0, s.lr(14), 1e-15);
    assertEquals(0.3, LrSchedule.constant(0.3).lr(123), 0);
  }
}
