package dev.vant.backend;

import java.util.Locale;

/**
 * How the CUDA backend computes its GEMMs (convolutions and linear layers, forward and both gradients);
 * everything else (noise, normalization, pooling, loss, optimizer) is FP32 in both modes, and the noise is
 * the same bits in both (DESIGN.md §2). CPU backends ignore it: they compute in FP32 (the reference in double).
 */
public enum MathMode {
  /** Exact FP32 with FFMA (kernels/gemm_fp32.cuh): about 1e-5 relative to the FP32 reference; what the kernel tests check. */
  FP32,
  /**
   * TF32 tensor cores (mma.sync.m16n8k8, kernels/gemm_tf32.cuh): every GEMM operand is rounded to 10 mantissa
   * bits (relative error 2^-11), products are summed in FP32. About 1e-3 relative per GEMM; needs compute
   * capability 8.0 or newer.
   */
  TF32,
  /**
   * TF32 tensor cores as cuBLAS and cuDNN use them: the GEMM kernels hand every FP32 operand to the tensor cores as
   * it is, and they read its sign, exponent and top 10 mantissa bits, i.e. truncate it toward zero (relative error
   * below 2^-10, twice TF32's, and biased toward zero); products are summed in FP32. No rounding pass over the
   * operands in the k loops, so fewer instructions per tensor-core operation than {@link #TF32}; compute capability
   * 8.0 or newer.
   */
  TF32RZ;

  /** "fp32" / "tf32" / "tf32rz": the spelling of {@code --math} and of config.json. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether the GEMMs run on the tensor cores (TF32 or TF32RZ: compute capability 8.0 or newer). */
  public boolean tensorCores() {
    return this != FP32;
  }

  /**
   * The last argument of every GEMM kernel ({@code tf32Round}): 1 where the k loops round each operand to nearest
   * TF32 (cvt.rna), 0 where the tensor cores truncate it ({@link #TF32RZ}; the FP32 kernels ignore it).
   */
  public int tf32RoundArg() {
    return this == TF32RZ ? 0 : 1;
  }

  /**
   * The relative error bound of one GEMM operand as the tensor cores read it: 2^-11 (rounded to nearest), 2^-10
   * (truncated), 0 for exact FP32 (whose operands are not rounded).
   */
  public double operandUnit() {
    return switch (this) {
      case FP32 -> 0.0;
      case TF32 -> 0x1p-11;
      case TF32RZ -> 0x1p-10;
    };
  }

  /**
   * The mode for {@code --math VALUE}: "fp32", "tf32" or "tf32rz" (any case).
   *
   * @throws IllegalArgumentException naming the flag for anything else
   */
  public static MathMode parse(String value) {
    String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
    return switch (v) {
      case "fp32" -> FP32;
      case "tf32" -> TF32;
      case "tf32rz" -> TF32RZ;
      default -> throw new IllegalArgumentException("--math " + value + ": unknown math mode (expected fp32, tf32 or tf32rz)");
    };
  }

  /** The default on a device of compute capability {@code major.minor}: TF32 from 8.0 (Ampere) on, else FP32. */
  public static MathMode defaultFor(int ccMajor, int ccMinor) {
    return ccMajor >= 8 ? TF32 : FP32;
  }
}
