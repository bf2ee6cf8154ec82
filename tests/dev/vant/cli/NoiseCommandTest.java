package dev.vant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.random.NoiseStream;
import dev.vant.random.Philox;
import java.util.List;
import org.junit.jupiter.api.Test;

class NoiseCommandTest {
  @Test
  void rawPrintsTheFirstKnownAnswerVector() {
    CliTestSupport.Run r = CliTestSupport.run("noise", "--seed", "0", "--site", "0", "--step", "0", "--count", "4", "--raw");
    assertEquals(0, r.code(), r.err());
    assertEquals(List.of("6627e8d5", "e169c58d", "bc57ac4c", "9b00dbd8"), r.out().lines().toList());
  }

  @Test
  void rawWordsFollowTheElementLayout() {
    long seed = 0xFEDCBA9876543210L, offset = (1L << 34) + 2;
    CliTestSupport.Run r = CliTestSupport.run("noise", "--seed", Long.toUnsignedString(seed), "--site", "4294967295",
        "--step", "0x10", "--count", "7", "--offset", Long.toString(offset), "--raw");
    assertEquals(0, r.code(), r.err());
    List<String> lines = r.out().lines().toList();
    assertEquals(7, lines.size());
    for (int i = 0; i < 7; i++) {
      assertEquals(String.format("%08x", Philox.word(seed, -1, 16, offset + i)), lines.get(i));
    }
  }

  @Test
  void gaussiansWithNineSignificantDigitsRoundTrip() {
    CliTestSupport.Run r = CliTestSupport.run("noise", "--seed", "42", "--site", "1", "--step", "2", "--count", "9", "--offset", "3");
    assertEquals(0, r.code(), r.err());
    List<String> lines = r.out().lines().toList();
    assertEquals(9, lines.size());
    for (int i = 0; i < 9; i++) {
      float want = NoiseStream.element(42, 1, 2, 3 + i);
      assertEquals(want, Float.parseFloat(lines.get(i)), "line " + i + ": " + lines.get(i));
      String digits = lines.get(i).replaceAll("[-+.]|e.*", "").replaceFirst("^0+", "");
      assertEquals(9, digits.length(), lines.get(i));
    }
  }

  @Test
  void badValuesExitWithTwo() {
    assertEquals(2, CliTestSupport.run("noise", "--seed", "0", "--site", "-1", "--step", "0", "--count", "1").code());
    assertEquals(2, CliTestSupport.run("noise", "--seed", "0", "--site", "0", "--step", "0", "--count", "-5").code());
    assertEquals(2, CliTestSupport.run("noise", "--seed", "x", "--site", "0", "--step", "0", "--count", "1").code());
    CliTestSupport.Run r = CliTestSupport.run("noise", "--site", "0", "--step", "0", "--count", "1");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--seed"), r.err());
  }
}
