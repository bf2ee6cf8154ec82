package dev.vant.backend.cuda;

import dev.vant.cuda.DeviceBuffer;
import dev.vant.tensor.Tensor;

/** Tensor storage in device memory: a {@link DeviceBuffer} from the device's pool, returned to it on release. */
public final class CudaStorage implements Tensor.Storage {
  private final DeviceBuffer buffer;
  private final long capacity;
  private final String device;

  CudaStorage(DeviceBuffer buffer, long capacity, String device) {
    this.buffer = buffer;
    this.capacity = capacity;
    this.device = device;
  }

  /** The device memory (tests poison it before a launch). */
  public DeviceBuffer buffer() {
    return buffer;
  }

  @Override
  public long capacity() {
    return capacity;
  }

  @Override
  public String device() {
    return device;
  }

  @Override
  public void release() {
    buffer.close();
  }
}
