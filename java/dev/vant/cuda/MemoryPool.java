package dev.vant.cuda;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jcuda.driver.CUdeviceptr;

/**
 * Device memory allocated once and reused. A training step asks for the same sizes every step, so
 * blocks are kept in free lists keyed by their (rounded) size; {@code cuMemAlloc} runs only the first
 * time a size is needed, and nothing is freed until the device closes.
 */
public final class MemoryPool {
  private static final long ALIGN = 512;
  private final CudaDevice device;
  private final Map<Long, ArrayDeque<CUdeviceptr>> free = new HashMap<>();
  private final List<CUdeviceptr> all = new ArrayList<>();
  private long reservedBytes;
  private long inUseBytes;

  MemoryPool(CudaDevice device) {
    this.device = device;
  }

  CudaDevice device() {
    return device;
  }

  /**
   * A buffer of at least {@code bytes} bytes; {@code what} names its use in error messages
   * (e.g. "noise_add y [1000000]").
   */
  public synchronized DeviceBuffer acquire(long bytes, String what) {
    if (bytes <= 0) throw new IllegalArgumentException("device buffer for " + what + ": size " + bytes + " bytes");
    long cap = (bytes + ALIGN - 1) / ALIGN * ALIGN;
    ArrayDeque<CUdeviceptr> list = free.get(cap);
    CUdeviceptr p = list == null ? null : list.poll();
    if (p == null) {
      if (device.capturing()) {
        // cuMemAlloc is illegal inside a stream capture (and would invalidate it): name what asked for it.
        throw new IllegalStateException("device buffer for " + what + ": " + cap + " bytes would need a new allocation "
            + "while a CUDA graph is being captured (the pool has no free block of that size; run the step eagerly first)");
      }
      device.makeCurrent();
      p = new CUdeviceptr();
      CudaDevice.check(cuMemAlloc(p, cap), "allocate " + cap + " bytes for " + what
          + " (pool holds " + reservedBytes + " bytes)");
      all.add(p);
      reservedBytes += cap;
    }
    inUseBytes += cap;
    return new DeviceBuffer(this, p, bytes, cap);
  }

  /**
   * A buffer of its own allocation, never one of the free blocks: for a buffer made just before a capture
   * (which must leave the free blocks to the step it records).
   */
  public synchronized DeviceBuffer acquireNew(long bytes, String what) {
    if (bytes <= 0) throw new IllegalArgumentException("device buffer for " + what + ": size " + bytes + " bytes");
    long cap = (bytes + ALIGN - 1) / ALIGN * ALIGN;
    if (device.capturing()) throw new IllegalStateException("device buffer for " + what + ": allocation during a CUDA graph capture");
    device.makeCurrent();
    CUdeviceptr p = new CUdeviceptr();
    CudaDevice.check(cuMemAlloc(p, cap), "allocate " + cap + " bytes for " + what + " (pool holds " + reservedBytes + " bytes)");
    all.add(p);
    reservedBytes += cap;
    inUseBytes += cap;
    return new DeviceBuffer(this, p, bytes, cap);
  }

  synchronized void release(DeviceBuffer b) {
    free.computeIfAbsent(b.capacity(), k -> new ArrayDeque<>()).push(b.rawPtr());
    inUseBytes -= b.capacity();
  }

  /** Bytes allocated from the driver so far. */
  public synchronized long reservedBytes() {
    return reservedBytes;
  }

  /** Bytes handed out and not yet returned. */
  public synchronized long inUseBytes() {
    return inUseBytes;
  }

  synchronized void freeAll() {
    for (CUdeviceptr p : all) cuMemFree(p);
    all.clear();
    free.clear();
    reservedBytes = 0;
    inUseBytes = 0;
  }
}
