package dev.vant.backend.cuda;

import dev.vant.cuda.DeviceBuffer;
import java.util.ArrayList;
import java.util.List;
import jcuda.Pointer;

/**
 * The parameter list of one kernel launch, in the order of the kernel's C signature: device pointers
 * (null passes nullptr), int, long long, float. {@link #noise} appends the eight noise parameters every
 * noisy entry point ends with (see kernels/noise_epilogue.cuh).
 */
final class KernelArgs {
  private static final Pointer NULL = Pointer.to(new long[] {0});
  private final List<Pointer> args = new ArrayList<>();

  KernelArgs ptr(DeviceBuffer b) {
    args.add(b == null ? NULL : b.arg());
    return this;
  }

  KernelArgs i(int v) {
    args.add(Pointer.to(new int[] {v}));
    return this;
  }

  KernelArgs l(long v) {
    args.add(Pointer.to(new long[] {v}));
    return this;
  }

  KernelArgs f(float v) {
    args.add(Pointer.to(new float[] {v}));
    return this;
  }

  /**
   * int type, float sigmaScalar, const float* dSigma, long long perSample, u64 seed, u32 site, u32 step,
   * const StepState* dState (null in eager launches; kernels/step_state.cuh).
   */
  KernelArgs noise(NoiseArgs n) {
    return i(n.type()).f(n.sigmaScalar()).ptr(n.sigma()).l(n.perSample()).l(n.seed()).i(n.site()).i(n.step()).ptr(n.state());
  }

  Pointer build() {
    return Pointer.to(args.toArray(new Pointer[0]));
  }

  /** The device form of a {@link dev.vant.backend.Noise} for an output with {@code perSample} elements per sample. */
  record NoiseArgs(int type, float sigmaScalar, DeviceBuffer sigma, long perSample, long seed, int site, int step,
      DeviceBuffer state) {
    /** No noise (type 0). */
    static final NoiseArgs NONE = new NoiseArgs(0, 0f, null, 1, 0, 0, 0, null);
  }
}
