package dev.vant.data;

import java.io.IOException;
import java.nio.file.Path;

/** A data file or folder that does not hold what its format promises. The message names the file and what was expected. */
public class BadDataException extends IOException {
  /** @param file the offending file or folder; @param problem what is wrong and what was expected */
  public BadDataException(Path file, String problem) {
    super(file + ": " + problem);
  }

  public BadDataException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
  }
}
