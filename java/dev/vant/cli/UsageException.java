package dev.vant.cli;

/**
 * A flag value (or a config-file value, or a missing data folder) that makes the command impossible to
 * run: reported as one line, exit code 2.
 */
public final class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UsageException(String message) {
    super(message);
  }
}
