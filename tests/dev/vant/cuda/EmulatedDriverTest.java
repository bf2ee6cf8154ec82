package dev.vant.cuda;

import static jcuda.driver.JCudaDriver.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The driver calls the CUDA backend relies on beyond what {@link NoiseKernelTest} exercises: streams, events,
 * async and device-to-device copies, memsets, error names, function attributes and launch checks. They hold
 * on a real GPU and on the emulated driver alike; the last tests are about the emulator only (what it
 * reports for what a GPU would silently corrupt or crash on).
 */
@Tag("gpu")
class EmulatedDriverTest {
  private static CUdeviceptr ptr(DeviceBuffer b) {
    return b.ptr();
  }

  @Test
  void streamsEventsAsyncCopiesAndMemsets() {
    try (CudaDevice dev = GpuTests.open(); DeviceBuffer a = dev.pool().acquire(4096, "a"); DeviceBuffer b = dev.pool().acquire(4096, "b")) {
      dev.makeCurrent();
      CUcontext ctx = new CUcontext();
      CudaDevice.check(cuCtxGetCurrent(ctx), "cuCtxGetCurrent");
      CUstream stream = new CUstream();
      CudaDevice.check(cuStreamCreate(stream, 0), "cuStreamCreate");
      CUevent start = new CUevent(), stop = new CUevent(), never = new CUevent();
      CudaDevice.check(cuEventCreate(start, 0), "cuEventCreate");
      CudaDevice.check(cuEventCreate(stop, 0), "cuEventCreate");
      CudaDevice.check(cuEventCreate(never, 0), "cuEventCreate");
      ByteBuffer host = ByteBuffer.allocateDirect(4096).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < 1024; i++) host.putInt(4 * i, i * 7);
      CudaDevice.check(cuEventRecord(start, stream), "cuEventRecord");
      CudaDevice.check(cuMemcpyHtoDAsync(ptr(a), Pointer.to(host), 4096, stream), "cuMemcpyHtoDAsync");
      CudaDevice.check(cuMemcpyDtoDAsync(ptr(b), ptr(a), 4096, stream), "cuMemcpyDtoDAsync");
      CudaDevice.check(cuMemsetD32Async(ptr(a), 0x01020304, 512, stream), "cuMemsetD32Async");
      CudaDevice.check(cuMemsetD8Async(ptr(a).withByteOffset(2048), (byte) 0x5A, 2048, stream), "cuMemsetD8Async");
      ByteBuffer back = ByteBuffer.allocateDirect(4096).order(ByteOrder.LITTLE_ENDIAN);
      ByteBuffer back2 = ByteBuffer.allocateDirect(4096).order(ByteOrder.LITTLE_ENDIAN);
      CudaDevice.check(cuMemcpyDtoHAsync(Pointer.to(back), ptr(b), 4096, stream), "cuMemcpyDtoHAsync");
      CudaDevice.check(cuMemcpyDtoHAsync(Pointer.to(back2), ptr(a), 4096, stream), "cuMemcpyDtoHAsync");
      CudaDevice.check(cuEventRecord(stop, stream), "cuEventRecord");
      CudaDevice.check(cuStreamSynchronize(stream), "cuStreamSynchronize");
      CudaDevice.check(cuEventSynchronize(stop), "cuEventSynchronize");
      float[] ms = new float[1];
      CudaDevice.check(cuEventElapsedTime(ms, start, stop), "cuEventElapsedTime");
      assertTrue(ms[0] >= 0, "elapsed " + ms[0]);
      assertNotEquals(CUresult.CUDA_SUCCESS, cuEventElapsedTime(ms, start, never), "elapsed time to an event never recorded");
      for (int i = 0; i < 1024; i++) assertEquals(i * 7, back.getInt(4 * i), "DtoD word " + i);
      for (int i = 0; i < 512; i++) assertEquals(0x01020304, back2.getInt(4 * i), "memset32 word " + i);
      for (int i = 2048; i < 4096; i++) assertEquals(0x5A, back2.get(i), "memset8 byte " + i);
      // cuMemcpy (unified addressing) device to device, then back.
      CudaDevice.check(cuMemcpy(ptr(b), ptr(a), 4096), "cuMemcpy");
      ByteBuffer back3 = ByteBuffer.allocateDirect(4096).order(ByteOrder.LITTLE_ENDIAN);
      CudaDevice.check(cuMemcpyDtoH(Pointer.to(back3), ptr(b), 4096), "cuMemcpyDtoH");
      assertEquals(back2, back3);
      cuEventDestroy(start);
      cuEventDestroy(stop);
      cuEventDestroy(never);
      cuStreamDestroy(stream);
    }
  }

  @Test
  void errorNamesFunctionAttributesAndLaunchChecks() {
    try (CudaDevice dev = GpuTests.open()) {
      String[] name = new String[1];
      assertEquals(CUresult.CUDA_SUCCESS, cuGetErrorName(CUresult.CUDA_ERROR_ILLEGAL_ADDRESS, name));
      assertEquals("CUDA_ERROR_ILLEGAL_ADDRESS", name[0]);
      CUfunction f = dev.function("noise_add");
      int[] v = new int[1];
      CudaDevice.check(cuFuncGetAttribute(v, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, f), "cuFuncGetAttribute");
      assertEquals(256, v[0], "noise_add is __launch_bounds__(256)");
      assertNotEquals(CUresult.CUDA_SUCCESS,
          cuFuncSetAttribute(f, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, 1 << 20), "1 MiB of shared memory");
      CudaDevice.check(cuFuncSetAttribute(f, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, 64 * 1024),
          "opt in to 64 KiB of dynamic shared memory");
      CudaDevice.check(cuFuncGetAttribute(v, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, f), "cuFuncGetAttribute");
      assertEquals(64 * 1024, v[0]);
      // 512 threads per block exceed the kernel's launch bounds: the launch is refused.
      try (DeviceBuffer x = dev.pool().acquire(4096, "x")) {
        Pointer params = Pointer.to(x.arg(), x.arg(), Pointer.to(new long[] {0}), Pointer.to(new float[] {0}),
            Pointer.to(new long[] {1024}), Pointer.to(new long[] {1024}), Pointer.to(new long[] {1}), Pointer.to(new int[] {0}),
            Pointer.to(new int[] {0}));
        assertNotEquals(CUresult.CUDA_SUCCESS, cuLaunchKernel(f, 1, 1, 1, 512, 1, 1, 0, null, params, null));
        dev.synchronize("after a refused launch");
      }
    }
  }

  @Test
  void primaryContextPushPopOccupancyAndPinnedMemory() {
    try (CudaDevice dev = GpuTests.open()) {
      jcuda.driver.CUdevice d = new jcuda.driver.CUdevice();
      CudaDevice.check(cuDeviceGet(d, 0), "cuDeviceGet");
      CUcontext primary = new CUcontext();
      CudaDevice.check(cuDevicePrimaryCtxRetain(primary, d), "cuDevicePrimaryCtxRetain");
      CudaDevice.check(cuCtxPushCurrent(primary), "cuCtxPushCurrent");
      CUcontext now = new CUcontext();
      CudaDevice.check(cuCtxGetCurrent(now), "cuCtxGetCurrent");
      assertEquals(primary, now);
      CUdeviceptr p = new CUdeviceptr();
      CudaDevice.check(cuMemAlloc(p, 256), "cuMemAlloc in the primary context");
      CudaDevice.check(cuMemFree(p), "cuMemFree");
      CudaDevice.check(cuCtxPopCurrent(new CUcontext()), "cuCtxPopCurrent");
      CudaDevice.check(cuDevicePrimaryCtxRelease(d), "cuDevicePrimaryCtxRelease");
      CUfunction f = dev.function("noise_add");
      int[] blocks = new int[1];
      CudaDevice.check(cuOccupancyMaxActiveBlocksPerMultiprocessor(blocks, f, 256, 0), "cuOccupancyMaxActiveBlocksPerMultiprocessor");
      assertTrue(blocks[0] >= 1 && blocks[0] <= 32, "resident blocks " + blocks[0]);
      Pointer host = new Pointer();
      CudaDevice.check(cuMemAllocHost(host, 4096), "cuMemAllocHost");
      CudaDevice.check(cuMemFreeHost(host), "cuMemFreeHost");
    }
  }

  @Test
  void emulatorRefusesWhatItDoesNotEmulateInsteadOfCrashing() {
    try (CudaDevice dev = GpuTests.open()) {
      Assumptions.assumeTrue(dev.info().emulated(), "emulator only");
      dev.makeCurrent();
      assertEquals(CUresult.CUDA_ERROR_NOT_SUPPORTED, cuMemAllocManaged(new CUdeviceptr(), 1024, 1));
      // A device range outside every allocation is refused rather than read.
      try (DeviceBuffer x = dev.pool().acquire(1024, "x")) {
        float[] big = new float[1024];
        assertEquals(CUresult.CUDA_ERROR_INVALID_VALUE, cuMemcpyDtoH(Pointer.to(big), x.ptr(), 4096));
      }
    }
  }

  /**
   * On a GPU an out-of-bounds write may corrupt a neighbour silently. The emulator keeps 0xFF guard zones
   * around every allocation and checks them after each launch: the write becomes a sticky
   * CUDA_ERROR_ILLEGAL_ADDRESS, like a device fault, until the context is destroyed.
   */
  @Test
  void outOfBoundsWriteIsAStickyIllegalAddress() {
    // Under the ASan build of the emulator the write aborts the JVM instead (on purpose; see
    // EmulatorFixtureTest.addressSanitizerInTheJvmReportsAKernelOutOfBoundsAccess).
    Assumptions.assumeFalse("1".equals(System.getenv("VANT_EMU_ASAN")), "the ASan build reports this by aborting");
    try (CudaDevice dev = GpuTests.open()) {
      Assumptions.assumeTrue(dev.info().emulated(), "emulator only");
      try (DeviceBuffer x = dev.pool().acquire(8192, "x [2048]"); DeviceBuffer y = dev.pool().acquire(4096, "y [1024]")) {
        x.fill32(0);
        // noise_add told that y holds 1040 floats writes 64 bytes past its end. (x is large enough: noise
        // added to the NaN of a guard zone would write the guard's own bit pattern back, unseen.)
        Pointer params = Pointer.to(x.arg(), y.arg(), Pointer.to(new long[] {0}), Pointer.to(new float[] {1}),
            Pointer.to(new long[] {1040}), Pointer.to(new long[] {1040}), Pointer.to(new long[] {1}), Pointer.to(new int[] {0}),
            Pointer.to(new int[] {0}));
        dev.launch("noise_add past the end", "noise_add", 1, 256, 0, params);
        CudaException e = assertThrows(CudaException.class, () -> dev.synchronize("noise_add past the end"));
        assertEquals(CUresult.CUDA_ERROR_ILLEGAL_ADDRESS, e.code(), e.getMessage());
        assertThrows(CudaException.class, () -> y.copyTo(new float[1024], 1024), "the error is sticky");
      }
    }
    // A fresh context works again.
    try (CudaDevice dev = GpuTests.open(); DeviceBuffer x = dev.pool().acquire(64, "x")) {
      x.copyFrom(new float[] {1, 2, 3}, 3);
      float[] back = new float[3];
      x.copyTo(back, 3);
      assertArrayEquals(new float[] {1, 2, 3}, back);
    }
  }
}
