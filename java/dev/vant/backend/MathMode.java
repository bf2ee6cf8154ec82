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
  TF32;

  /** "fp32" / "tf32": the spelling of {@code --math} and of config.json. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The mode for {@code --math VALUE}: "fp32" or "tf32" (any case).
   *
   * @throws IllegalArgumentException naming the flag for anything else
   */
  public static MathMode parse(String value) {
    String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
    return switch (v) {
      case "fp32" -> FP32;
      case "tf32" -> TF32;
      default -> throw new IllegalArgumentException("--math " + value + ": unknown math mode (expected fp32 or tf32)");
    };
  }

  /** The default on a device of compute capability {@code major.minor}: TF32 from 8.0 (Ampere) on, else FP32. */
  public static MathMode defaultFor(int ccMajor, int ccMinor) {
    return ccMajor >= 8 ? TF32 : FP32;
  }
}
