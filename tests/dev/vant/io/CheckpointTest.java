package dev.vant.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.backend.Backend;
import dev.vant.backend.cpu.FastBackend;
import dev.vant.backend.cpu.Precision;
import dev.vant.backend.cpu.ReferenceBackend;
import dev.vant.nn.Counter;
import dev.vant.nn.Flatten;
import dev.vant.nn.Model;
import dev.vant.nn.NoiseContext;
import dev.vant.nn.NoisyConv2d;
import dev.vant.nn.NoisyLinear;
import dev.vant.nn.Parameter;
import dev.vant.nn.ResNet;
import dev.vant.nn.Sequential;
import dev.vant.nn.SoftmaxCrossEntropy;
import dev.vant.optim.Adam;
import dev.vant.optim.Optimizer;
import dev.vant.optim.Sgd;
import dev.vant.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** safetensors checkpoints: bit-exact round trips, PyTorch layouts and names, and clear errors. */
class CheckpointTest {
  static final Path FIXTURES = Paths.get("tests/fixtures/nn");
  @TempDir Path dir;

  static Model tiny(Backend be, long seed, int w2) {
    return ResNet.builder().name("tiny").input(8, 8, 3).classes(4).blocks(1, 1).widths(4, w2).build(be, seed);
  }

  /** A few noisy training steps so that weights, BN statistics, counters and moments are all non-trivial. */
  static void trainSteps(Model m, Optimizer opt, int steps) {
    Backend be = m.backend();
    Random rnd = new Random(3);
    try (SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy(be)) {
      for (int s = 0; s < steps; s++) {
        float[] x = new float[6 * 8 * 8 * 3];
        float[] y = new float[6];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        for (int i = 0; i < y.length; i++) y[i] = rnd.nextInt(4);
        try (Tensor xt = be.fromHost(x, 6, 8, 8, 3); Tensor yt = be.fromHost(y, 6)) {
          Tensor logits = m.forward(xt, NoiseContext.builder().sigma(0.2f).seed(4).step(s).build());
          ce.forward(logits, yt, s);
          m.backward(ce.gradient());
          opt.step();
        }
      }
    }
  }

  static void assertSameState(Model a, Model b, Optimizer oa, Optimizer ob) {
    for (int i = 0; i < a.parameters().size(); i++) {
      assertArrayEquals(a.backend().toHost(a.parameters().get(i).value()), b.backend().toHost(b.parameters().get(i).value()), a.parameters().get(i).name());
    }
    for (int i = 0; i < a.buffers().size(); i++) {
      assertArrayEquals(a.backend().toHost(a.buffers().get(i).value()), b.backend().toHost(b.buffers().get(i).value()), a.buffers().get(i).name());
    }
    for (int i = 0; i < a.counters().size(); i++) assertEquals(a.counters().get(i).get(), b.counters().get(i).get());
    if (oa != null) {
      assertEquals(oa.steps(), ob.steps());
      assertEquals(oa.lr(), ob.lr());
      for (String k : oa.state().keySet()) {
        assertArrayEquals(a.backend().toHost(oa.state().get(k)), b.backend().toHost(ob.state().get(k)), k);
      }
    }
  }

  @Test
  void roundTripIsBitExactAndTrainingContinuesIdentically() throws IOException {
    try (FastBackend be = new FastBackend(2); Model a = tiny(be, 1, 8); Adam oa = Adam.builder().lr(2e-3f).weightDecay(1e-4f).build(a);
         Model b = tiny(be, 2, 8); Adam ob = Adam.builder().lr(1f).build(b)) {
      trainSteps(a, oa, 3);
      Path f = dir.resolve("ckpt.safetensors");
      Checkpoint.save(f, a, oa, 3, Map.of("init", 1L, "noise", 4L));
      Checkpoint.Info info = Checkpoint.load(f, b, ob);
      assertEquals(3, info.step());
      assertEquals(Map.of("init", 1L, "noise", 4L), info.seeds());
      assertEquals(a.architecture(), info.architecture());
      assertSameState(a, b, oa, ob);
      assertEquals(3, a.counters().get(0).get());
      // Saving the loaded state gives the same bytes.
      Path g = dir.resolve("again.safetensors");
      Checkpoint.save(g, b, ob, 3, Map.of("init", 1L, "noise", 4L));
      assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(g));
      // Evaluation gives the same logits, and one more training step keeps both models identical.
      a.eval();
      b.eval();
      try (Tensor x = be.fromHost(new float[2 * 8 * 8 * 3], 2, 8, 8, 3)) {
        NoiseContext ctx = NoiseContext.builder().sigma(0.3f).seed(99).step(12345).build();
        assertArrayEquals(be.toHost(a.forward(x, ctx)), be.toHost(b.forward(x, ctx)));
      }
      a.train();
      b.train();
      trainSteps(a, oa, 1);
      trainSteps(b, ob, 1);
      assertSameState(a, b, oa, ob);
    }
  }

  @Test
  void sgdStateRoundTrips() throws IOException {
    ReferenceBackend be = new ReferenceBackend(Precision.FLOAT32);
    try (Model a = tiny(be, 1, 8); Sgd oa = Sgd.builder().lr(0.05f).momentum(0.9f).nesterov(true).build(a);
         Model b = tiny(be, 2, 8); Sgd ob = Sgd.builder().lr(0.05f).momentum(0.9f).nesterov(true).build(b)) {
      trainSteps(a, oa, 2);
      Path f = dir.resolve("sgd.safetensors");
      Checkpoint.save(f, a, oa, 2, Map.of());
      Checkpoint.load(f, b, ob);
      assertSameState(a, b, oa, ob);
      // Adam state cannot be restored from an SGD checkpoint.
      try (Adam adam = Adam.builder().build(b)) {
        IOException e = assertThrows(IOException.class, () -> Checkpoint.load(f, b, adam));
        assertTrue(e.getMessage().contains("sgd"), e.getMessage());
      }
    }
  }

  @Test
  void exportUsesPyTorchNamesAndLayouts() throws IOException {
    ReferenceBackend be = new ReferenceBackend(Precision.FLOAT32);
    try (Model m = tiny(be, 5, 8)) {
      Path f = dir.resolve("export.safetensors");
      Checkpoint.exportStateDict(f, m);
      SafeTensors.Contents c = SafeTensors.read(f);
      assertEquals("pt", c.metadata().get("format"));
      // Exactly PyTorch's state_dict keys, in module order.
      assertEquals(Arrays.asList("conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias"), c.tensors().keySet().stream().limit(4).toList());
      assertTrue(c.tensors().containsKey("layer2.0.shortcut.0.weight"));
      assertTrue(c.tensors().containsKey("layer2.0.shortcut.1.running_var"));
      assertTrue(c.tensors().containsKey("fc.weight"));
      SafeTensors.Entry nbt = c.tensors().get("layer1.0.bn2.num_batches_tracked");
      assertEquals(SafeTensors.DType.I64, nbt.dtype());
      assertEquals(0, nbt.shape().length);
      // conv1.weight: OIHW in the file, KRSC in memory.
      SafeTensors.Entry w = c.tensors().get("layer2.0.conv1.weight");
      assertArrayEquals(new int[] {8, 4, 3, 3}, w.shape());
      float[] krsc = be.toHost(m.parameters().stream().filter(p -> p.name().equals("layer2.0.conv1.weight")).findFirst().orElseThrow().value());
      float[] oihw = w.floats();
      for (int k = 0; k < 8; k++)
        for (int ch = 0; ch < 4; ch++)
          for (int r = 0; r < 3; r++)
            for (int s = 0; s < 3; s++) assertEquals(krsc[((k * 3 + r) * 3 + s) * 4 + ch], oihw[((k * 4 + ch) * 3 + r) * 3 + s]);
    }
  }

  /** The fixture was written by tests/fixtures/nn/make_torch_state_dicts.py, an independent writer. */
  @Test
  void importsAPyTorchStateDictWithTorchvisionNames() throws IOException {
    ReferenceBackend be = new ReferenceBackend(Precision.FLOAT32);
    try (Model m = tiny(be, 5, 8)) {
      Checkpoint.importStateDict(FIXTURES.resolve("tiny_resnet.safetensors"), m);
      SafeTensors.Contents file = SafeTensors.read(FIXTURES.resolve("tiny_resnet.safetensors"));
      java.util.List<String> names = java.util.List.copyOf(file.tensors().keySet());
      for (Parameter p : allOf(m)) {
        String fileName = p.name().replace(".shortcut.", ".downsample.");
        double base = 0.5 * names.indexOf(fileName);
        assertTrue(base >= 0, "fixture lacks " + fileName);
        float[] v = be.toHost(p.value());
        int[] s = p.shape();
        if (s.length == 4) { // KRSC: element (k, r, s, c) was PyTorch's (o=k, i=c, h=r, w=s)
          for (int k = 0; k < s[0]; k++)
            for (int r = 0; r < s[1]; r++)
              for (int q = 0; q < s[2]; q++)
                for (int c = 0; c < s[3]; c++) {
                  assertEquals(base + k * 1000 + c * 100 + r * 10 + q, v[((k * s[1] + r) * s[2] + q) * s[3] + c], 0, p.name());
                }
        } else {
          for (int j = 0; j < v.length; j++) assertEquals(base + j, v[j], 0, p.name());
        }
      }
      for (Counter k : m.counters()) assertEquals(7, k.get(), k.name());
    }
  }

  @Test
  void importsALinearAfterFlattenInNchwOrderAndExportsItBack() throws IOException {
    ReferenceBackend be = new ReferenceBackend(Precision.FLOAT32);
    Sequential s = Sequential.builder()
        .add(NoisyConv2d.builder(2, 3).build())
        .add(new Flatten())
        .add(NoisyLinear.builder(48, 5).afterFlatten(4, 4, 3).build())
        .build();
    try (Model m = Model.builder(s).input(4, 4, 2).build(be, 1)) {
      Path fixture = FIXTURES.resolve("conv_flatten_linear.safetensors");
      Checkpoint.importStateDict(fixture, m);
      float[] w = be.toHost(m.parameters().get(2).value()); // "2.weight" [5, 48], vant columns (h, w, c)
      assertEquals("2.weight", m.parameters().get(2).name());
      double base = 0.5 * 2;
      for (int o = 0; o < 5; o++)
        for (int h = 0; h < 4; h++)
          for (int x = 0; x < 4; x++)
            for (int c = 0; c < 3; c++) assertEquals(base + o * 48 + (c * 4 + h) * 4 + x, w[o * 48 + (h * 4 + x) * 3 + c], 0);
      // Export gives the PyTorch tensors back exactly (the fixture has the same names, shapes and order).
      Path out = dir.resolve("back.safetensors");
      Checkpoint.exportStateDict(out, m);
      SafeTensors.Contents a = SafeTensors.read(fixture), b = SafeTensors.read(out);
      assertEquals(a.tensors().keySet(), b.tensors().keySet());
      for (String k : a.tensors().keySet()) assertArrayEquals(a.tensors().get(k).data(), b.tensors().get(k).data(), k);
    }
  }

  @Test
  void wrongArchitectureNamesTheFirstMismatchingTensorAndBothShapes() throws IOException {
    ReferenceBackend be = new ReferenceBackend(Precision.FLOAT32);
    try (Model a = tiny(be, 1, 8); Model b = tiny(be, 1, 16)) {
      Path f = dir.resolve("a.safetensors");
      Checkpoint.exportStateDict(f, a);
      float[] before = be.toHost(b.parameters().get(0).value());
      IOException e = assertThrows(IOException.class, () -> Checkpoint.importStateDict(f, b));
      assertTrue(e.getMessage().contains("'layer2.0.conv1.weight'"), e.getMessage());
      assertTrue(e.getMessage().contains("[8, 4, 3, 3]") && e.getMessage().contains("[16, 4, 3, 3]"), e.getMessage());
      assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
      // Nothing was loaded.
      assertArrayEquals(before, be.toHost(b.parameters().get(0).value()));
    }
    // A file with an extra tensor is rejected too, naming it.
    try (Model small = ResNet.builder().input(8, 8, 3).classes(4).blocks(1).widths(4).build(be, 1); Model big = tiny(be, 1, 8)) {
      Path f = dir.resolve("big.safetensors");
      Checkpoint.exportStateDict(f, big);
      IOException e = assertThrows(IOException.class, () -> Checkpoint.importStateDict(f, small));
      assertTrue(e.getMessage().contains("fc.weight") || e.getMessage().contains("layer2.0"), e.getMessage());
    }
  }

  @Test
  void truncatedFileFailsNamingTheFile() throws IOException {
    ReferenceBackend be = new ReferenceBackend(Precision.FLOAT32);
    try (Model m = tiny(be, 1, 8)) {
      Path f = dir.resolve("t.safetensors");
      Checkpoint.exportStateDict(f, m);
      byte[] all = Files.readAllBytes(f);
      for (int cut : new int[] {all.length - 1, all.length / 2, 20, 4}) {
        Path t = dir.resolve("cut" + cut + ".safetensors");
        Files.write(t, Arrays.copyOf(all, cut));
        IOException e = assertThrows(IOException.class, () -> Checkpoint.importStateDict(t, m));
        assertTrue(e.getMessage().contains(t.toString()) && e.getMessage().contains("truncated"), e.getMessage());
      }
    }
  }

  @Test
  void writesAtomically() throws IOException {
    ReferenceBackend be = new ReferenceBackend(Precision.FLOAT32);
    try (Model m = tiny(be, 1, 8)) {
      Path f = dir.resolve("sub/dir/m.safetensors");
      Checkpoint.exportStateDict(f, m);
      Checkpoint.exportStateDict(f, m); // replaces
      try (var list = Files.list(f.getParent())) {
        assertEquals(java.util.List.of(f.getFileName().toString()), list.map(p -> p.getFileName().toString()).toList(), "no temporary files left");
      }
    }
  }

  @Test
  void safetensorsRoundTripIsBitExact() throws IOException {
    float[] v = {1.5f, -0f, Float.MIN_VALUE, Float.MAX_VALUE, Float.NaN, Float.intBitsToFloat(0x7fc00123), 3.14159f};
    Path f = dir.resolve("raw.safetensors");
    java.util.Map<String, SafeTensors.Entry> t = new java.util.LinkedHashMap<>();
    t.put("a", SafeTensors.Entry.f32(v, 7));
    t.put("b", SafeTensors.Entry.i64(-42));
    t.put("empty", SafeTensors.Entry.f32(new float[0], 0, 3));
    SafeTensors.write(f, t, Map.of("k", "v"));
    SafeTensors.Contents c = SafeTensors.read(f);
    assertArrayEquals(t.get("a").data(), c.tensors().get("a").data());
    assertEquals(-42, c.tensors().get("b").longs()[0]);
    assertArrayEquals(new int[] {0, 3}, c.tensors().get("empty").shape());
    assertEquals("v", c.metadata().get("k"));
    long headerLen = java.nio.ByteBuffer.wrap(Files.readAllBytes(f), 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, headerLen % 8);
  }

  static java.util.List<Parameter> allOf(Model m) {
    java.util.List<Parameter> all = new java.util.ArrayList<>(m.parameters());
    all.addAll(m.buffers());
    return all;
  }

}
