package dev.vant.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.backend.AdamConfig;
import dev.vant.backend.MathMode;
import dev.vant.backend.StepGraph;
import dev.vant.backend.StepScalars;
import dev.vant.backend.cuda.CudaBackend;
import dev.vant.tensor.Tensor;
import java.util.List;
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
  void aBlockTwoGraphsUseStaysHeldUntilBothClose() {
    try (CudaDevice dev = GpuTests.open()) {
      MemoryPool pool = dev.pool();
      DeviceBuffer shared = pool.acquire(BYTES, "used by both graphs");
      CudaGraph[] g = new CudaGraph[2];
      for (int i = 0; i < 2; i++) {
        dev.beginCapture("step " + i);
        fill(dev, shared, i);
        g[i] = dev.endCapture("step " + i, false);
      }
      CUdeviceptr p = shared.devicePointer();
      shared.close();
      assertEquals(4096, pool.heldForGraphsBytes());
      g[0].close();
      assertEquals(4096, pool.heldForGraphsBytes(), "the second graph still holds it");
      try (DeviceBuffer other = pool.acquire(BYTES, "other")) {
        assertNotSame(p, other.devicePointer());
      }
      g[1].close();
      assertEquals(0, pool.heldForGraphsBytes());
    }
  }

  /** The optimizer's update reaches the parameters and its state through a table of addresses, not its arguments. */
  @Test
  void buffersAKernelReachesThroughATableAreHeldToo() {
    try (CudaDevice dev = GpuTests.open(); CudaBackend b = new CudaBackend(dev, MathMode.FP32)) {
      Tensor p = b.zeros(N), g = b.zeros(N), m = b.zeros(N), v = b.zeros(N);
      AdamConfig cfg = AdamConfig.paper(1e-3f);
      b.adamUpdate(List.of(p), List.of(g), List.of(m), List.of(v), cfg, 1); // eager: the table is written and kept
      try (StepGraph step = b.captureStep(new StepScalars(1, 1e-3f, 2),
          () -> b.adamUpdate(List.of(p), List.of(g), List.of(m), List.of(v), cfg, 2))) {
        long before = dev.pool().heldForGraphsBytes();
        m.close(); // Adam's first moment: a replay updates it through the table
        assertEquals(before + 4096, dev.pool().heldForGraphsBytes(), "the first moment's block waits for the graph");
      }
      for (Tensor t : new Tensor[] {p, g, v}) t.close();
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
