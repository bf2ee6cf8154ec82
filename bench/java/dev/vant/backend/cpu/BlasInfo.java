package dev.vant.backend.cpu;

/** Prints the OpenBLAS core and build configuration (for benchmark records). */
public final class BlasInfo {
  private BlasInfo() {}

  public static void main(String[] args) {
    System.out.println(Blas.info());
  }
}
