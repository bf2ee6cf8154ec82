package dev.vant.backend.cuda;

import dev.vant.backend.AdamConfig;
import dev.vant.backend.SgdConfig;
import dev.vant.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * kernels/optim.cu against the FLOAT32 reference: Adam (several steps, weight decay, bias correction)
 * and SGD (momentum, dampening, Nesterov, first step) over lists of parameters of random sizes in one
 * launch each; the slot table is rebuilt when the list changes. Tolerance: {@link GpuTwin#REL} on
 * parameters and optimizer state after every step.
 */
@Tag("gpu")
class OptimTest {
  private static List<Tensor[]> params(GpuTwin t, int count) {
    List<Tensor[]> l = new ArrayList<>();
    for (int i = 0; i < count; i++) l.add(t.rand(t.between(1, t.small() ? 3000 : 30_000)));
    return l;
  }

  private static List<Tensor> side(List<Tensor[]> l, int s) {
    List<Tensor> out = new ArrayList<>();
    for (Tensor[] p : l) out.add(p[s]);
    return out;
  }

  private static List<Tensor[]> like(GpuTwin t, List<Tensor[]> ps, boolean random) {
    List<Tensor[]> l = new ArrayList<>();
    for (Tensor[] p : ps) l.add(random ? t.rand(p[0].shape()) : t.of(new float[(int) p[0].size()], p[0].shape()));
    return l;
  }

  @Test
  void adamMatchesReference() {
    try (GpuTwin t = GpuTwin.open(701)) {
      int cases = t.count(200, 60);
      for (int c = 0; c < cases; c++) {
        List<Tensor[]> p = params(t, t.between(1, 12)), m = like(t, p, false), v = like(t, p, false);
        AdamConfig cfg = new AdamConfig((float) (1e-3 + t.rnd.nextDouble() * 1e-2), 0.9f, 0.999f, 1e-8f, c % 2 == 0 ? 1e-4f : 0f);
        for (int step = 1; step <= 5; step++) {
          List<Tensor[]> g = like(t, p, true);
          t.ref.adamUpdate(side(p, 0), side(g, 0), side(m, 0), side(v, 0), cfg, step);
          t.gpu.adamUpdate(side(p, 1), side(g, 1), side(m, 1), side(v, 1), cfg, step);
          for (int i = 0; i < p.size(); i++) {
            String what = "adam case " + c + " step " + step + " param " + i;
            t.compare(what + " p", p.get(i));
            t.compare(what + " m", m.get(i));
            t.compare(what + " v", v.get(i));
          }
        }
        t.release();
      }
    }
  }

  @Test
  void sgdMatchesReference() {
    try (GpuTwin t = GpuTwin.open(702)) {
      int cases = t.count(200, 60);
      for (int c = 0; c < cases; c++) {
        List<Tensor[]> p = params(t, t.between(1, 12)), b = like(t, p, false);
        float mu = c % 4 == 3 ? 0f : 0.9f;
        SgdConfig cfg = new SgdConfig(0.05f, mu, c % 3 == 1 ? 0.1f : 0f, c % 2 == 0 ? 5e-4f : 0f, c % 4 == 1);
        for (int step = 0; step < 4; step++) {
          List<Tensor[]> g = like(t, p, true);
          t.ref.sgdUpdate(side(p, 0), side(g, 0), side(b, 0), cfg, step == 0);
          t.gpu.sgdUpdate(side(p, 1), side(g, 1), side(b, 1), cfg, step == 0);
          for (int i = 0; i < p.size(); i++) {
            String what = "sgd case " + c + " " + cfg + " step " + step + " param " + i;
            t.compare(what + " p", p.get(i));
            if (mu != 0) t.compare(what + " momentum", b.get(i));
          }
        }
        t.release();
      }
    }
  }
}
