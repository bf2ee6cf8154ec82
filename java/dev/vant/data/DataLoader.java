package dev.vant.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Batches of a {@link Dataset}: normalized float32 NHWC with optional shuffling and augmentation,
 * assembled ahead of time on background threads.
 *
 * <p><b>Determinism.</b> Everything random is a pure function of (seed, epoch, position): the order of
 * epoch e is a Fisher–Yates shuffle driven by {@code SplittableRandom(mix(seed, e))}, and the crop offset
 * and flip of the image at position p of that order come from {@code SplittableRandom(mix(seed, e, p))}.
 * Each batch is thus a pure function of (seed, epoch, batch index): the batches are the same whatever the
 * thread timing, the number of workers, or whether prefetching is on.
 *
 * <p>Usage:
 * <pre>{@code
 *   DataLoader train = new DataLoader(ds, norm, 128, true, Augment.standard(ds), seed, true, 2);
 *   try (DataLoader.Epoch it = train.epoch(e)) {
 *     while (it.hasNext()) { Batch b = it.next(); ... }
 *   }
 * }</pre>
 */
public final class DataLoader {
  private final Dataset ds;
  private final Normalization norm;
  private final int batchSize;
  private final boolean shuffle;
  private final Augment augment;
  private final long seed;
  private final boolean dropLast;
  private final int prefetch;
  private final int workers;
  /** lut[c * 256 + p] = normalized value of raw pixel p in channel c (exactly norm.apply(p, c)). */
  private final float[] lut;

  /**
   * @param norm normalization (channel count must match the dataset)
   * @param shuffle new order each epoch (training); false keeps the dataset order (evaluation)
   * @param augment crop/flip; {@link Augment#NONE} for evaluation
   * @param dropLast drop a last partial batch (training) or keep it (evaluation)
   * @param prefetch batches built ahead on a background thread (0: build on the caller's thread)
   */
  public DataLoader(Dataset ds, Normalization norm, int batchSize, boolean shuffle, Augment augment, long seed,
      boolean dropLast, int prefetch) {
    this(ds, norm, batchSize, shuffle, augment, seed, dropLast, prefetch, 1);
  }

  /**
   * As above with {@code workers} threads building batches in parallel (for fast GPUs; the batches are
   * the same for any number of workers).
   */
  public DataLoader(Dataset ds, Normalization norm, int batchSize, boolean shuffle, Augment augment, long seed,
      boolean dropLast, int prefetch, int workers) {
    if (batchSize <= 0) throw new IllegalArgumentException("data loader " + ds.name() + ": batch size must be > 0, got " + batchSize);
    if (norm.channels() != ds.channels()) {
      throw new IllegalArgumentException("data loader " + ds.name() + ": normalization has " + norm.channels()
          + " channels, images have " + ds.channels());
    }
    if (augment.flip() && ds.digitLike()) {
      throw new IllegalArgumentException("data loader " + ds.name() + ": horizontal flip is not allowed for digit-like data");
    }
    if (augment.pad() >= Math.min(ds.height(), ds.width())) {
      throw new IllegalArgumentException("data loader " + ds.name() + ": crop padding " + augment.pad() + " too large for "
          + ds.height() + "x" + ds.width() + " images");
    }
    if (prefetch < 0) throw new IllegalArgumentException("data loader " + ds.name() + ": prefetch must be >= 0, got " + prefetch);
    if (workers < 1) throw new IllegalArgumentException("data loader " + ds.name() + ": workers must be >= 1, got " + workers);
    this.ds = ds;
    this.norm = norm;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.augment = augment;
    this.seed = seed;
    this.dropLast = dropLast;
    this.prefetch = prefetch;
    this.workers = workers;
    this.lut = new float[ds.channels() * 256];
    for (int k = 0; k < ds.channels(); k++) for (int p = 0; p < 256; p++) lut[(k << 8) | p] = norm.apply(p, k);
  }

  /** An evaluation loader: dataset order, no augmentation, last partial batch kept, prefetch 2. */
  public static DataLoader evaluation(Dataset ds, Normalization norm, int batchSize) {
    return new DataLoader(ds, norm, batchSize, false, Augment.NONE, 0L, false, 2);
  }

  public Dataset dataset() {
    return ds;
  }

  /** Batches per epoch. */
  public int batches() {
    return dropLast ? ds.size() / batchSize : (ds.size() + batchSize - 1) / batchSize;
  }

  /** The order of the images in {@code epoch}. */
  public int[] order(int epoch) {
    int n = ds.size();
    int[] p = new int[n];
    for (int i = 0; i < n; i++) p[i] = i;
    if (shuffle) {
      SplittableRandom r = new SplittableRandom(mix(seed, epoch, -1));
      for (int i = n - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        int t = p[i];
        p[i] = p[j];
        p[j] = t;
      }
    }
    return p;
  }

  /** Builds batch {@code b} of {@code epoch} directly (no thread): the function the workers evaluate. */
  public Batch batch(int epoch, int b, int[] order) {
    int h = ds.height(), w = ds.width(), c = ds.channels();
    int start = b * batchSize;
    int n = Math.min(batchSize, ds.size() - start);
    if (n <= 0 || b < 0) throw new IllegalArgumentException("data loader " + ds.name() + ": no batch " + b);
    float[] x = new float[n * h * w * c];
    int[] y = new int[n];
    int[] idx = new int[n];
    float[] padValue = new float[c];
    for (int k = 0; k < c; k++) padValue[k] = norm.apply(0, k);
    float[] lut = this.lut;
    byte[] px = ds.pixels();
    for (int j = 0; j < n; j++) {
      int pos = start + j;
      int i = order[pos];
      idx[j] = i;
      y[j] = ds.label(i);
      int dy = 0, dx = 0;
      boolean flip = false;
      if (augment.enabled()) {
        SplittableRandom r = new SplittableRandom(mix(seed, epoch, pos));
        int pad = augment.pad();
        dy = pad > 0 ? r.nextInt(2 * pad + 1) - pad : 0;
        dx = pad > 0 ? r.nextInt(2 * pad + 1) - pad : 0;
        flip = augment.flip() && r.nextBoolean();
      }
      int src = i * h * w * c;
      int dst = j * h * w * c;
      for (int yy = 0; yy < h; yy++) {
        int sy = yy + dy;
        for (int xx = 0; xx < w; xx++) {
          int sx = (flip ? w - 1 - xx : xx) + dx;
          int o = dst + (yy * w + xx) * c;
          if (sy < 0 || sy >= h || sx < 0 || sx >= w) {
            System.arraycopy(padValue, 0, x, o, c);
          } else {
            int s = src + (sy * w + sx) * c;
            for (int k = 0; k < c; k++) x[o + k] = lut[(k << 8) | (px[s + k] & 0xFF)];
          }
        }
      }
    }
    return new Batch(x, y, idx, n, h, w, c, epoch, b);
  }

  /**
   * The batches of {@code epoch}. The worker threads end by themselves after the last batch; close the
   * epoch (try-with-resources) to stop them when leaving early.
   */
  public Epoch epoch(int epoch) {
    return new Epoch(epoch);
  }

  /**
   * Iterator over one epoch's batches. With prefetch > 0 up to {@code prefetch} batches are being built
   * ahead on {@code workers} daemon threads; each batch is a pure function of (seed, epoch, index), so
   * the result does not depend on which thread built it or when.
   */
  public final class Epoch implements Iterator<Batch>, AutoCloseable {
    private final int epoch;
    private final int[] order;
    private final int total;
    private int next;
    private int submitted;
    private final ExecutorService pool;
    private final Future<?>[] pending;

    private Epoch(int epoch) {
      this.epoch = epoch;
      this.order = order(epoch);
      this.total = batches();
      if (prefetch == 0 || total == 0) {
        pool = null;
        pending = null;
        return;
      }
      String name = "vant-loader-" + ds.name() + "-e" + epoch;
      pool = Executors.newFixedThreadPool(workers, r -> {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
      });
      pending = new Future<?>[total];
      fill();
    }

    private void fill() {
      while (submitted < total && submitted < next + prefetch) {
        int b = submitted++;
        pending[b] = pool.submit(() -> batch(epoch, b, order));
      }
    }

    @Override
    public boolean hasNext() {
      return next < total;
    }

    @Override
    public Batch next() {
      if (!hasNext()) throw new NoSuchElementException("epoch " + epoch + " has " + total + " batches");
      if (pool == null) return batch(epoch, next++, order);
      Future<?> f = pending[next];
      pending[next] = null;
      next++;
      fill();
      if (next == total) pool.shutdown(); // all submitted: the threads end once their work is done
      try {
        return (Batch) f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("data loader " + ds.name() + ": interrupted while waiting for a batch", e);
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        if (c instanceof Error err) throw err;
        throw new IllegalStateException("data loader " + ds.name() + ": building batch " + (next - 1) + " failed: " + c, c);
      }
    }

    /** Stops the workers (needed only when not all batches were taken; harmless otherwise). */
    @Override
    public void close() {
      if (pool != null) {
        pool.shutdownNow();
        try {
          pool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /** SplitMix64-style mixing of (seed, epoch, position) into one well-spread 64-bit seed. */
  static long mix(long seed, int epoch, long pos) {
    long z = seed ^ 0x9E3779B97F4A7C15L * (epoch + 1L) ^ 0xC2B2AE3D27D4EB4FL * (pos + 2L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
