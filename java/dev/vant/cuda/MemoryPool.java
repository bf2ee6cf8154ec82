package dev.vant.cuda;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import jcuda.driver.CUdeviceptr;

/**
 * Device memory allocated once and reused. A training step asks for the same sizes every step, so
 * blocks are kept in free lists keyed by their (rounded) size; {@code cuMemAlloc} runs only the first
 * time a size is needed, and nothing is freed until the device closes.
 *
 * <p><b>Blocks a CUDA graph uses are held for it.</b> A recorded step keeps the addresses it was captured
 * with, among them the step's scratch buffers, which the step's code hands back to the pool when it is
 * done with them. Were such a block then given out again — to a second model's parameters, an evaluation's
 * cache, another recorded step's state that must survive between replays — each replay of the first graph
 * would overwrite it. So every block passed to a kernel during a capture ({@link #noteCaptured}: through
 * {@link DeviceBuffer#arg}, or {@link DeviceBuffer#usedIndirectly} for a buffer a kernel reaches through a table of
 * addresses in device memory, as the optimizer's update does) is held by that graph from the end of its capture
 * until it closes: while free, it waits on a list of its own that {@link #acquire} does not take from; work outside
 * the graph gets other blocks (new ones, the first time). An address stored in device memory that is not declared
 * so is not covered.
 */
public final class MemoryPool {
  private static final long ALIGN = 512;
  private final CudaDevice device;
  private final Map<Long, ArrayDeque<CUdeviceptr>> free = new HashMap<>();
  private final List<CUdeviceptr> all = new ArrayList<>();
  /** Blocks passed to kernels in the capture that is recording (block -> capacity); null when none is. */
  private Map<CUdeviceptr, Long> capturing;
  /** How many open graphs hold each block (identity: the pool hands out its own pointer objects). */
  private final Map<CUdeviceptr, Integer> held = new IdentityHashMap<>();
  /** Free blocks that open graphs hold (block -> capacity): out of {@link #free} until the last of them closes. */
  private final Map<CUdeviceptr, Long> heldFree = new IdentityHashMap<>();
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
    if (held.containsKey(b.rawPtr())) heldFree.put(b.rawPtr(), b.capacity());
    else free.computeIfAbsent(b.capacity(), k -> new ArrayDeque<>()).push(b.rawPtr());
    inUseBytes -= b.capacity();
  }

  /** A capture begins: from now until {@link #endCapture}, the blocks passed to kernels are noted. */
  synchronized void beginCapture() {
    capturing = new IdentityHashMap<>();
  }

  /** {@code b} is a parameter of a launch being captured ({@link DeviceBuffer#arg}). */
  synchronized void noteCaptured(DeviceBuffer b) {
    if (capturing != null) capturing.put(b.rawPtr(), b.capacity());
  }

  /**
   * The capture ended: with {@code keep} (a graph was made) the noted blocks are held until {@link #releaseHeld}
   * is called with the returned set; otherwise nothing is held and null is returned.
   */
  synchronized Map<CUdeviceptr, Long> endCapture(boolean keep) {
    Map<CUdeviceptr, Long> used = capturing;
    capturing = null;
    if (!keep || used == null) return null;
    for (Map.Entry<CUdeviceptr, Long> e : used.entrySet()) {
      CUdeviceptr p = e.getKey();
      if (held.merge(p, 1, Integer::sum) > 1) continue;
      ArrayDeque<CUdeviceptr> list = free.get(e.getValue());
      if (list != null && list.removeIf(q -> q == p)) heldFree.put(p, e.getValue());
    }
    return used;
  }

  /** The graph that held {@code used} closed: blocks no open graph holds any more are free for anyone again. */
  synchronized void releaseHeld(Map<CUdeviceptr, Long> used) {
    if (used == null) return;
    for (CUdeviceptr p : used.keySet()) {
      Integer n = held.get(p);
      if (n == null) continue; // freed with the device
      if (n > 1) {
        held.put(p, n - 1);
        continue;
      }
      held.remove(p);
      Long cap = heldFree.remove(p);
      if (cap != null) free.computeIfAbsent(cap, k -> new ArrayDeque<>()).push(p);
    }
  }

  /** Bytes of free blocks held for open CUDA graphs (not given out until those graphs close). */
  public synchronized long heldForGraphsBytes() {
    long n = 0;
    for (long c : heldFree.values()) n += c;
    return n;
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
    held.clear();
    heldFree.clear();
    capturing = null;
    reservedBytes = 0;
    inUseBytes = 0;
  }
}
