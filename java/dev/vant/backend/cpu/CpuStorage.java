package dev.vant.backend.cpu;

import dev.vant.tensor.Tensor;

/**
 * Storage of the {@link ReferenceBackend}: the elements as doubles, so gradient checks can run without
 * float rounding. In {@link Precision#FLOAT32} mode every value held is a float widened to double.
 */
public final class CpuStorage implements Tensor.Storage {
  final double[] data;

  CpuStorage(int n) {
    data = new double[n];
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
