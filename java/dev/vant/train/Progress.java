package dev.vant.train;

import java.io.PrintStream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of an epoch: a progress bar with images/s and ETA on a terminal; on anything else (CI, a
 * pipe, a log file) nothing per batch, since the trainer prints one plain line per epoch anyway.
 */
abstract class Progress implements AutoCloseable {
  /** {@code images} more images done; {@code extra} (when not null) is shown beside the bar (e.g. the running loss). */
  abstract void step(int images, String extra);

  @Override
  public abstract void close();

  /** A bar over {@code totalImages} images. */
  static Progress start(PrintStream log, String task, long totalImages) {
    if (System.console() == null || log != System.out || System.getenv("VANT_NO_PROGRESS") != null) {
      return new Progress() {
        @Override
        void step(int images, String extra) {}

        @Override
        public void close() {}
      };
    }
    ProgressBar bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(totalImages).setStyle(ProgressBarStyle.ASCII)
        .setUnit(" img", 1).showSpeed().setUpdateIntervalMillis(500).clearDisplayOnFinish().build();
    return new Progress() {
      @Override
      void step(int images, String extra) {
        bar.stepBy(images);
        if (extra != null) bar.setExtraMessage(extra);
      }

      @Override
      public void close() {
        bar.close();
      }
    };
  }
}
