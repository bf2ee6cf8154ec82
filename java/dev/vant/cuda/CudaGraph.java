package dev.vant.cuda;

import java.util.Map;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUgraphExec;

/**
 * An instantiated CUDA graph (cuGraphInstantiate of a stream capture, {@link CudaDevice#endCapture}):
 * {@link #launch} replays the recorded launches with the parameter values they had when captured, on
 * the device's graph stream, ordered with the default stream's work. Closing it destroys the executable
 * graph and gives the memory blocks it held back to the pool ({@link MemoryPool}); the device closes any left open.
 */
public final class CudaGraph implements AutoCloseable {
  private final CudaDevice device;
  private final CUgraphExec exec;
  private final String what;
  private final Map<CUdeviceptr, Long> held;
  private boolean closed;

  CudaGraph(CudaDevice device, CUgraphExec exec, String what, Map<CUdeviceptr, Long> held) {
    this.device = device;
    this.exec = exec;
    this.what = what;
    this.held = held;
  }

  /** What was captured (for error messages). */
  public String what() {
    return what;
  }

  /** Replays the graph (asynchronously, like a launch). */
  public void launch() {
    if (closed) throw new IllegalStateException("CUDA graph of " + what + " used after close");
    device.launchGraph(this, exec);
  }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    device.destroyGraph(this, exec, held);
  }
}
