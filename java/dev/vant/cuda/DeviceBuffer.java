package dev.vant.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoD;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemsetD32;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * A block of device memory from a {@link MemoryPool}. Closing it hands it back to the pool for reuse;
 * the pool frees the memory when its device closes.
 */
public final class DeviceBuffer implements AutoCloseable {
  private final MemoryPool pool;
  private final CUdeviceptr ptr;
  private final long bytes;
  private final long capacity;
  private boolean released;

  DeviceBuffer(MemoryPool pool, CUdeviceptr ptr, long bytes, long capacity) {
    this.pool = pool;
    this.ptr = ptr;
    this.bytes = bytes;
    this.capacity = capacity;
  }

  /** Size requested, in bytes. */
  public long bytes() {
    return bytes;
  }

  long capacity() {
    return capacity;
  }

  CUdeviceptr ptr() {
    live();
    return ptr;
  }

  /**
   * The device address, for handing this buffer to another CUDA library that takes raw pointers (the
   * benchmarks' cuBLAS baseline). vant's own kernels get it through {@link #arg()}.
   */
  public CUdeviceptr devicePointer() {
    return ptr();
  }

  /** The address even after close: only the pool uses it, to take the block back. */
  CUdeviceptr rawPtr() {
    return ptr;
  }

  /**
   * Says that a kernel being captured reaches this buffer through an address stored in device memory (a table of
   * pointers, say) rather than through its arguments: the pool holds the block for the graph as it holds an argument's
   * ({@link MemoryPool}). Nothing happens outside a capture.
   */
  public void usedIndirectly() {
    live();
    if (pool.device().capturing()) pool.noteCaptured(this);
  }

  /**
   * A kernel argument that passes this buffer's device address. During a CUDA graph capture the pool notes the
   * buffer: the graph will hold its block until it closes ({@link MemoryPool}).
   */
  public Pointer arg() {
    Pointer p = Pointer.to(ptr());
    if (pool.device().capturing()) pool.noteCaptured(this);
    return p;
  }

  /** Copies {@code src[0 .. n)} to the start of this buffer. */
  public void copyFrom(float[] src, int n) {
    checkFits(4L * n, "copy to device");
    pool.device().makeCurrent();
    CudaDevice.check(cuMemcpyHtoD(ptr(), Pointer.to(src), 4L * n), "copy " + n + " floats to device");
  }

  /** Copies {@code src[0 .. n)} (32-bit words) to the start of this buffer. */
  public void copyFrom(int[] src, int n) {
    checkFits(4L * n, "copy to device");
    pool.device().makeCurrent();
    CudaDevice.check(cuMemcpyHtoD(ptr(), Pointer.to(src), 4L * n), "copy " + n + " words to device");
  }

  /** Copies the first {@code n} floats of this buffer to {@code dst[0 .. n)}. */
  public void copyTo(float[] dst, int n) {
    checkFits(4L * n, "copy to host");
    pool.device().makeCurrent();
    CudaDevice.check(cuMemcpyDtoH(Pointer.to(dst), ptr(), 4L * n), "copy " + n + " floats to host");
  }

  /** Copies the first {@code bytes} bytes of {@code src} (device memory) to the start of this buffer. */
  public void copyFromDevice(DeviceBuffer src, long bytes) {
    checkFits(bytes, "device-to-device copy");
    src.checkFits(bytes, "device-to-device copy");
    pool.device().makeCurrent();
    CudaDevice.check(cuMemcpyDtoD(ptr(), src.ptr(), bytes), "copy " + bytes + " bytes device to device");
  }

  /** Sets every 32-bit word to {@code bits} (e.g. a NaN pattern that poisons an output before a test). */
  public void fill32(int bits) {
    pool.device().makeCurrent();
    CudaDevice.check(cuMemsetD32(ptr(), bits, bytes / 4), "fill " + bytes + " bytes");
  }

  private void checkFits(long n, String op) {
    if (n > bytes) throw new IllegalArgumentException(op + ": " + n + " bytes do not fit a buffer of " + bytes);
  }

  /** Whether this buffer was closed (its block handed back to the pool). */
  public boolean isClosed() {
    return released;
  }

  private void live() {
    if (released) throw new IllegalStateException("device buffer of " + bytes + " bytes used after close");
  }

  @Override
  public void close() {
    if (released) return;
    released = true;
    pool.release(this);
  }
}
