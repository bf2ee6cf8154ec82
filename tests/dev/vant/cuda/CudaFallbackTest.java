package dev.vant.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Bring-up never crashes: on any machine, status() answers and open() agrees with it. */
class CudaFallbackTest {
  @Test
  void statusAnswersAndOpenAgrees() {
    Cuda.Status s = Cuda.status();
    assertNotNull(s.reason());
    assertFalse(s.reason().isBlank());
    if (s.available()) {
      assertEquals("ok", s.reason());
      try (CudaDevice d = Cuda.open()) {
        assertNotNull(d.info().name());
      }
    } else {
      CudaUnavailableException e = assertThrows(CudaUnavailableException.class, Cuda::open);
      assertTrue(e.getMessage().contains(s.reason()), e.getMessage());
    }
    assertEquals(s, Cuda.status(), "the probe runs once and its answer is stable");
  }

  @Test
  void fatbinManifestDescribesItsArchs() {
    Fatbin fb = Fatbin.load();
    if (fb == null) return; // a build without nvcc: covered by KernelBuildTest
    assertTrue(fb.kernels().contains("noise_add"), fb.kernels().toString());
    assertTrue(fb.supports(8, 0) && fb.supports(8, 6) && fb.supports(8, 9) && fb.supports(9, 0));
    assertTrue(fb.supports(12, 0), "compute_90 PTX JITs on newer GPUs");
    assertFalse(fb.supports(7, 5), "no code older than sm_80");
    assertTrue(fb.hasSm90a(), "Hopper SASS is sm_90a (the wgmma kernels): " + fb.archs());
  }
}
