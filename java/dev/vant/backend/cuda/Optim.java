package dev.vant.backend.cuda;

import static dev.vant.backend.cuda.CudaBackend.bad;

import dev.vant.backend.AdamConfig;
import dev.vant.backend.SgdConfig;
import dev.vant.cuda.DeviceBuffer;
import dev.vant.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Binding of {@code kernels/optim.cu}: one launch updates every parameter. The kernel reads a device
 * table of slots {p, g, m, v, offset, size}; the table is written once per parameter list (one tiny
 * {@code optim_set_slot} launch per slot, no host copy) and reused while the list's buffers are the same. The last
 * {@link #KEPT} tables of each optimizer whose buffers are all still open are kept, so that models taking turns on one
 * backend (the benchmark's noise modes) do not rewrite theirs at every turn.
 */
final class Optim implements AutoCloseable {
  private static final int SLOT_BYTES = 48;
  static final int KEPT = 4;
  private final CudaBackend b;
  private final List<Table> adamTables = new ArrayList<>();
  private final List<Table> sgdTables = new ArrayList<>();
  private int tableBuilds;
  /** The step capture in progress (its ordinal), or 0 when none is ({@link #beginCapture} / {@link #endCapture}). */
  private int capture;
  private int captures;

  Optim(CudaBackend b) {
    this.b = b;
  }

  /**
   * A slot table. builtIn / usedIn: the capture that recorded its writes / used it (0: none). A table a capture used
   * is not given up during that capture (its block would serve another table the same recording already points
   * at), and one whose writes were only recorded by a capture that then failed was never written: it is dropped.
   */
  private static final class Table {
    final DeviceBuffer buf;
    final List<DeviceBuffer> key;
    final int slots;
    final long total;
    final int builtIn;
    int usedIn;

    Table(DeviceBuffer buf, List<DeviceBuffer> key, int slots, long total, int builtIn) {
      this.buf = buf;
      this.key = key;
      this.slots = slots;
      this.total = total;
      this.builtIn = builtIn;
      this.usedIn = builtIn;
    }
  }

  /** A step capture begins (CudaBackend.captureStep). */
  void beginCapture() {
    capture = ++captures;
  }

  /** The capture ended; without {@code ok} the tables it built hold nothing (their writes were never run). */
  void endCapture(boolean ok) {
    if (!ok) {
      for (List<Table> kept : List.of(adamTables, sgdTables)) {
        for (int i = kept.size() - 1; i >= 0; i--) {
          if (kept.get(i).builtIn == capture) kept.remove(i).buf.close();
        }
      }
    }
    capture = 0;
  }

  /** Closes kept table i unless the capture in progress used it; returns whether it did. */
  private boolean drop(List<Table> kept, int i) {
    if (capture != 0 && kept.get(i).usedIn == capture) return false;
    kept.remove(i).buf.close();
    return true;
  }

  void adam(List<Tensor> params, List<Tensor> grads, List<Tensor> m, List<Tensor> v, AdamConfig cfg, int t) {
    String op = "adamUpdate step " + t + " over " + params.size() + " parameters";
    if (t < 1) throw bad(op, "step t must be >= 1");
    Table adamTable = table(adamTables, op, params, grads, m, v);
    if (adamTable.total == 0) return;
    float bc1 = biasCorrection(cfg.beta1(), t);
    float bc2 = biasCorrection(cfg.beta2(), t);
    b.launch(op, "adam_update", b.gridFor(adamTable.total), 256, new KernelArgs().ptr(adamTable.buf).i(adamTable.slots)
        .l(adamTable.total).f(cfg.lr()).f(cfg.beta1()).f(cfg.beta2()).f(cfg.eps()).f(cfg.weightDecay()).f(bc1).f(bc2)
        .ptr(b.stepState(op, cfg.lr(), t, cfg)));
  }

  /** Adam's bias correction {@code 1 - beta^t}, in double, rounded once to float (eager launches and replays alike). */
  static float biasCorrection(float beta, int t) {
    return (float) (1 - Math.pow(beta, t));
  }

  void sgd(List<Tensor> params, List<Tensor> grads, List<Tensor> momentum, SgdConfig cfg, boolean firstStep) {
    String op = "sgdUpdate over " + params.size() + " parameters";
    Table sgdTable = table(sgdTables, op, params, grads, momentum, null);
    if (sgdTable.total == 0) return;
    b.launch(op, "sgd_update", b.gridFor(sgdTable.total), 256, new KernelArgs().ptr(sgdTable.buf).i(sgdTable.slots)
        .l(sgdTable.total).f(cfg.lr()).f(cfg.momentum()).f(cfg.dampening()).f(cfg.weightDecay())
        .i(cfg.nesterov() ? 1 : 0).i(firstStep ? 1 : 0).ptr(sgdState(op, cfg, firstStep)));
  }

  private dev.vant.cuda.DeviceBuffer sgdState(String op, SgdConfig cfg, boolean firstStep) {
    DeviceBuffer s = b.stepState(op, cfg.lr(), 0, null);
    if (s != null && firstStep) {
      throw new IllegalStateException(op + ": SGD's first step (momentum buffers initialized from the gradient) "
          + "cannot be recorded for replay; run it eagerly");
    }
    return s;
  }

  /** The table of this parameter list: a kept one (moved to the front), or a new one (the least recent beyond KEPT closed). */
  private Table table(List<Table> kept, String op, List<Tensor> p, List<Tensor> g, List<Tensor> m, List<Tensor> v) {
    int n = p.size();
    if (g.size() != n || m.size() != n || (v != null && v.size() != n)) {
      throw bad(op, "parameter, gradient and state lists differ in length: " + n + ", " + g.size() + ", " + m.size()
          + (v == null ? "" : ", " + v.size()));
    }
    List<DeviceBuffer> key = new ArrayList<>(4 * n);
    long total = 0;
    for (int i = 0; i < n; i++) {
      Tensor pi = p.get(i);
      String what = op + " parameter " + i + " " + pi;
      for (Tensor o : v == null ? List.of(g.get(i), m.get(i)) : List.of(g.get(i), m.get(i), v.get(i))) {
        if (o == null || o.size() != pi.size()) {
          throw bad(what, "gradient / state " + (o == null ? "null" : Arrays.toString(o.shape())) + " does not match");
        }
      }
      key.add(b.buf(pi, what));
      key.add(b.buf(g.get(i), what));
      key.add(b.buf(m.get(i), what));
      key.add(v == null ? null : b.buf(v.get(i), what));
      total += pi.size();
    }
    // The update kernel reaches these buffers through the table, not its arguments: a step being recorded must hold
    // them all the same (MemoryPool), or a tensor made later could take a block the replays update.
    for (DeviceBuffer k : key) {
      if (k != null) k.usedIndirectly();
    }
    for (int i = 0; i < kept.size(); i++) {
      Table t = kept.get(i);
      if (sameBuffers(t.key, key)) {
        kept.add(0, kept.remove(i));
        if (capture != 0) t.usedIn = capture;
        return t;
      }
    }
    tableBuilds++;
    // A table whose buffers were closed can never match again (new tensors are new buffers): its block serves this one.
    for (int i = kept.size() - 1; i >= 0; i--) {
      if (kept.get(i).key.stream().anyMatch(k -> k != null && k.isClosed())) drop(kept, i);
    }
    // Recording a step with a list not seen before: the least recent table this recording has not used goes first, so
    // that its block can serve the new one (no allocation is allowed inside a capture; a block a recorded graph uses
    // stays held for that graph).
    if (capture != 0) {
      for (int i = kept.size() - 1; i >= 0 && !drop(kept, i); i--) {
        // used by this recording: try the next
      }
    }
    DeviceBuffer table = b.workspace((long) SLOT_BYTES * Math.max(1, n), op + " slot table [" + n + "]");
    long offset = 0;
    for (int i = 0; i < n; i++) {
      long size = p.get(i).size();
      b.launch(op + " table slot " + i, "optim_set_slot", 1, 1, new KernelArgs().ptr(table).i(i)
          .ptr(key.get(4 * i)).ptr(key.get(4 * i + 1)).ptr(key.get(4 * i + 2)).ptr(key.get(4 * i + 3)).l(offset).l(size));
      offset += size;
    }
    Table t = new Table(table, key, n, total, capture);
    kept.add(0, t);
    for (int i = kept.size() - 1; i >= 0 && kept.size() > KEPT; i--) drop(kept, i);
    return t;
  }

  /** How many slot tables were written so far (a training loop with persistent tensors writes one). */
  int tableBuilds() {
    return tableBuilds;
  }

  private static boolean sameBuffers(List<DeviceBuffer> a, List<DeviceBuffer> b) {
    if (a.size() != b.size()) return false;
    for (int i = 0; i < a.size(); i++) if (a.get(i) != b.get(i)) return false;
    return true;
  }

  @Override
  public void close() {
    for (Table t : adamTables) t.buf.close();
    for (Table t : sgdTables) t.buf.close();
    adamTables.clear();
    sgdTables.clear();
  }
}
