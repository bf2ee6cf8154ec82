package dev.vant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** vant train / eval / compare / demo through the command line, on tiny settings. */
class TrainCliTest {
  private static void assertUsageError(CliTestSupport.Run r, String mustMention) {
    assertEquals(2, r.code(), r.out() + r.err());
    String first = r.err().lines().findFirst().orElse("");
    assertTrue(first.contains(mustMention), "first line should name " + mustMention + ": " + r.err());
  }

  @Test
  void badFlagValuesGiveOneLineAndExitTwo(@TempDir Path tmp) {
    assertUsageError(CliTestSupport.run("train", "--noise", "nt", "--sigma-train", "-1", "--out", tmp.toString()), "--sigma-train");
    assertUsageError(CliTestSupport.run("train", "--model", "resnet99", "--out", tmp.toString()), "--model");
    assertUsageError(CliTestSupport.run("train", "--dataset", "cifar10", "--data", tmp.resolve("missing").toString()), "--data");
    assertUsageError(CliTestSupport.run("train", "--noise", "vant"), "--sigma-train");
    assertUsageError(CliTestSupport.run("train", "--epochs", "0"), "--epochs");
    assertUsageError(CliTestSupport.run("train", "--noise-type", "gaussian"), "--noise-type");
    assertUsageError(CliTestSupport.run("eval", tmp.resolve("nothing").toString()), "nothing");
    assertUsageError(CliTestSupport.run("eval", tmp.toString(), "--sigmas", "0,-1"), "--sigmas");
    assertUsageError(CliTestSupport.run("demo", "--sigma-train", "-0.5"), "--sigma-train");
    assertUsageError(CliTestSupport.run("demo", "--batch", "0"), "--batch");
    assertUsageError(CliTestSupport.run("demo", "--ramp-epochs", "-1"), "--ramp-epochs");
    assertUsageError(CliTestSupport.run("demo", "--sigmas", "0.1,0.5"), "--sigmas");
    assertUsageError(CliTestSupport.run("compare", tmp.toString()), "robustness.json");
    assertUsageError(CliTestSupport.run("train", "--model", "mlp", "--resnet-blocks", "1,1"), "--resnet-blocks");
    if (!dev.vant.cuda.Cuda.status().available()) {
      assertUsageError(CliTestSupport.run("train", "--device", "cuda", "--limit", "64", "--out", tmp.resolve("c").toString()), "--device cuda");
    }
    assertUsageError(CliTestSupport.run("train", "--model", "resnet20", "--resnet-blocks", "1,1", "--resnet-widths", "8,16,32"), "--resnet-blocks");
    assertUsageError(CliTestSupport.run("train", "--cuda-graph", "maybe", "--out", tmp.resolve("g").toString()), "--cuda-graph");
    assertUsageError(CliTestSupport.run("train", "--cuda-graph", "on", "--device", "cpu", "--out", tmp.resolve("g").toString()), "--cuda-graph on");
    if (!dev.vant.cuda.Cuda.status().available()) {
      // auto picks the CPU here: graph mode cannot record there, and says so before training.
      // (The first line of stderr is --device auto's note that it chose the CPU; the usage error is the last.)
      CliTestSupport.Run auto = CliTestSupport.run("train", "--cuda-graph", "on", "--limit", "64", "--out", tmp.resolve("g").toString());
      assertEquals(2, auto.code(), auto.out() + auto.err());
      List<String> lines = auto.err().lines().filter(l -> !l.isBlank()).toList();
      assertTrue(lines.get(lines.size() - 1).contains("--cuda-graph on needs the CUDA backend"), auto.err());
    }
  }

  @Test
  void everyFlagOfEveryCommandIsDocumented() {
    CommandLine cl = new CommandLine(new Main());
    for (var e : cl.getSubcommands().entrySet()) {
      for (CommandLine.Model.OptionSpec o : e.getValue().getCommandSpec().options()) {
        assertTrue(o.description().length > 0 && !o.description()[0].isBlank(), e.getKey() + " " + o.longestName() + " has no help");
      }
      CliTestSupport.Run help = CliTestSupport.run(e.getKey(), "--help");
      if (!e.getKey().equals("help")) assertEquals(0, help.code(), e.getKey());
    }
  }

  @Test
  void configFileSetsFlagsAndUnknownKeysAreRejected(@TempDir Path tmp) throws Exception {
    Path yaml = tmp.resolve("run.yaml");
    Files.writeString(yaml, "model: mlp\ndataset: synthetic\nlimit: 64\ntest-limit: 32\nepochs: 1\nbatch: 16\nnoise: nt\nsigma-train: 0.3\n");
    Path out = tmp.resolve("run");
    CliTestSupport.Run r = CliTestSupport.run("train", "--config", yaml.toString(), "--epochs", "1", "--out", out.toString(), "--device", "cpu");
    assertEquals(0, r.code(), r.err());
    JsonNode c = new ObjectMapper().readTree(out.resolve("config.json").toFile());
    assertEquals("mlp", c.get("model").asText());
    assertEquals(0.3, c.get("sigma-train").asDouble(), 1e-6);
    assertEquals("auto", c.get("cuda-graph").asText(), "config.json records the graph mode (default auto: off on the CPU)");

    Files.writeString(yaml, "model: mlp\nsigma_train: 0.3\n");
    assertUsageError(CliTestSupport.run("train", "--config", yaml.toString()), "sigma_train");
  }

  @Test
  void trainEvalCompareEndToEnd(@TempDir Path tmp) throws Exception {
    for (String noise : List.of("none", "vant")) {
      CliTestSupport.Run r = CliTestSupport.run("train", "--model", "mlp", "--dataset", "synthetic", "--limit", "96",
          "--test-limit", "48", "--epochs", "1", "--batch", "32", "--noise", noise, "--sigma-train", noise.equals("none") ? "0" : "0.4",
          "--device", "cpu", "--out", tmp.resolve(noise).toString());
      assertEquals(0, r.code(), r.err());
      r = CliTestSupport.run("eval", tmp.resolve(noise).toString(), "--sigmas", "0,0.2,0.4", "--repeats", "2",
          "--trace", "drift:0.1,0.5", "--trace-passes", "1", "--layerwise", "--device", "cpu");
      assertEquals(0, r.code(), r.err());
      for (String f : List.of("robustness.json", "robustness.csv", "robustness.png", "trace-1.json", "trace-1.png", "layerwise.csv")) {
        assertTrue(Files.size(tmp.resolve(noise).resolve(f)) > 0, f);
      }
      JsonNode j = new ObjectMapper().readTree(tmp.resolve(noise).resolve("robustness.json").toFile());
      assertEquals(3, j.get("sigmas").size());
    }
    Path png = tmp.resolve("cmp.png");
    CliTestSupport.Run r = CliTestSupport.run("compare", tmp.resolve("none").toString(), tmp.resolve("vant").toString(),
        "--reference", tmp.resolve("none/robustness.json").toString(), "--plot", png.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("| none |") && r.out().contains("| vant |") && r.out().contains("rAUC"), r.out());
    assertTrue(Files.size(png) > 0);
  }

  @Test
  void smallResNetShapeComesFromTheFlagsAndSurvivesEval(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("rs");
    CliTestSupport.Run r = CliTestSupport.run("train", "--model", "resnet20", "--resnet-blocks", "1,1", "--resnet-widths", "4,8",
        "--resnet-stem-pool", "--dataset", "synthetic", "--limit", "64", "--test-limit", "32", "--epochs", "1", "--batch", "16",
        "--device", "cpu", "--out", out.toString());
    assertEquals(0, r.code(), r.err());
    JsonNode c = new ObjectMapper().readTree(out.resolve("config.json").toFile());
    assertEquals("[1,1]", c.get("resnet-blocks").toString());
    assertTrue(r.out().contains("resnet20"), r.out());
    // eval rebuilds the same architecture from config.json, or loading the checkpoint would fail
    r = CliTestSupport.run("eval", out.toString(), "--sigmas", "0,0.1", "--repeats", "1", "--device", "cpu");
    assertEquals(0, r.code(), r.err());
  }

  @Test
  void demoWritesSummaryForAllThreeModels(@TempDir Path tmp) throws Exception {
    CliTestSupport.Run r = CliTestSupport.run("demo", "--synthetic", "--model", "mlp", "--limit", "128", "--test-limit", "64",
        "--epochs", "1", "--repeats", "1", "--device", "cpu", "--out", tmp.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("synthetic"), "the demo says which data it uses: " + r.out());
    JsonNode s = new ObjectMapper().readTree(tmp.resolve("summary.json").toFile());
    for (String key : List.of("none", "nt", "vant")) {
      JsonNode m = s.at("/models/" + key);
      assertFalse(m.isMissingNode(), key);
      assertTrue(m.has("training") && m.has("clean_accuracy") && m.has("accuracy_mean") && m.has("accuracy_std") && m.has("nAUC"), m.toString());
      assertEquals(15, m.get("accuracy_mean").size(), "0 and the paper's 14 levels by default");
      assertEquals(key.equals("none") ? 0 : 1, m.at("/training/ramp_epochs").asInt(), "a quarter of the epochs, at least 1");
      assertEquals(32, m.at("/training/batch").asInt(), "the CPU default");
      assertEquals(128, m.at("/training/train_images").asInt(), "the images read");
      assertEquals(64, m.at("/training/test_images").asInt());
      assertTrue(Files.size(tmp.resolve(key + ".png")) > 0);
    }
    assertTrue(Files.size(tmp.resolve("compare.png")) > 0);
  }

  @Test
  void demoPrefersGivenThenInstalledThenShippedFashionMnistThenSynthetic() {
    Path given = Path.of("/data/fm"), shipped = Path.of("/repo/data/fashion-mnist-demo");
    assertEquals(given, DemoCommand.DemoData.choose(given, false, true, shipped).dir());
    DemoCommand.DemoData installed = DemoCommand.DemoData.choose(null, false, true, shipped);
    assertEquals("fashion-mnist", installed.dataset());
    assertNull(installed.dir(), "the installed set is found by the reader's default folders");
    assertEquals(shipped, DemoCommand.DemoData.choose(null, false, false, shipped).dir());
    assertTrue(DemoCommand.DemoData.choose(null, false, false, shipped).description().contains("9000 / 2000"));
    assertEquals("synthetic", DemoCommand.DemoData.choose(null, false, false, null).dataset());
    assertEquals("synthetic", DemoCommand.DemoData.choose(given, true, true, shipped).dataset(), "--synthetic wins");
  }
}
