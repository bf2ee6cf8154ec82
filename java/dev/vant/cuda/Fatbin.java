package dev.vant.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/**
 * The GPU code of this build: {@code dev/vant/kernels/vant.fatbin} and its manifest, both written into the
 * jar by {@code native/build-kernels.sh}. A build made without nvcc has neither.
 */
public final class Fatbin {
  static final String RESOURCE = "/dev/vant/kernels/vant.fatbin";
  static final String MANIFEST = "/dev/vant/kernels/manifest.properties";
  public static final String NO_GPU_CODE = "this build has no GPU code (it was built without nvcc)";

  private final byte[] image;
  private final Properties manifest;

  private Fatbin(byte[] image, Properties manifest) {
    this.image = image;
    this.manifest = manifest;
  }

  /** The fatbin of this build, or null when the build carries no GPU code. */
  public static Fatbin load() {
    byte[] image = readResource(RESOURCE);
    byte[] props = readResource(MANIFEST);
    if (image == null || props == null) return null;
    Properties p = new Properties();
    try {
      p.load(new java.io.ByteArrayInputStream(props));
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + MANIFEST, e);
    }
    // cuModuleLoadData expects a NUL-terminated image when it sniffs text (PTX); a fatbin does not
    // need it, but the extra byte is harmless and keeps both cases safe.
    return new Fatbin(Arrays.copyOf(image, image.length + 1), p);
  }

  private static byte[] readResource(String name) {
    try (InputStream in = Fatbin.class.getResourceAsStream(name)) {
      return in == null ? null : in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("reading resource " + name, e);
    }
  }

  byte[] image() {
    return image;
  }

  /** Kernel entry points compiled into the fatbin, e.g. {@code noise_add}. */
  public List<String> kernels() {
    return split(manifest.getProperty("kernels", ""));
  }

  /** Architectures with code in the fatbin, e.g. {@code sm_80, ..., sm_90a, compute_90}. */
  public List<String> archs() {
    return split(manifest.getProperty("archs", ""));
  }

  /** The nvcc that built it, e.g. {@code release 13.0, V13.0.88}. */
  public String nvcc() {
    return manifest.getProperty("nvcc", "unknown");
  }

  /** Bytes of the fatbin image. */
  public int size() {
    return image.length - 1;
  }

  /**
   * Whether the fatbin can run on compute capability major.minor: SASS for sm_XY runs on the same major
   * with a minor >= Y (arch-specific SASS, sm_XYa, on exactly X.Y); PTX for compute_XY can be JIT-compiled for
   * any capability >= XY.
   */
  public boolean supports(int major, int minor) {
    int cc = major * 10 + minor;
    for (String a : archs()) {
      if (a.startsWith("sm_")) {
        boolean specific = a.endsWith("a");
        int sm = Integer.parseInt(a.substring(3, specific ? a.length() - 1 : a.length()));
        if (sm / 10 == major && (specific ? sm % 10 == minor : sm % 10 <= minor)) return true;
      } else if (a.startsWith("compute_") && Integer.parseInt(a.substring(8)) <= cc) {
        return true;
      }
    }
    return false;
  }

  /** Whether the fatbin has arch-specific sm_90a SASS (wgmma: the {@code _tf32wg} kernels compute only there). */
  public boolean hasSm90a() {
    return archs().contains("sm_90a");
  }

  private static List<String> split(String s) {
    return s.isBlank() ? List.of() : List.of(s.split(","));
  }
}
