package dev.vant.random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * kernels/philox.cuh compiled by g++ (native/philox_check, built in process-test-classes) against the
 * Java generator: the known answers, then 10^6 words word for word and Gaussians within 4 ulps; and the GPU's
 * Gaussian arithmetic (kernels/box_muller.cuh on the host) bit for bit against its Java twin {@link DeviceGauss}.
 */
class PhiloxNativeTest {
  private static Path binary() {
    String dir = System.getProperty("vant.nativeDir", "target/native");
    Path p = Path.of(dir, "philox_check");
    if (!Files.isExecutable(p)) fail(p + " is missing: run the tests through Maven (native/build-host-tests.sh builds it)");
    return p;
  }

  private static byte[] run(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(binary().toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    byte[] out;
    try (InputStream in = p.getInputStream()) {
      out = in.readAllBytes();
    }
    assertEquals(0, p.waitFor(), "exit code of " + String.join(" ", cmd));
    return out;
  }

  @Test
  void hostBuildPassesKnownAnswers() throws Exception {
    String out = new String(run("kat"));
    assertEquals(3, out.lines().filter(l -> l.startsWith("ok")).count(), out);
  }

  // (seed, site, step, first group): seeds with both halves set, sites/steps at the edges, groups past 2^32.
  private static final long[][] STREAMS = {
      {0L, 0, 0, 0},
      {1L, 7, 123456, (1L << 32) - 25_000},                     // crosses the 2^32 group boundary
      {0xDEADBEEFCAFEBABEL, 0xFFFFFFFFL, 0xFFFFFFFEL, 1L << 40},
      {-1L, 12, 99, 0x7FFF_FFFF_FFFF_0000L},                     // near the largest group an element index reaches
      {0x0000_0001_0000_0000L, 3, 1, 5_000_000_000L},
  };
  private static final int GROUPS = 50_000; // 5 streams x 50,000 groups x 4 = 10^6 words

  @Test
  void oneMillionWordsEqualJava() throws Exception {
    long words = 0;
    int[] w = new int[4];
    for (long[] s : STREAMS) {
      byte[] bytes = run("words", Long.toUnsignedString(s[0]), Long.toString(s[1]), Long.toString(s[2]),
          Long.toUnsignedString(s[3]), Integer.toString(GROUPS));
      ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
      assertEquals(16L * GROUPS, bytes.length);
      for (int g = 0; g < GROUPS; g++) {
        Philox.words(s[0], (int) s[1], (int) s[2], s[3] + g, w, 0);
        for (int lane = 0; lane < 4; lane++) {
          int c = b.getInt();
          if (c != w[lane]) {
            fail(String.format("stream seed=%x site=%d step=%d group=%d lane=%d: C++ %08x, Java %08x",
                s[0], s[1], s[2], s[3] + g, lane, c, w[lane]));
          }
          words++;
        }
      }
    }
    assertTrue(words >= 1_000_000);
  }

  @Test
  void gaussiansWithinFourUlps() throws Exception {
    int count = 200_003;
    long seed = 0x5eed, first = (1L << 33) + 1; // odd start: partial first group
    byte[] bytes = run("gauss", Long.toString(seed), "4", "8", Long.toString(first), Integer.toString(count));
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    float[] java = new float[count];
    NoiseStream.fill(seed, 4, 8, first, java, 0, count);
    int maxUlps = 0;
    for (int i = 0; i < count; i++) maxUlps = Math.max(maxUlps, Ulps.distance(b.getFloat(), java[i]));
    assertTrue(maxUlps <= 4, "max ulp distance " + maxUlps);
  }

  @Test
  void deviceArithmeticEqualsItsJavaTwinBitForBit() throws Exception {
    int count = 200_003;
    long seed = 0xDEADBEEFCAFEBABEL, first = (1L << 33) + 3;
    byte[] bytes = run("gauss-device", Long.toUnsignedString(seed), "9", "77", Long.toString(first), Integer.toString(count));
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    float[] twin = DeviceGauss.fill(seed, 9, 77, first, count);
    for (int i = 0; i < count; i++) {
      int c = Float.floatToRawIntBits(b.getFloat()), j = Float.floatToRawIntBits(twin[i]);
      if (c != j) fail(String.format("element %d: C++ %08x (%g), Java twin %08x (%g)", first + i, c,
          Float.intBitsToFloat(c), j, Float.intBitsToFloat(j)));
    }
  }

  // box_muller_check bounds the device arithmetic at 7.25 x 2^-24 relative from the reference (measured 5.92), i.e.
  // under 7.25 ulps (an ulp is at least 2^-24 of the value); 8 whole float steps allow for a pair that straddles a
  // power of two.
  @Test
  void deviceArithmeticWithinEightUlpsOfTheReference() {
    int count = 400_000;
    long seed = 0x5eed;
    float[] device = DeviceGauss.fill(seed, 4, 8, 0, count);
    float[] java = new float[count];
    NoiseStream.fill(seed, 4, 8, 0, java, 0, count);
    int maxUlps = 0;
    for (int i = 0; i < count; i++) maxUlps = Math.max(maxUlps, Ulps.distance(device[i], java[i]));
    assertTrue(maxUlps <= 8, "max ulp distance " + maxUlps);
  }
}
