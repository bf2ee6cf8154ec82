package dev.vant.backend.cpu;

import dev.vant.backend.Conv2dShape;
import dev.vant.backend.Noise;
import java.nio.FloatBuffer;

/**
 * Convolution of the fast backend: im2col + OpenBLAS SGEMM, with the bias + noise epilogue fused into
 * the pass that reads the GEMM result back.
 *
 * <p>Shapes: x [N,H,W,C], w [K,R,S,C] = a row-major [K, RSC] matrix, y [N,P,Q,K] = a [M, K] matrix with
 * M = N*P*Q; col [M, RSC] holds, for output row (n,p,q), the input window in (r, s, c) order (zeros for
 * padding) — in NHWC each (r) of a window is one contiguous run of S*C floats (minus the padded part),
 * so im2col is a few bulk copies per row.
 * <pre>
 *   forward:         y[M,K]     = col[M,RSC] * w[K,RSC]^T       (+ bias, noise)
 *   backward data:   dcol[M,RSC] = dy[M,K] * w[K,RSC]           then col2im (scatter-add) into dx
 *   backward weight: dw[K,RSC]  = dy[M,K]^T * col[M,RSC]        dbias[K] = column sums of dy
 * </pre>
 * Chunks (for determinism): forward and backward data by whole samples, {@link #samplesPerChunk} per
 * chunk from the shape alone; backward weight over fixed segments of samples (accumulated in segment
 * order with beta = 1) and, within a segment, over a fixed grid of dw blocks, each one single-threaded
 * SGEMM over the whole segment; a small dw (the stem's) as per-chunk partials summed in chunk order.
 */
final class FastConv2d {
  /** Floats of im2col per forward / backward-data chunk (about 2 MB: stays in L2/L3). */
  static final long CHUNK_FLOATS = 1 << 19;
  /** Floats of im2col per backward-weight segment (64 MB). */
  static final long SEGMENT_FLOATS = 1 << 24;
  /**
   * Blocks of dw per segment: a fixed number (not the thread count) so the result does not depend on
   * it; 16 keeps up to 16 cores busy while each block is still a large GEMM.
   */
  private static final int DW_BLOCKS = 16;
  /** dw of at most this many floats is reduced over M in per-chunk partials instead of blocked. */
  static final long SMALL_DW = 1 << 14;

  private final Parallel par;
  private final long chunkFloats, segmentFloats;
  private FloatBuffer wBuf = Blas.direct(1), colBuf = Blas.direct(1), dyBuf = Blas.direct(1), dwBuf = Blas.direct(1);

  FastConv2d(Parallel par, long chunkFloats, long segmentFloats) {
    this.par = par;
    this.chunkFloats = chunkFloats;
    this.segmentFloats = segmentFloats;
  }

  private static int rsc(Conv2dShape g) {
    return g.r() * g.s() * g.c();
  }

  /** A 1x1, stride-1, unpadded conv needs no im2col: x itself is col. */
  private static boolean pointwise(Conv2dShape g) {
    return g.r() == 1 && g.s() == 1 && g.stride() == 1 && g.pad() == 0;
  }

  int samplesPerChunk(Conv2dShape g, long floatsPerRow) {
    long perSample = (long) g.p() * g.q() * floatsPerRow;
    return (int) Math.max(1, Math.min(g.n(), chunkFloats / Math.max(1, perSample)));
  }

  private FloatBuffer weights(float[] w, int n) {
    if (wBuf.capacity() < n) wBuf = Blas.direct(n);
    wBuf.put(0, w, 0, n);
    return wBuf;
  }

  /** Writes the col rows of samples [n0, n0 + ns) to dst starting at float dstOff. */
  static void im2col(Conv2dShape g, float[] x, int n0, int ns, FloatBuffer dst, long dstOff, float[] zeros) {
    int P = g.p(), Q = g.q(), C = g.c(), S = g.s(), RSC = rsc(g);
    if (pointwise(g)) {
      dst.put((int) dstOff, x, n0 * g.h() * g.w() * C, ns * g.h() * g.w() * C);
      return;
    }
    int o = (int) dstOff;
    for (int n = n0; n < n0 + ns; n++) {
      for (int p = 0; p < P; p++) {
        for (int q = 0; q < Q; q++, o += RSC) {
          int iw0 = q * g.stride() - g.pad();
          int sLo = Math.max(0, -iw0), sHi = Math.min(S, g.w() - iw0);
          for (int r = 0; r < g.r(); r++) {
            int ih = p * g.stride() - g.pad() + r;
            int ro = o + r * S * C;
            if (ih < 0 || ih >= g.h() || sLo >= sHi) {
              dst.put(ro, zeros, 0, S * C);
              continue;
            }
            if (sLo > 0) dst.put(ro, zeros, 0, sLo * C);
            dst.put(ro + sLo * C, x, ((n * g.h() + ih) * g.w() + iw0 + sLo) * C, (sHi - sLo) * C);
            if (sHi < S) dst.put(ro + sHi * C, zeros, 0, (S - sHi) * C);
          }
        }
      }
    }
  }

  void forward(Conv2dShape g, float[] x, float[] w, float[] bias, Noise nz, float[] sigma, float[] y) {
    int RSC = rsc(g), K = g.k(), PQ = g.p() * g.q();
    FloatBuffer wn = weights(w, K * RSC);
    int spc = samplesPerChunk(g, RSC);
    float[] zeros = new float[g.s() * g.c()];
    int perSample = PQ * K;
    par.forEach(Parallel.chunks(g.n(), spc), ci -> {
      int n0 = ci * spc, ns = Math.min(spc, g.n() - n0), rows = ns * PQ;
      Scratch sc = Scratch.get();
      FloatBuffer a = sc.a((long) rows * RSC), c = sc.c((long) rows * K);
      im2col(g, x, n0, ns, a, 0, zeros);
      Blas.sgemm(false, true, rows, K, RSC, 1f, a, 0, RSC, wn, 0, RSC, 0f, c, 0, K);
      int off = n0 * perSample, len = rows * K;
      c.get(0, y, off, len);
      if (bias != null) {
        for (int i = 0; i < len; i += K) {
          for (int k = 0; k < K; k++) y[off + i + k] += bias[k];
        }
      }
      FastNoise.apply(nz, sigma, perSample, y, off, off, len);
    });
  }

  void backwardData(Conv2dShape g, float[] dy, float[] w, float[] dx) {
    int RSC = rsc(g), K = g.k(), PQ = g.p() * g.q(), C = g.c(), S = g.s();
    FloatBuffer wn = weights(w, K * RSC);
    int spc = samplesPerChunk(g, RSC);
    int hwc = g.h() * g.w() * C;
    par.forEach(Parallel.chunks(g.n(), spc), ci -> {
      int n0 = ci * spc, ns = Math.min(spc, g.n() - n0), rows = ns * PQ;
      Scratch sc = Scratch.get();
      FloatBuffer a = sc.a((long) rows * K), c = sc.c((long) rows * RSC);
      a.put(0, dy, n0 * PQ * K, rows * K);
      Blas.sgemm(false, false, rows, RSC, K, 1f, a, 0, K, wn, 0, RSC, 0f, c, 0, RSC);
      if (pointwise(g)) {
        c.get(0, dx, n0 * hwc, rows * RSC);
        return;
      }
      float[] col = sc.f(rows * RSC);
      c.get(0, col, 0, rows * RSC);
      java.util.Arrays.fill(dx, n0 * hwc, (n0 + ns) * hwc, 0f);
      int o = 0;
      for (int n = n0; n < n0 + ns; n++) {
        for (int p = 0; p < g.p(); p++) {
          for (int q = 0; q < g.q(); q++, o += RSC) {
            int iw0 = q * g.stride() - g.pad();
            int sLo = Math.max(0, -iw0), sHi = Math.min(S, g.w() - iw0);
            for (int r = 0; r < g.r(); r++) {
              int ih = p * g.stride() - g.pad() + r;
              if (ih < 0 || ih >= g.h() || sLo >= sHi) continue;
              int src = o + (r * S + sLo) * C;
              int dst = ((n * g.h() + ih) * g.w() + iw0 + sLo) * C;
              int len = (sHi - sLo) * C;
              for (int i = 0; i < len; i++) dx[dst + i] += col[src + i];
            }
          }
        }
      }
    });
  }

  void backwardWeight(Conv2dShape g, float[] x, float[] dy, float[] dw, float[] dbias) {
    int RSC = rsc(g), K = g.k(), PQ = g.p() * g.q();
    if ((long) K * RSC <= SMALL_DW) {
      backwardWeightSmall(g, x, dy, dw);
    } else {
      backwardWeightBlocked(g, x, dy, dw);
    }
    if (dbias != null) FastBackend.columnSums(par, dy, g.n() * PQ, K, dbias);
  }

  /**
   * Small dw (e.g. the stem, 64 x 27): a grid of dw blocks would be too thin to parallelize, so the
   * reduction over M is split instead — one partial dw per fixed sample chunk, summed in chunk order.
   */
  private void backwardWeightSmall(Conv2dShape g, float[] x, float[] dy, float[] dw) {
    int RSC = rsc(g), K = g.k(), PQ = g.p() * g.q(), size = K * RSC;
    int spc = samplesPerChunk(g, RSC);
    int chunks = Parallel.chunks(g.n(), spc);
    float[][] part = new float[chunks][size];
    float[] zeros = new float[g.s() * g.c()];
    par.forEach(chunks, ci -> {
      int n0 = ci * spc, ns = Math.min(spc, g.n() - n0), rows = ns * PQ;
      Scratch sc = Scratch.get();
      FloatBuffer a = sc.a((long) rows * RSC), c = sc.c((long) rows * K + size);
      im2col(g, x, n0, ns, a, 0, zeros);
      c.put(0, dy, n0 * PQ * K, rows * K);
      Blas.sgemm(true, false, K, RSC, rows, 1f, c, 0, K, a, 0, RSC, 0f, c, rows * K, RSC);
      c.get(rows * K, part[ci], 0, size);
    });
    for (int i = 0; i < size; i++) {
      double acc = 0;
      for (float[] p : part) acc += p[i];
      dw[i] = (float) acc;
    }
  }

  private void backwardWeightBlocked(Conv2dShape g, float[] x, float[] dy, float[] dw) {
    int RSC = rsc(g), K = g.k(), PQ = g.p() * g.q();
    int segSamples = (int) Math.max(1, Math.min(g.n(), segmentFloats / ((long) PQ * Math.max(RSC, K))));
    int spc = samplesPerChunk(g, RSC);
    long segRowsMax = (long) segSamples * PQ;
    if (colBuf.capacity() < segRowsMax * RSC) colBuf = Blas.direct(segRowsMax * RSC);
    if (dyBuf.capacity() < segRowsMax * K) dyBuf = Blas.direct(segRowsMax * K);
    if (dwBuf.capacity() < (long) K * RSC) dwBuf = Blas.direct((long) K * RSC);
    FloatBuffer col = colBuf, dyn = dyBuf, dwn = dwBuf;
    float[] zeros = new float[g.s() * g.c()];
    // Split dw [K, RSC] into kb x cb blocks, kb * cb ~ DW_BLOCKS. Block (i, j) reads rows i of dy^T and
    // columns j of col, so the traffic is ~ cb * K + kb * RSC per row of M: minimal near
    // kb = sqrt(DW_BLOCKS * K / RSC) — usually 1, since RSC = 9K for 3x3 convs.
    int kb = (int) Math.max(1, Math.min(K, Math.round(Math.sqrt((double) DW_BLOCKS * K / RSC))));
    int cb = Math.max(1, Math.min(Math.max(1, RSC / 16), DW_BLOCKS / kb));
    int rowsPer = (K + kb - 1) / kb, colsPer = (RSC + cb - 1) / cb;
    int kBlocks = Parallel.chunks(K, rowsPer), cBlocks = Parallel.chunks(RSC, colsPer);
    for (int s0 = 0; s0 < g.n(); s0 += segSamples) {
      int segN = Math.min(segSamples, g.n() - s0), segRows = segN * PQ, first = s0;
      par.forEach(Parallel.chunks(segN, spc), ci -> {
        int n0 = first + ci * spc, ns = Math.min(spc, first + segN - n0);
        long rowOff = (long) (n0 - first) * PQ;
        im2col(g, x, n0, ns, col, rowOff * RSC, zeros);
        dyn.put((int) (rowOff * K), dy, n0 * PQ * K, ns * PQ * K);
      });
      float beta = s0 == 0 ? 0f : 1f;
      par.forEach(kBlocks * cBlocks, bi -> {
        int k0 = (bi / cBlocks) * rowsPer, c0 = (bi % cBlocks) * colsPer;
        int kl = Math.min(rowsPer, K - k0), cl = Math.min(colsPer, RSC - c0);
        Blas.sgemm(true, false, kl, cl, segRows, 1f, dyn, k0, K, col, c0, RSC, beta, dwn, k0 * RSC + c0, RSC);
      });
    }
    dwn.get(0, dw, 0, K * RSC);
  }
}
