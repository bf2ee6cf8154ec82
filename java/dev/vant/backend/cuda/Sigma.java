package dev.vant.backend.cuda;

import dev.vant.tensor.Tensor;

/** Binding of {@code kernels/sigma.cu}: VANT per-sample levels {@code sigma[i] = base + theta |eps(seed, site, step, i)|}. */
final class Sigma {
  private Sigma() {}

  static void sample(CudaBackend b, long seed, int site, int step, float base, float theta, Tensor sigma) {
    String op = "sampleSigmas sigma " + sigma + " [site=" + site + ", step=" + step + "]";
    long n = sigma.size();
    if (n > Integer.MAX_VALUE) throw CudaBackend.bad(op, "too many samples");
    if (n == 0) return;
    KernelArgs a = new KernelArgs().ptr(b.buf(sigma, op)).i((int) n).l(seed).i(site).i(step).f(base).f(theta)
        .ptr(b.stepState(op, step));
    b.launch(op, "sample_sigmas", (n + 255) / 256, 256, a);
  }
}
