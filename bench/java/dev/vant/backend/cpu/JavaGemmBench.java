package dev.vant.backend.cpu;

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
 * The GEMM-choice check of issue 3: a pure-Java SGEMM (cache-blocked, inner loop over contiguous
 * columns that C2 auto-vectorizes, our threads over 64-row chunks) against OpenBLAS on the same
 * forward GEMM of {@link ResNet18Shapes} (SgemmBench, mode chunked). OpenBLAS stays unless this reaches
 * 80 % of it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class JavaGemmBench {
  @Param({"layer1", "layer3"})
  public String layer;

  private float[] a, b, c;
  private int m, n, k;
  private Parallel par;

  @Setup(Level.Trial)
  public void setup() {
    int[] mnk = ResNet18Shapes.gemm(ResNet18Shapes.of(layer), "forward");
    m = mnk[0];
    n = mnk[1];
    k = mnk[2];
    SplittableRandom rnd = new SplittableRandom(3);
    a = new float[m * k];
    b = new float[k * n];
    c = new float[m * n];
    for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextDouble();
    for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextDouble();
    par = new Parallel(Runtime.getRuntime().availableProcessors());
  }

  @TearDown(Level.Trial)
  public void close() {
    par.close();
  }

  @Benchmark
  public float[] sgemm() {
    final int rows = 64, kb = 256;
    par.forEach(Parallel.chunks(m, rows), ci -> {
      int r0 = ci * rows, r1 = Math.min(m, r0 + rows);
      java.util.Arrays.fill(c, r0 * n, r1 * n, 0f);
      for (int k0 = 0; k0 < k; k0 += kb) {
        int k1 = Math.min(k, k0 + kb);
        for (int i = r0; i < r1; i++) {
          int ci0 = i * n;
          for (int p = k0; p < k1; p++) {
            float av = a[i * k + p];
            int bo = p * n;
            for (int j = 0; j < n; j++) c[ci0 + j] += av * b[bo + j];
          }
        }
      }
    });
    return c;
  }
}
