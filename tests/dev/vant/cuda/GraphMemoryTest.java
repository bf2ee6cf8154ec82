package dev.vant.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The memory pool and CUDA graphs: a recorded step keeps the addresses it was captured with, so a block one of its
 * launches used must not be handed to anyone else while the graph can still be replayed (MemoryPool's class comment).
 */
@Tag("gpu")
class GraphMemoryTest {
  private static final int N = 1024;
  private static final long BYTES = 4L * N;

  private static void fill(CudaDevice dev, DeviceBuffer b, float v) {
    dev.launch("test fill", "fill_value", 1, 256, 0,
        Pointer.to(b.arg(), Pointer.to(new long[] {N}), Pointer.to(new float[] {v})));
  }

  private static float[] read(DeviceBuffer b) {
    float[] h = new float[N];
    b.copyTo(h, N);
    return h;
  }

  @Test
  void blocksTheGraphUsedStayOutOfThePoolUntilItCloses() {
    try (CudaDevice dev = GpuTests.open()) {
      MemoryPool pool = dev.pool();
      DeviceBuffer kept = pool.acquire(BYTES, "kept (made before the capture, used in it)");
      pool.acquire(BYTES, "warm-up scratch").close(); // the free block the step's scratch will take
      dev.beginCapture("test step");
      DeviceBuffer scratch = pool.acquire(BYTES, "scratch of the step");
      CUdeviceptr scratchPtr = scratch.devicePointer();
      fill(dev, scratch, 2f);
      fill(dev, kept, 3f);
      scratch.close();
      CudaGraph g = dev.endCapture("test step", false);
      assertEquals(4096, pool.heldForGraphsBytes(), "the step's scratch block waits for the graph");

      // Someone else's tensor made after the capture (another model's weights, say) gets another block ...
      DeviceBuffer other = pool.acquire(BYTES, "another model's tensor");
      assertNotSame(scratchPtr, other.devicePointer());
      other.fill32(Float.floatToIntBits(7f));
      // ... so replaying the step does not overwrite it.
      g.launch();
      dev.synchronize("replay");
      for (float v : read(other)) assertEquals(7f, v);
      for (float v : read(kept)) assertEquals(3f, v);

      // A block the graph used that is freed later waits too.
      CUdeviceptr keptPtr = kept.devicePointer();
      kept.close();
      assertEquals(2 * 4096, pool.heldForGraphsBytes());
      DeviceBuffer another = pool.acquire(BYTES, "a third tensor");
      assertNotSame(keptPtr, another.devicePointer());
      assertNotSame(scratchPtr, another.devicePointer());

      // Closed, the graph gives both back.
      g.close();
      assertEquals(0, pool.heldForGraphsBytes());
      DeviceBuffer x = pool.acquire(BYTES, "x"), y = pool.acquire(BYTES, "y");
      java.util.Set<CUdeviceptr> got = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
      got.add(x.devicePointer());
      got.add(y.devicePointer());
      assertTrue(got.contains(scratchPtr) && got.contains(keptPtr), "both blocks are free for anyone again");
      for (DeviceBuffer b : new DeviceBuffer[] {other, another, x, y}) b.close();
    }
  }

  @Test
  void anAbandonedCaptureHoldsNothing() {
    try (CudaDevice dev = GpuTests.open()) {
      MemoryPool pool = dev.pool();
      pool.acquire(BYTES, "warm-up scratch").close();
      dev.beginCapture("abandoned step");
      DeviceBuffer scratch = pool.acquire(BYTES, "scratch");
      CUdeviceptr p = scratch.devicePointer();
      fill(dev, scratch, 1f);
      scratch.close();
      assertEquals(null, dev.endCapture("abandoned step", true));
      assertEquals(0, pool.heldForGraphsBytes());
      try (DeviceBuffer again = pool.acquire(BYTES, "again")) {
        assertSame(p, again.devicePointer());
      }
    }
  }
}
