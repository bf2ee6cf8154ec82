package dev.vant.cuda;

import jcuda.Pointer;

/**
 * A JVM that writes past the end of a device buffer through JCuda, run by
 * {@link EmulatorFixtureTest#addressSanitizerInTheJvmReportsAKernelOutOfBoundsAccess} on the emulated
 * driver built with AddressSanitizer: the report must name the kernel and its source line.
 */
public final class AsanOutOfBoundsProbe {
  private AsanOutOfBoundsProbe() {}

  public static void main(String[] args) {
    try (CudaDevice dev = Cuda.open();
         DeviceBuffer x = dev.pool().acquire(8192, "x [2048]");
         DeviceBuffer y = dev.pool().acquire(4096, "y [1024]")) {
      System.out.println("device: " + dev.info().name());
      x.fill32(0);
      // noise_add told that y holds 1040 floats writes 64 bytes past its end.
      Pointer params = Pointer.to(x.arg(), y.arg(), Pointer.to(new long[] {0}), Pointer.to(new float[] {1}),
          Pointer.to(new long[] {1040}), Pointer.to(new long[] {1040}), Pointer.to(new long[] {1}), Pointer.to(new int[] {0}),
          Pointer.to(new int[] {0}));
      dev.launch("noise_add past the end", "noise_add", 1, 256, 0, params);
      dev.synchronize("noise_add past the end");
      System.out.println("no report: the out-of-bounds write went unseen");
    }
  }
}
