package dev.agentstore.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A progress line on stderr for long runs: done/total, rate and time left, redrawn in place. Shown
 * only on a terminal, only once a run has lasted half a second, and at most five times a second;
 * silent when output is piped. The clock here only paces the display.
 */
final class Progress implements AutoCloseable {
  private static final long DELAY_NANOS = 500_000_000L;
  private static final long EVERY_NANOS = 200_000_000L;

  private final PrintWriter err;
  private final boolean enabled;
  private final LongSupplier clock;
  private final String what;
  private final long total;
  private final long start;
  private long lastDrawn;
  private boolean drawn;

  Progress(PrintWriter err, boolean enabled, LongSupplier clock, String what, long total) {
    this.err = err;
    this.enabled = enabled;
    this.clock = clock;
    this.what = what;
    this.total = total;
    this.start = clock.getAsLong();
  }

  /** A progress line on {@code err} when the process runs on a terminal, else a silent one. */
  static Progress start(PrintWriter err, String what, long total) {
    return new Progress(err, System.console() != null, System::nanoTime, what, total);
  }

  /** Records that {@code done} of the total entries are done; redraws when it is time. */
  void update(long done) {
    if (!enabled) {
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
              Locale.ROOT,
              "%3d%% %,d/%,d entries",
              Math.min(100, done * 100 / total),
              done,
              total));
    } else {
      line.append(String.format(Locale.ROOT, "%,d entries", done));
    }
    line.append(String.format(Locale.ROOT, ", %,.0f entries/s", rate));
    if (total > 0 && rate > 0 && done < total) {
      long left = (long) Math.ceil((total - done) / rate);
      line.append(String.format(Locale.ROOT, ", ETA %d:%02d", left / 60, left % 60));
    }
    return line.toString();
  }

  /** Clears the line, if one was drawn. */
  @Override
  public void close() {
    if (drawn) {
      err.print("\r\u001b[K");
      err.flush();
      drawn = false;
    }
  }
}
