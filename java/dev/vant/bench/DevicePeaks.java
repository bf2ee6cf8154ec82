package dev.vant.bench;

import java.util.Locale;

/**
 * The two ceilings of a GPU that the floor of {@link Roofline} needs: the plain FP32 rate (CUDA cores, no
 * tensor cores: vant's exact FP32 kernels use FFMA) and the memory bandwidth.
 *
 * <p>FP32 peak = 2 (an FMA is two FLOPs) x multiprocessors x FP32 lanes per multiprocessor x clock. The
 * lanes per multiprocessor per compute capability are those of the CUDA C++ Programming Guide's table
 * "Throughput of Native Arithmetic Instructions" (32-bit floating-point add, multiply, multiply-add: 64
 * results per clock per SM on 6.0, 7.x and 8.0; 128 on 5.x, 6.1, 6.2, 8.6, 8.7, 8.9, 9.0, 10.x and 12.x);
 * multiprocessors and the maximum clock come from the driver. For an H100/H200 SXM (132 SMs, 1.98 GHz)
 * this gives 66.9 TFLOP/s, NVIDIA's datasheet figure.
 *
 * <p>Bandwidth: NVIDIA's datasheet value for the boards we know by name (see {@link #datasheetBandwidth});
 * the benchmark also measures a large device-to-device copy and uses the measured value for the floor.
 *
 * @param fp32FlopsPerS plain FP32 peak in FLOP/s, or NaN when the compute capability is unknown
 * @param fp32Source how the peak was obtained
 * @param datasheetBytesPerS datasheet memory bandwidth in bytes/s, or NaN when the board is not in the table
 * @param bandwidthSource where the bandwidth figure comes from
 */
public record DevicePeaks(double fp32FlopsPerS, String fp32Source, double datasheetBytesPerS, String bandwidthSource) {

  /** The peaks of a device named {@code name} with compute capability {@code major.minor}, {@code sms} multiprocessors and a maximum clock of {@code clockKHz}. */
  public static DevicePeaks of(String name, int major, int minor, int sms, int clockKHz) {
    int lanes = fp32LanesPerSm(major, minor);
    double peak;
    String src;
    if (lanes > 0 && sms > 0 && clockKHz > 0) {
      peak = 2.0 * sms * lanes * clockKHz * 1e3;
      src = String.format(Locale.ROOT, "2 x %d SMs x %d FP32 lanes (CUDA C++ Programming Guide, cc %d.%d) x %.0f MHz", sms, lanes,
          major, minor, clockKHz / 1e3);
    } else if (datasheetFp32(name) > 0) {
      peak = datasheetFp32(name) * 1e12;
      src = "NVIDIA datasheet of the " + name + " (the driver reported no clock)";
    } else {
      peak = Double.NaN;
      src = lanes > 0 ? "unknown: the driver reported no clock and " + name + " is not in the datasheet table"
          : "unknown: compute capability " + major + "." + minor + " is not in the lanes table";
    }
    double[] bw = datasheetBandwidth(name);
    return new DevicePeaks(peak, src, bw == null ? Double.NaN : bw[0] * 1e9,
        bw == null ? "not in the datasheet table (" + name + ")" : "NVIDIA datasheet of the " + name);
  }

  /**
   * FP32 FMA lanes per multiprocessor for compute capability {@code major.minor} (results per clock of
   * 32-bit add/multiply/FMA in the CUDA C++ Programming Guide), or 0 when unknown.
   */
  public static int fp32LanesPerSm(int major, int minor) {
    return switch (major) {
      case 5 -> 128;
      case 6 -> minor == 0 ? 64 : 128;
      case 7 -> 64;
      case 8 -> minor == 0 ? 64 : 128;
      case 9, 10, 11, 12 -> 128;
      default -> 0;
    };
  }

  /** Datasheet FP32 (non-tensor) TFLOP/s of a board recognized by name, or 0: the fallback when the driver reports no clock. */
  static double datasheetFp32(String name) {
    String n = name.toUpperCase(Locale.ROOT);
    if (n.contains("H200") || (n.contains("H100") && !n.contains("PCIE"))) return 66.9;  // SXM
    if (n.contains("H100")) return 51.2;                                                   // PCIe
    if (n.contains("A100")) return 19.5;
    if (n.contains("L40S")) return 91.6;
    if (n.contains("L4") && !n.contains("L40")) return 30.3;
    return 0;
  }

  /**
   * Datasheet memory bandwidth in GB/s ({@code {value}}) of a board recognized from the driver's device
   * name, or null. Order matters: the more specific names come first.
   */
  static double[] datasheetBandwidth(String name) {
    String n = name.toUpperCase(Locale.ROOT);
    if (n.contains("GH200")) return new double[] {4000};    // Grace Hopper, 96 GB HBM3
    if (n.contains("H200")) return new double[] {4800};     // H200 SXM / NVL, 141 GB HBM3e
    if (n.contains("H100") && n.contains("PCIE")) return new double[] {2000};
    if (n.contains("H100") && n.contains("NVL")) return new double[] {3900};
    if (n.contains("H100")) return new double[] {3350};     // H100 SXM5 80 GB HBM3
    if (n.contains("A100") && n.contains("80GB") && n.contains("PCIE")) return new double[] {1935};
    if (n.contains("A100") && n.contains("80GB")) return new double[] {2039};
    if (n.contains("A100")) return new double[] {1555};     // 40 GB
    if (n.contains("L40S") || n.contains("L40")) return new double[] {864};
    if (n.contains("L4")) return new double[] {300};
    if (n.contains("A10G")) return new double[] {600};
    if (n.contains("A10")) return new double[] {600};
    if (n.contains("RTX 4090")) return new double[] {1008};
    if (n.contains("RTX 3090")) return new double[] {936};
    return null;
  }
}
