package dev.vant.backend.cpu;

import java.nio.FloatBuffer;
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
 * OpenBLAS SGEMM of the GEMM each conv pass is equivalent to ({@link ResNet18Shapes#gemm}), operands
 * already in native memory: the ceiling NoisyConv2dBench is compared against.
 * <ul>
 *   <li>{@code mode = blas}: one cblas_sgemm call, OpenBLAS threading over all cores;</li>
 *   <li>{@code mode = chunked}: the fast backend's scheme — OpenBLAS single-threaded per call, our
 *       threads over fixed row chunks of 256 rows of the output (forward / backward data).</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class SgemmBench {
  @Param({"stem", "layer1", "layer2", "layer3", "layer4"})
  public String layer;

  @Param({"forward", "backwardData", "backwardWeight"})
  public String pass;

  @Param({"blas"})
  public String mode;

  private FloatBuffer a, bb, c;
  private int m, n, k;
  private boolean transA;
  private Parallel par;
  private int cores;

  @Setup(Level.Trial)
  public void setup() {
    int[] mnk = ResNet18Shapes.gemm(ResNet18Shapes.of(layer), pass);
    m = mnk[0];
    n = mnk[1];
    k = mnk[2];
    // Backward weight reads dy [NPQ, K] transposed, as the backend does.
    transA = pass.equals("backwardWeight");
    a = fill((long) m * k);
    bb = fill((long) k * n);
    c = Blas.direct((long) m * n);
    cores = Runtime.getRuntime().availableProcessors();
    par = new Parallel(cores);
    Blas.setThreads(mode.equals("blas") ? cores : 1);
  }

  private static FloatBuffer fill(long len) {
    FloatBuffer f = Blas.direct(len);
    SplittableRandom rnd = new SplittableRandom(3);
    for (int i = 0; i < len; i++) f.put(i, (float) (rnd.nextDouble() * 2 - 1));
    return f;
  }

  @TearDown(Level.Trial)
  public void close() {
    Blas.setThreads(1);
    par.close();
  }

  @Benchmark
  public FloatBuffer sgemm() {
    int lda = transA ? m : k;
    if (mode.equals("blas") || transA) {
      Blas.sgemm(transA, false, m, n, k, 1f, a, 0, lda, bb, 0, n, 0f, c, 0, n);
    } else {
      int rows = 256;
      par.forEach(Parallel.chunks(m, rows), ci -> {
        int r0 = ci * rows, rl = Math.min(rows, m - r0);
        Blas.sgemm(false, false, rl, n, k, 1f, a, r0 * k, k, bb, 0, n, 0f, c, r0 * n, n);
      });
    }
    return c;
  }
}
