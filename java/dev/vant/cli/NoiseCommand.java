package dev.vant.cli;

import dev.vant.random.NoiseStream;
import dev.vant.random.Philox;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vant noise}: prints the noise stream of the random-number contract (DESIGN.md §2). */
@Command(name = "noise", mixinStandardHelpOptions = true,
    description = {"Print the noise of elements OFFSET .. OFFSET+COUNT-1 of the stream (seed, site, step), one per line.",
        "Element e uses word e & 3 of the Philox4x32-10 output for counter (e>>2 lo32, e>>2 hi32, site, step)",
        "and key (seed lo32, seed hi32). The GPU kernels draw exactly this stream."})
public final class NoiseCommand implements Callable<Integer> {

  @Option(names = "--seed", required = true, converter = Unsigned.U64.class,
      description = "64-bit seed (decimal or 0x-hex; values >= 2^63 allowed).")
  long seed;

  @Option(names = "--site", required = true, converter = Unsigned.U32.class,
      description = "Noise site id (unsigned 32-bit).")
  int site;

  @Option(names = "--step", required = true, converter = Unsigned.U32.class,
      description = "Training step (unsigned 32-bit).")
  int step;

  @Option(names = "--count", required = true, description = "Number of elements to print (>= 0).")
  long count;

  @Option(names = "--offset", defaultValue = "0", converter = Unsigned.U64.class,
      description = "First element index (default: ${DEFAULT-VALUE}; up to 2^64-1).")
  long offset;

  @Option(names = "--raw", description = "Print each element's 32-bit Philox word as 8 lowercase hex digits instead of its Gaussian value.")
  boolean raw;

  @Override
  public Integer call() {
    if (count < 0) throw new UsageException("--count must be >= 0, got " + count);
    if (count > 0 && Long.compareUnsigned(offset + count - 1, offset) < 0) {
      throw new UsageException("--offset + --count runs past element 2^64-1");
    }
    PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.US_ASCII), 1 << 16));
    int[] w = new int[4];
    float[] z = new float[4];
    long groupDone = -1;
    for (long i = 0; i < count; i++) {
      long e = offset + i;
      long g = e >>> 2;
      if (g != groupDone) {
        Philox.words(seed, site, step, g, w, 0);
        NoiseStream.gaussians(w, z, 0);
        groupDone = g;
      }
      int lane = (int) (e & 3);
      if (raw) out.println(String.format("%08x", w[lane]));
      else out.println(String.format(Locale.ROOT, "%.9g", z[lane]));
    }
    out.flush();
    return out.checkError() ? 1 : 0;
  }
}
