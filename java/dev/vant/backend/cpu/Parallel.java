package dev.vant.backend.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * The fast backend's thread pool. Work is always cut into chunks whose boundaries depend only on the
 * shapes, never on the thread count; threads just claim chunk indices. Every chunk writes its own
 * disjoint output (or its own partial sum, combined afterwards in chunk order), so results are
 * bit-identical for any number of threads.
 */
final class Parallel implements AutoCloseable {
  private static final ThreadLocal<Boolean> WORKER = ThreadLocal.withInitial(() -> false);
  private final int threads;
  private final ExecutorService pool;

  Parallel(int threads) {
    if (threads < 1) throw new IllegalArgumentException("cpu-fast: threads must be >= 1, got " + threads);
    this.threads = threads;
    AtomicInteger id = new AtomicInteger();
    this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
      Thread t = new Thread(() -> {
        WORKER.set(true);
        r.run();
      }, "vant-cpu-" + id.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  int threads() {
    return threads;
  }

  /** Runs {@code body(i)} for i in [0, n) on all threads; returns when all are done; rethrows the first failure. */
  void forEach(int n, IntConsumer body) {
    if (n <= 0) return;
    // Nested calls (from inside a chunk) and single-threaded pools run inline: no deadlock, same chunks.
    if (pool == null || n == 1 || WORKER.get()) {
      for (int i = 0; i < n; i++) body.accept(i);
      return;
    }
    AtomicInteger next = new AtomicInteger();
    Runnable loop = () -> {
      for (int i; (i = next.getAndIncrement()) < n; ) body.accept(i);
    };
    int helpers = Math.min(threads, n) - 1;
    List<Future<?>> fs = new ArrayList<>(helpers);
    for (int h = 0; h < helpers; h++) fs.add(pool.submit(loop));
    Throwable first = null;
    WORKER.set(true);
    try {
      loop.run();
    } catch (RuntimeException | Error e) {
      first = e;
      next.set(n);
    } finally {
      WORKER.set(false);
    }
    for (Future<?> f : fs) {
      try {
        f.get();
      } catch (ExecutionException e) {
        if (first == null) first = e.getCause();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        if (first == null) first = e;
      }
    }
    if (first instanceof RuntimeException re) throw re;
    if (first instanceof Error er) throw er;
    if (first != null) throw new IllegalStateException("cpu-fast worker failed", first);
  }

  /** Number of chunks of {@code size} items each (the last one may be shorter). */
  static int chunks(long total, long size) {
    return (int) ((total + size - 1) / size);
  }

  @Override
  public void close() {
    if (pool != null) pool.shutdownNow();
  }
}
