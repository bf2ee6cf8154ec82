package dev.vant.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * When vant refuses VANT_TF32_TILE=wgmma* ({@link CudaBackend#gemm()} throws with this reason): the emulated device
 * and the H200 are compute capability 9.0 with sm_90a code, so the refusals are checked here on the rule itself.
 */
class WgmmaAvailabilityTest {
  private static final List<String> DEFAULT_ARCHS = List.of("sm_80", "sm_86", "sm_89", "sm_90a");

  @Test
  void hopperWithSm90aCodeRunsWgmma() {
    assertNull(CudaBackend.whyNoWgmma(9, 0, "NVIDIA H200", DEFAULT_ARCHS));
  }

  @Test
  void otherGpusAreRefusedNamingTheirComputeCapability() {
    for (int[] cc : new int[][] {{8, 0}, {8, 6}, {8, 9}, {10, 0}, {12, 0}, {9, 1}}) {
      String why = CudaBackend.whyNoWgmma(cc[0], cc[1], "GPU " + cc[0] + cc[1], DEFAULT_ARCHS);
      assertTrue(why != null && why.contains("compute capability 9.0") && why.contains(cc[0] + "." + cc[1])
          && why.contains("k16"), cc[0] + "." + cc[1] + ": " + why);
    }
  }

  @Test
  void aFatbinWithoutSm90aIsRefusedNamingItsTargets() {
    String why = CudaBackend.whyNoWgmma(9, 0, "NVIDIA H100", List.of("sm_80", "sm_90"));
    assertTrue(why != null && why.contains("sm_90a") && why.contains("[sm_80, sm_90]") && why.contains("VANT_ARCHS"), why);
    String none = CudaBackend.whyNoWgmma(9, 0, "NVIDIA H100", null);
    assertTrue(none != null && none.contains("has none"), none);
  }
}
