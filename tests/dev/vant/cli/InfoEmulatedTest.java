package dev.vant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.cuda.CudaDevice;
import dev.vant.cuda.GpuTests;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@code vant info} on the emulated driver (native/emu) says so: nobody may take the emulator for a GPU. */
@Tag("gpu")
class InfoEmulatedTest {
  @Test
  void infoSaysEmulated() {
    try (CudaDevice dev = GpuTests.open()) {
      Assumptions.assumeTrue(dev.info().emulated(), "a real GPU: " + dev.info().name());
    }
    CliTestSupport.Run r = CliTestSupport.run("info");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("available: true"), r.out());
    assertTrue(r.out().contains("name: vant CPU emulator"), r.out());
    assertTrue(r.out().contains("emulated: true"), r.out());
    assertTrue(r.out().contains("computeCapability: 9.0"), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.trim().startsWith("kernels:") && l.contains("noise_add")), r.out());
  }
}
