package dev.vant.backend.cpu;

/** Arithmetic of the {@link ReferenceBackend}: both run the same double loops. */
public enum Precision {
  /** Nothing is rounded: the mode of central-difference gradient checks. */
  DOUBLE,
  /**
   * Every op's outputs are rounded to float (and noise uses float fma like the GPU): float32 semantics,
   * the oracle for the fast and CUDA backends.
   */
  FLOAT32
}
