package dev.vant.backend.cpu;

import dev.vant.tensor.Tensor;

/** Storage of the {@link FastBackend}: the elements as a float[] on the Java heap. */
public final class FloatStorage implements Tensor.Storage {
  final float[] data;

  FloatStorage(int n) {
    data = new float[n];
  }

  @Override
  public long capacity() {
    return data.length;
  }

  @Override
  public String device() {
    return "cpu";
  }

  @Override
  public void release() {
    // Heap memory: the garbage collector frees it once the tensor is unreachable.
  }
}
