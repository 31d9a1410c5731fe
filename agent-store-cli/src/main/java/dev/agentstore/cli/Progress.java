package dev.agentstore.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A progress line on stderr for long runs: done/total, rate and time left, redrawn in place. Drawn
 * only when enabled ({@link ProgressOptions}: by default when stderr is a terminal), only once a
 * run has lasted half a second, and at most five times a second. The clock here only paces the
 * display. Thread-safe: a signal handler may clear the line ({@link #close}) while the command
 * updates it.
 */
final class Progress implements AutoCloseable {
  /** The system property that sets the delay before the first line, in milliseconds. */
  static final String DELAY_PROPERTY = "agentstore.progress.delay.ms";

  /**
   * How long a run goes before its line appears: short runs never flicker. The system property
   * {@value #DELAY_PROPERTY} (milliseconds) changes it; tests set 0 to see a line at once.
   */
  private static final long DELAY_NANOS = Long.getLong(DELAY_PROPERTY, 500) * 1_000_000L;

  private static final long EVERY_NANOS = 200_000_000L;

  private final PrintWriter err;
  private final boolean enabled;
  private final LongSupplier clock;
  private final String what;
  private final long total;
  private final long start;
  private long lastDrawn;
  private boolean drawn;
  private boolean silenced;

  Progress(PrintWriter err, boolean enabled, LongSupplier clock, String what, long total) {
    this.err = err;
    this.enabled = enabled;
    this.clock = clock;
    this.what = what;
    this.total = total;
    this.start = clock.getAsLong();
  }

  /** A progress line on {@code err} when {@code enabled}, else a silent one. */
  static Progress start(PrintWriter err, boolean enabled, String what, long total) {
    return new Progress(err, enabled, System::nanoTime, what, total);
  }

  /** Records that {@code done} of the total entries are done; redraws when it is time. */
  synchronized void update(long done) {
    if (!enabled || silenced) {
      return;
    }
    long now = clock.getAsLong();
    if (now - start < DELAY_NANOS || (drawn && now - lastDrawn < EVERY_NANOS)) {
      return;
    }
    lastDrawn = now;
    drawn = true;
    err.print("\r" + line(done, now - start) + "\u001b[K");
    err.flush();
  }

  String line(long done, long elapsedNanos) {
    double seconds = Math.max(elapsedNanos / 1e9, 1e-9);
    double rate = done / seconds;
    StringBuilder line = new StringBuilder(what).append(": ");
    if (total > 0) {
      line.append(
          String.format(
              Locale.ROOT, "%3d%% %d/%d entries", Math.min(100, done * 100 / total), done, total));
    } else {
      line.append(String.format(Locale.ROOT, "%d entries", done));
    }
    line.append(String.format(Locale.ROOT, ", %.0f entries/s", rate));
    if (total > 0 && rate > 0 && done < total) {
      long left = (long) Math.ceil((total - done) / rate);
      line.append(String.format(Locale.ROOT, ", ETA %d:%02d", left / 60, left % 60));
    }
    return line.toString();
  }

  /** Clears the line, if one was drawn. */
  @Override
  public synchronized void close() {
    if (drawn) {
      err.print("\r\u001b[K");
      err.flush();
      drawn = false;
    }
  }

  /**
   * Clears the line and draws no more, so that a message can take its place (an interrupted copy
   * says how to resume) without a redraw from the still-running command overwriting it.
   *
   * @return whether a line was cleared
   */
  synchronized boolean silence() {
    boolean cleared = drawn;
    close();
    silenced = true;
    return cleared;
  }
}
