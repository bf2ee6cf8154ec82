package dev.vant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vant.backend.MathMode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --math fp32|tf32|tf32rz} on train, demo, eval and bench: parsing, usage errors, config.json (CPU side; MathFlagGpuTest runs it on a device). */
class MathFlagTest {
  private static void assertUsageError(CliTestSupport.Run r) {
    assertEquals(2, r.code(), r.out() + r.err());
    String first = r.err().lines().findFirst().orElse("");
    assertTrue(first.contains("--math") && first.contains("fp16"), "the first line should name --math and the value: " + r.err());
    assertTrue(first.contains("fp32") && first.contains("tf32") && first.contains("tf32rz"), "the first line should list the choices: " + r.err());
  }

  @Test
  void parsesTheModesInAnyCaseAndNothingElse() {
    assertEquals(MathMode.FP32, MathMode.parse("fp32"));
    assertEquals(MathMode.TF32, MathMode.parse(" TF32 "));
    assertEquals(MathMode.TF32RZ, MathMode.parse("tf32RZ"));
    assertEquals("tf32rz", MathMode.TF32RZ.cliName());
    assertTrue(MathMode.TF32RZ.tensorCores() && MathMode.TF32.tensorCores() && !MathMode.FP32.tensorCores());
    assertEquals(1, MathMode.TF32.tf32RoundArg(), "tf32: the kernels round every operand to nearest");
    assertEquals(0, MathMode.TF32RZ.tf32RoundArg(), "tf32rz: the tensor cores truncate");
    assertEquals(0x1p-10, MathMode.TF32RZ.operandUnit());
    assertThrows(IllegalArgumentException.class, () -> MathMode.parse("fp16"));
    assertThrows(IllegalArgumentException.class, () -> MathMode.parse(null));
    assertEquals("tf32", MathMode.TF32.cliName());
    assertEquals(MathMode.TF32, MathMode.defaultFor(8, 0));
    assertEquals(MathMode.TF32, MathMode.defaultFor(9, 0));
    assertEquals(MathMode.FP32, MathMode.defaultFor(7, 5));
  }

  @Test
  void badValueIsOneLineAndExitTwoOnEveryCommand(@TempDir Path tmp) {
    Path out = tmp.resolve("run");
    assertUsageError(CliTestSupport.run("train", "--math", "fp16", "--device", "cpu", "--out", out.toString()));
    assertFalse(Files.exists(out.resolve("config.json")), "nothing is written for a bad flag");
    assertUsageError(CliTestSupport.run("demo", "--math", "fp16", "--device", "cpu", "--out", tmp.resolve("demo").toString()));
    assertFalse(Files.exists(tmp.resolve("demo")), "the demo writes nothing for a bad flag");
    assertUsageError(CliTestSupport.run("eval", tmp.toString(), "--math", "fp16"));
    assertUsageError(CliTestSupport.run("bench", "--math", "fp16", "--tiny", "--out", tmp.resolve("bench").toString()));
  }

  @Test
  void everyGpuCommandHasTheFlagAndSaysTheCpuIgnoresIt() {
    CommandLine cl = new CommandLine(new Main());
    for (String cmd : new String[] {"train", "demo", "eval"}) {
      CommandLine.Model.OptionSpec o = cl.getSubcommands().get(cmd).getCommandSpec().findOption("--math");
      assertTrue(o != null, cmd + " has --math");
      assertTrue(String.join(" ", o.description()).contains("CPU backends ignore it"), cmd + ": " + String.join(" ", o.description()));
    }
    assertTrue(cl.getSubcommands().get("bench").getCommandSpec().findOption("--math") != null, "bench has --math");
  }

  @Test
  void configJsonRecordsTheMathTheRunUsed(@TempDir Path tmp) throws Exception {
    // On the CPU the GEMMs are FP32 whatever --math says; the run records that, and says it ignored the mode (tf32rz
    // also passes the config check first; TF32RZ in capitals too).
    for (String math : new String[] {"tf32", "TF32RZ"}) {
      Path out = tmp.resolve("run-" + math);
      CliTestSupport.Run r = CliTestSupport.run("train", "--model", "mlp", "--dataset", "synthetic", "--limit", "64",
          "--test-limit", "32", "--epochs", "1", "--batch", "32", "--device", "cpu", "--math", math, "--out", out.toString());
      assertEquals(0, r.code(), r.err());
      assertTrue(r.err().contains("--math " + math.toLowerCase(java.util.Locale.ROOT) + " is ignored on the CPU"), r.err());
      assertEquals("fp32", new ObjectMapper().readTree(out.resolve("config.json").toFile()).path("math").asText());
    }
    // A config file may carry the key; a bad value there is a usage error naming it.
    Path yaml = tmp.resolve("c.yaml");
    Files.writeString(yaml, "model: mlp\nmath: fp16\n");
    CliTestSupport.Run bad = CliTestSupport.run("train", "--config", yaml.toString(), "--device", "cpu", "--out", tmp.resolve("x").toString());
    assertUsageError(bad);
  }
}
