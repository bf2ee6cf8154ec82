package dev.vant.cuda;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;

import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;

/**
 * A CUDA event on the default stream, for timing device work (DESIGN.md §6): record one before and one
 * after the launches, synchronize on the second, read {@link #elapsedMs}. The time is measured on the
 * device between the two points in the stream, so host-side launch cost only shows when the device
 * waits for the host. Every driver call goes through {@link CudaDevice#check}.
 */
public final class CudaEvent implements AutoCloseable {
  private final CudaDevice dev;
  private final CUevent event = new CUevent();
  private boolean closed;

  /** A timing event on {@code dev}. */
  public CudaEvent(CudaDevice dev) {
    this.dev = dev;
    dev.makeCurrent();
    CudaDevice.check(cuEventCreate(event, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate");
  }

  /** Records this event on the default stream: it completes when all work launched before it has. */
  public CudaEvent record() {
    live();
    dev.makeCurrent();
    CudaDevice.check(cuEventRecord(event, null), "cuEventRecord");
    return this;
  }

  /** Waits until this event has completed; a kernel fault before it is reported here. */
  public void synchronize() {
    live();
    CudaDevice.check(cuEventSynchronize(event), "cuEventSynchronize");
  }

  /** Milliseconds of device time from {@code start} to this event; both must have been recorded and this one completed. */
  public float elapsedMs(CudaEvent start) {
    live();
    start.live();
    float[] ms = new float[1];
    CudaDevice.check(cuEventElapsedTime(ms, start.event, event), "cuEventElapsedTime");
    return ms[0];
  }

  private void live() {
    if (closed) throw new IllegalStateException("CUDA event used after close");
  }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    cuEventDestroy(event);
  }
}
