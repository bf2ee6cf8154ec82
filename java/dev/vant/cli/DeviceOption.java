package dev.vant.cli;

import dev.vant.backend.Backend;
import dev.vant.backend.Backends;

/** The {@code --device} flag: a backend, or a usage error (exit 2) naming the flag and why it cannot be had. */
public final class DeviceOption {
  private DeviceOption() {}

  public static Backend open(String device, int threads) {
    try {
      return Backends.select(device, threads);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }
}
