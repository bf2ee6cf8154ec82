package dev.vant.io;

import dev.vant.backend.Backend;
import dev.vant.io.SafeTensors.DType;
import dev.vant.io.SafeTensors.Entry;
import dev.vant.nn.Counter;
import dev.vant.nn.Model;
import dev.vant.nn.Parameter;
import dev.vant.optim.Optimizer;
import dev.vant.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checkpoints as safetensors files that PyTorch reads and writes.
 *
 * <p><b>Names and layouts.</b> The model's state uses PyTorch state-dict names and layouts: conv weights
 * OIHW {@code [K, C, R, S]} (vant keeps KRSC in memory), linear weights {@code [OUT, IN]} with the columns
 * of a linear after a flatten in PyTorch's NCHW order, BatchNorm {@code weight}, {@code bias},
 * {@code running_mean}, {@code running_var} (F32) and {@code num_batches_tracked} (I64, shape [] — as
 * PyTorch stores it, so {@code model.load_state_dict(safetensors.torch.load_file(f))} accepts an export).
 * ResNets are named like the authors' code: {@code conv1}, {@code bn1}, {@code layerL.B.conv1},
 * {@code layerL.B.shortcut.0} (1x1 conv) / {@code .shortcut.1} (its BN), {@code fc}. Imports also accept
 * torchvision's {@code downsample.N} and kuangliu's {@code linear} for the same tensors.
 *
 * <p><b>Training state.</b> {@link #save} adds the optimizer's moments as
 * {@code optimizer.<parameter>.<buffer>} (PyTorch's buffer names {@code exp_avg}, {@code exp_avg_sq},
 * {@code momentum_buffer}; same layout as the parameter) and metadata: {@code format=pt},
 * {@code vant.architecture}, {@code vant.step}, {@code vant.seed.<name>}, {@code vant.optimizer},
 * {@code vant.optimizer.steps}, {@code vant.optimizer.<hyper-parameter>}.
 *
 * <p><b>Errors.</b> Loading checks every tensor before changing anything: a missing tensor, a shape or
 * dtype mismatch (the first in the model's order, both shapes in PyTorch layout) or an unexpected
 * tensor throws {@link IOException} naming the file and the tensor.
 */
public final class Checkpoint {
  /** Prefix of optimizer state tensors. */
  public static final String OPTIMIZER_PREFIX = "optimizer.";

  private Checkpoint() {}

  /** What a checkpoint holds besides tensors. */
  public record Info(String architecture, long step, Map<String, Long> seeds, Map<String, String> metadata) {}

  /** Writes the model's PyTorch state dict only (weights, BN statistics), e.g. for use in PyTorch. */
  public static void exportStateDict(Path file, Model model) throws IOException {
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", "pt");
    meta.put("vant.architecture", model.architecture());
    SafeTensors.write(file, modelEntries(model), meta);
  }

  /**
   * Writes a training checkpoint: the model's state dict, the optimizer's state (when not null), the
   * step and named seeds (e.g. "init", "noise", "data"). Atomic.
   */
  public static void save(Path file, Model model, Optimizer optimizer, long step, Map<String, Long> seeds) throws IOException {
    Map<String, Entry> t = modelEntries(model);
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", "pt");
    meta.put("vant.architecture", model.architecture());
    meta.put("vant.step", Long.toString(step));
    if (seeds != null) seeds.forEach((k, v) -> meta.put("vant.seed." + k, Long.toString(v)));
    if (optimizer != null) {
      Backend be = model.backend();
      Map<String, Parameter> byName = byName(model);
      for (Map.Entry<String, Tensor> s : optimizer.state().entrySet()) {
        Parameter p = byName.get(paramOf(s.getKey()));
        if (p == null) throw new IllegalStateException("optimizer state " + s.getKey() + " belongs to no parameter of the model");
        float[] torch = p.layout().toTorch(be.toHost(s.getValue()), p.shape());
        t.put(OPTIMIZER_PREFIX + s.getKey(), Entry.f32(torch, p.layout().torchShape(p.shape())));
      }
      meta.put("vant.optimizer", optimizer.kind());
      meta.put("vant.optimizer.steps", Integer.toString(optimizer.steps()));
      optimizer.config().forEach((k, v) -> meta.put("vant.optimizer." + k, v));
    }
    SafeTensors.write(file, t, meta);
  }

  /**
   * Loads a checkpoint written by {@link #save} (or a PyTorch state dict, when {@code optimizer} is null)
   * into {@code model} and, when not null, {@code optimizer} (moments, step count and hyper-parameters,
   * like PyTorch's {@code optimizer.load_state_dict}).
   *
   * @throws IOException naming the file and the first missing, mismatching or unexpected tensor
   */
  public static Info load(Path file, Model model, Optimizer optimizer) throws IOException {
    SafeTensors.Contents c = SafeTensors.read(file);
    Map<String, Entry> tensors = canonical(c.tensors());
    List<Runnable> writes = new ArrayList<>();
    Set<String> used = new HashSet<>();
    planModel(file, model, tensors, used, writes);
    if (optimizer != null) {
      if (!optimizer.kind().equals(c.metadata().get("vant.optimizer"))) {
        throw new IOException("checkpoint " + file + ": optimizer state is " + c.metadata().getOrDefault("vant.optimizer", "absent")
            + " but a " + optimizer.kind() + " optimizer is being restored");
      }
      Map<String, Parameter> byName = byName(model);
      for (Map.Entry<String, Tensor> s : optimizer.state().entrySet()) {
        Parameter p = byName.get(paramOf(s.getKey()));
        planTensor(file, OPTIMIZER_PREFIX + s.getKey(), p, s.getValue(), model, tensors, used, writes);
      }
    }
    for (String name : tensors.keySet()) {
      if (used.contains(name)) continue;
      if (optimizer == null && name.startsWith(OPTIMIZER_PREFIX)) continue;
      throw new IOException("checkpoint " + file + ": unexpected tensor '" + name + "' " + Arrays.toString(tensors.get(name).shape())
          + " — the model (" + model.architecture() + ") has no such tensor");
    }
    Map<String, String> meta = c.metadata();
    if (optimizer != null) {
      // Hyper-parameters first: an unknown one throws before any tensor has been overwritten.
      Map<String, String> cfg = new LinkedHashMap<>();
      meta.forEach((k, v) -> {
        if (k.startsWith("vant.optimizer.") && !k.equals("vant.optimizer.steps")) cfg.put(k.substring("vant.optimizer.".length()), v);
      });
      try {
        optimizer.restoreConfig(cfg);
      } catch (IllegalArgumentException e) {
        throw new IOException("checkpoint " + file + ": " + e.getMessage(), e);
      }
      optimizer.setSteps(Integer.parseInt(meta.getOrDefault("vant.optimizer.steps", "0")));
    }
    writes.forEach(Runnable::run);
    Map<String, Long> seeds = new LinkedHashMap<>();
    meta.forEach((k, v) -> {
      if (k.startsWith("vant.seed.")) seeds.put(k.substring("vant.seed.".length()), Long.parseLong(v));
    });
    return new Info(meta.getOrDefault("vant.architecture", "unknown"), Long.parseLong(meta.getOrDefault("vant.step", "0")), seeds, meta);
  }

  /**
   * Imports a PyTorch state dict saved as safetensors ({@code safetensors.torch.save_file(model.state_dict(), f)})
   * for the same architecture: OIHW -> KRSC, NCHW-flatten columns -> NHWC. Same checks as {@link #load}.
   */
  public static Info importStateDict(Path file, Model model) throws IOException {
    return load(file, model, null);
  }

  // ---- internals ----------------------------------------------------------------------------------

  private static Map<String, Entry> modelEntries(Model model) {
    Backend be = model.backend();
    Map<String, Entry> t = new LinkedHashMap<>();
    for (Parameter p : all(model)) {
      float[] torch = p.layout().toTorch(be.toHost(p.value()), p.shape());
      t.put(p.name(), Entry.f32(torch, p.layout().torchShape(p.shape())));
    }
    for (Counter k : model.counters()) t.put(k.name(), Entry.i64(k.get()));
    return t;
  }

  private static List<Parameter> all(Model model) {
    List<Parameter> all = new ArrayList<>(model.parameters());
    all.addAll(model.buffers());
    return all;
  }

  private static Map<String, Parameter> byName(Model model) {
    Map<String, Parameter> m = new LinkedHashMap<>();
    for (Parameter p : model.parameters()) m.put(p.name(), p);
    return m;
  }

  /** "layer1.0.conv1.weight.exp_avg" -> "layer1.0.conv1.weight". */
  private static String paramOf(String stateName) {
    return stateName.substring(0, stateName.lastIndexOf('.'));
  }

  /** File names with torchvision / kuangliu aliases mapped to vant's names. */
  private static Map<String, Entry> canonical(Map<String, Entry> in) {
    Map<String, Entry> out = new LinkedHashMap<>();
    for (Map.Entry<String, Entry> e : in.entrySet()) {
      String n = e.getKey().replace(".downsample.", ".shortcut.");
      if (n.startsWith("linear.")) n = "fc." + n.substring("linear.".length());
      out.put(n, e.getValue());
    }
    return out;
  }

  private static void planModel(Path file, Model model, Map<String, Entry> tensors, Set<String> used, List<Runnable> writes) throws IOException {
    for (Parameter p : all(model)) planTensor(file, p.name(), p, p.value(), model, tensors, used, writes);
    for (Counter k : model.counters()) {
      Entry e = tensors.get(k.name());
      if (e == null) {
        // PyTorch state dicts made with track_running_stats but older versions may lack it: a missing
        // counter is not silently zeroed — it is an error like any other missing tensor.
        throw new IOException("checkpoint " + file + ": tensor '" + k.name() + "' is missing (model " + model.architecture() + " expects I64 [])");
      }
      if (e.dtype() != DType.I64 || e.shape().length != 0) {
        throw new IOException("checkpoint " + file + ": tensor '" + k.name() + "' is " + e.dtype() + " " + Arrays.toString(e.shape())
            + " in the file but the model expects I64 []");
      }
      used.add(k.name());
      long v = e.longs()[0];
      writes.add(() -> k.set(v));
    }
  }

  private static void planTensor(Path file, String name, Parameter p, Tensor target, Model model, Map<String, Entry> tensors,
      Set<String> used, List<Runnable> writes) throws IOException {
    int[] want = p.layout().torchShape(p.shape());
    Entry e = tensors.get(name);
    if (e == null) {
      throw new IOException("checkpoint " + file + ": tensor '" + name + "' is missing (model " + model.architecture() + " expects " + Arrays.toString(want) + ")");
    }
    if (e.dtype() != DType.F32) {
      throw new IOException("checkpoint " + file + ": tensor '" + name + "' is " + e.dtype() + " but the model expects F32");
    }
    if (!Arrays.equals(e.shape(), want)) {
      throw new IOException("checkpoint " + file + ": tensor '" + name + "' has shape " + Arrays.toString(e.shape())
          + " in the file but the model (" + model.architecture() + ") expects " + Arrays.toString(want));
    }
    used.add(name);
    writes.add(() -> {
      Backend be = model.backend();
      float[] vant = p.layout().fromTorch(e.floats(), p.shape());
      try (Tensor tmp = be.fromHost(vant, p.shape())) {
        be.copy(tmp, target);
      }
    });
  }
}
