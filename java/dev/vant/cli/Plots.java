package dev.vant.cli;

import dev.vant.eval.RobustnessPlots;
import java.io.IOException;

/**
 * The PNGs of {@code vant eval} and {@code vant demo} sit beside their JSON and CSV, which carry the numbers: a
 * runtime that cannot draw (no font libraries on a bare server) gets a warning naming the file and the cause, and
 * the command goes on. {@code vant compare}, whose product is the plot, fails instead.
 */
final class Plots {
  private Plots() {}

  interface Plot {
    void draw() throws IOException;
  }

  /** Draws, or prints why the plot was not drawn; true when it was. */
  static boolean orWarn(Plot p) throws IOException {
    try {
      p.draw();
      return true;
    } catch (RobustnessPlots.UnavailableException e) {
      System.err.println("vant: warning: " + e.getMessage());
      return false;
    }
  }
}
