package dev.vant.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The CPU emulation of CUDA (native/emu) catches what it is for: the deliberately broken fixture kernels of
 * tests/fixtures/kernels/emu/ give wrong results under emulation and their correct twins give the right
 * ones, and the sanitizer builds of the harness report an out-of-bounds write (ASan) and a missing barrier or fence
 * (TSan) while passing the correct kernels, the real noise and bias-gradient kernels included.
 *
 * <p>The harness (native/emu/fixture_runner.cpp, built by native/emu/build-emu.sh in process-test-classes)
 * exits 0 when every result equals its reference, 1 when one is wrong ("MISMATCH" says where), 2 when the
 * emulator itself reports a failure. Its tolerances are stated there and in the output: FP32 tiles within
 * 1e-5 of sum|a*b|; TF32 mma within 1e-3 of the reference in the Frobenius norm and within 1e-5 of sum|a*b|
 * of a reference whose inputs were rounded to TF32 first.
 */
class EmulatorFixtureTest {
  private record Run(int code, String output) {}

  private static Path emuDir() {
    return Path.of(System.getProperty("vant.emuDir", "target/emu"));
  }

  private static Run run(String binary, String... args) throws IOException, InterruptedException {
    Path bin = emuDir().resolve(binary);
    if (!Files.isExecutable(bin)) fail(bin + " is missing: run the tests through Maven (native/emu/build-emu.sh builds it)");
    List<String> cmd = new ArrayList<>();
    cmd.add(bin.toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    // Two workers whatever the machine: blocks then really run concurrently, and the runs stay comparable.
    pb.environment().putAll(Map.of("VANT_EMU_WORKERS", "2", "ASAN_OPTIONS", "detect_leaks=0", "TSAN_OPTIONS", "halt_on_error=0"));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail(String.join(" ", cmd) + " did not finish within 120 s:\n" + out);
    }
    // GCC 12's TSan cannot start on kernels whose mmap randomization it does not know (vm.mmap_rnd_bits
    // above 28): that is the machine, not the kernels, and the plain and ASan runs still check them.
    if (out.contains("FATAL: ThreadSanitizer: unexpected memory mapping")) {
      org.junit.jupiter.api.Assumptions.abort("ThreadSanitizer cannot run on this machine: " + out.lines().filter(l -> l.contains("FATAL")).findFirst().orElse(""));
    }
    return new Run(p.exitValue(), out);
  }

  private static void passes(Run r) {
    assertEquals(0, r.code(), r.output());
    assertFalse(r.output().contains("MISMATCH"), r.output());
  }

  private static void caught(Run r, String what) {
    assertEquals(1, r.code(), r.output());
    assertTrue(r.output().contains("MISMATCH " + what), r.output());
  }

  @Test
  void missingSyncthreadsIsCaught() throws Exception {
    passes(run("fixtures", "race", "sync"));
    caught(run("fixtures", "race", "nosync"), "race/nosync");
  }

  @Test
  void offByOneAtAnEdgeTileIsCaught() throws Exception {
    passes(run("fixtures", "edge", "ok"));
    Run bad = run("fixtures", "edge", "offbyone");
    caught(bad, "edge/offbyone");
    // Only edge tiles show the bug: the shape whose K is a multiple of the tile is still right.
    assertTrue(bad.output().contains("ok edge/offbyone (3072 values) M=64 N=48 K=32"), bad.output());
    assertTrue(bad.output().contains("MISMATCH edge/offbyone: 1665 of 1665 wrong; M=37 N=45 K=29"), bad.output());
  }

  @Test
  void mmaTf32MatchesTheReferenceAndAWrongFragmentIsCaught() throws Exception {
    Run ok = run("fixtures", "mma", "ok");
    passes(ok);
    assertEquals(4, ok.output().lines().filter(l -> l.startsWith("ok mma/ok")).count(), ok.output());
    caught(run("fixtures", "mma", "badfrag"), "mma/badfrag");
  }

  @Test
  void cpAsyncReadBeforeItsWaitIsCaught() throws Exception {
    passes(run("fixtures", "cpasync", "ok"));
    caught(run("fixtures", "cpasync", "nowait"), "cpasync/nowait");
  }

  /**
   * wgmma is one instruction of a whole warpgroup on the GPU but runs per thread in the emulation, so the runtime
   * checks the warpgroup agrees: a warp passing another descriptor traps, a warp skipping the wgmma fails the block.
   */
  @Test
  void wgmmaMatchesTheReferenceAndAWarpgroupThatDisagreesFails() throws Exception {
    Run ok = run("fixtures", "wgmma", "ok");
    passes(ok);
    assertTrue(ok.output().contains("ok wgmma/ok (4096 values)"), ok.output());
    Run divergent = run("fixtures", "wgmma", "divergent");
    assertEquals(2, divergent.code(), divergent.output());
    assertTrue(divergent.output().contains("EMULATOR FAILURE emu_wgmma_divergent: block (0,0,0) thread")
        && divergent.output().contains("wgmma 0 of this warpgroup differs between its threads"), divergent.output());
    Run skipped = run("fixtures", "wgmma", "skipped");
    assertEquals(2, skipped.code(), skipped.output());
    assertTrue(skipped.output().contains("EMULATOR FAILURE emu_wgmma_skipped: block (0,0,0): wgmma 0 of warpgroup 0 was "
        + "issued by 96 of its 128 threads"), skipped.output());
  }

  @Test
  void aDeadlockFailsTheLaunchWithAMessage() throws Exception {
    Run r = run("fixtures", "deadlock");
    assertEquals(2, r.code(), r.output());
    assertTrue(r.output().contains("EMULATOR FAILURE emu_deadlock: deadlock in block (0,0,0): 16 threads wait at __syncthreads, "
        + "16 at __shfl_xor_sync"), r.output());
  }

  @Test
  void warpIntrinsicsDynamicSharedMemoryAndAtomics() throws Exception {
    Run r = run("fixtures", "warp");
    passes(r);
    assertTrue(r.output().contains("ok warp/ptx_probe"), r.output());
  }

  @Test
  void realNoiseKernelIsBitExactWithThePhiloxHeader() throws Exception {
    Run r = run("fixtures", "noise");
    passes(r);
    assertEquals(4, r.output().lines().filter(l -> l.startsWith("ok noise")).count(), r.output());
  }

  @Test
  void guardZonesCatchAnOutOfBoundsWrite() throws Exception {
    caught(run("fixtures", "oob"), "y: guard zone overwritten (after the buffer)");
  }

  @Test
  void addressSanitizerReportsTheOutOfBoundsWrite() throws Exception {
    Run r = run("fixtures-asan", "oob");
    assertNotEquals(0, r.code(), r.output());
    assertTrue(r.output().contains("ERROR: AddressSanitizer: heap-buffer-overflow"), r.output());
    assertTrue(r.output().contains("WRITE of size 4") && r.output().contains("emu_fill_oob_write"), r.output());
  }

  @Test
  void addressSanitizerIsCleanOnTheCorrectKernels() throws Exception {
    Run r = run("fixtures-asan", "all-ok");
    passes(r);
    assertFalse(r.output().contains("AddressSanitizer"), r.output());
  }

  /**
   * The gpu-emulated-asan run of pom.xml: a JVM with libasan preloaded on the ASan build of the emulated
   * driver. A kernel launched through JCuda that writes past its buffer must abort with ASan's report.
   */
  @Test
  void addressSanitizerInTheJvmReportsAKernelOutOfBoundsAccess() throws Exception {
    Path asan = emuDir().resolve("asan");
    if (Files.exists(emuDir().resolve("real-driver-present"))) org.junit.jupiter.api.Assumptions.abort("real NVIDIA driver present");
    if (!Files.exists(asan.resolve("libcuda.so.1"))) fail(asan + "/libcuda.so.1 is missing: run the tests through Maven");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), AsanOutOfBoundsProbe.class.getName())
        .redirectErrorStream(true);
    pb.environment().putAll(Map.of("LD_LIBRARY_PATH", asan.toAbsolutePath().toString(),
        "LD_PRELOAD", asan.resolve("libasan.so").toAbsolutePath().toString(),
        "ASAN_OPTIONS", "detect_leaks=0:handle_segv=0:allow_user_segv_handler=1:use_sigaltstack=0", "VANT_EMU_WORKERS", "2"));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
    assertTrue(out.contains("device: vant CPU emulator"), out);
    assertNotEquals(0, p.exitValue(), out);
    assertTrue(out.contains("ERROR: AddressSanitizer: use-after-poison"), out);
    assertTrue(out.contains("WRITE of size 16") && out.contains("in noise_add") && out.contains("noise.cu:"), out);
  }

  @Test
  void threadSanitizerReportsTheMissingBarrier() throws Exception {
    Run r = run("fixtures-tsan", "race", "nosync");
    assertNotEquals(0, r.code(), r.output());
    assertTrue(r.output().contains("WARNING: ThreadSanitizer: data race"), r.output());
    assertTrue(r.output().contains("race.cu"), r.output());
  }

  /**
   * A last-block reduction without its fences (tests/fixtures/kernels/emu/ticket.cu): correct here, where memory is
   * sequentially consistent, and able to read stale partials on a GPU, so TSan must report it; the fenced twin and
   * the real colreduce.cuh kernel (bias_grad) pass clean in the all-ok run below. Needs the fence model of
   * cuda_emu.h and a block dispatch that orders nothing between workers.
   */
  @Test
  void threadSanitizerReportsAMissingFence() throws Exception {
    Run r = run("fixtures-tsan", "ticket", "nofence");
    assertNotEquals(0, r.code(), r.output());
    assertTrue(r.output().contains("WARNING: ThreadSanitizer: data race"), r.output());
    assertTrue(r.output().contains("ticket.cu"), r.output());
    assertTrue(r.output().contains("ok ticket/nofence"), r.output());
  }

  @Test
  void threadSanitizerIsCleanOnTheCorrectKernels() throws Exception {
    Run r = run("fixtures-tsan", "all-ok");
    passes(r);
    assertFalse(r.output().contains("ThreadSanitizer"), r.output());
  }
}
