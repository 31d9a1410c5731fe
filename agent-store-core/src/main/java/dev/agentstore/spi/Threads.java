package dev.agentstore.spi;

import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Waiting for a thread that agent-store started and asked to stop. A {@code close()} returns only
 * after its threads have finished, so that nothing of ours still holds a connection (and, on
 * SQLite, the file's {@code -wal} and {@code -shm}) when the caller goes on to move or delete the
 * store.
 */
public final class Threads {
  /**
   * How long a close waits for one of its threads: generous, since a thread may be opening a
   * connection (bounded by a busy or connect timeout) on a loaded machine.
   */
  public static final long EXIT_WAIT_SECONDS = 60;

  private static final System.Logger LOG = System.getLogger(Threads.class.getName());

  private Threads() {}

  /**
   * Waits, at most {@link #EXIT_WAIT_SECONDS}, until {@code thread} has finished; logs a warning
   * naming it and {@code closing} when it has not. Returns at once for null or the calling thread
   * (a thread closing its own source from a callback finishes after it returns). An interrupt does
   * not cut the wait short; the interrupt flag is set again afterwards.
   *
   * @param thread the thread to wait for; null returns at once
   * @param closing what is being closed, for the warning
   * @return whether the thread has finished
   */
  public static boolean awaitExit(@Nullable Thread thread, String closing) {
    if (thread == null || thread == Thread.currentThread()) {
      return thread == null;
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(EXIT_WAIT_SECONDS);
    boolean interrupted = false;
    try {
      while (thread.isAlive()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          LOG.log(
              System.Logger.Level.WARNING,
              "closing "
                  + closing
                  + ": thread \""
                  + thread.getName()
                  + "\" still runs after "
                  + EXIT_WAIT_SECONDS
                  + " s; going on without it");
          return false;
        }
        try {
          TimeUnit.NANOSECONDS.timedJoin(thread, left);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      return true;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
