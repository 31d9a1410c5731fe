package dev.agentstore.sqlite.internal;

import dev.agentstore.CommitEvent;
import dev.agentstore.WakeUpListener;
import dev.agentstore.WakeUpSource;
import dev.agentstore.internal.ThreadMaker;
import dev.agentstore.spi.WakeUpHub;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * Hears commits to a SQLite file by any connection, another process's included: {@code PRAGMA
 * data_version} on a dedicated read connection changes whenever another connection has committed.
 * Checked every interval on a daemon thread that runs only while someone listens; closing the last
 * subscription returns once that thread has closed its connection. The pragma reads the WAL index
 * and takes no lock a writer waits for, so checking never slows writers down.
 *
 * <p>Wakes carry no hint (the pragma does not say what changed), and one more is sent each time the
 * watcher (re)opens its connection, since a commit just before that point would otherwise go
 * unnoticed.
 */
final class DataVersionWatcher implements WakeUpSource {
  private static final System.Logger LOG = System.getLogger(DataVersionWatcher.class.getName());
  private static final Optional<CommitEvent> NO_HINT = Optional.empty();

  /** Opens a read-only connection to the file. */
  @FunctionalInterface
  interface Opener {
    Connection open() throws SQLException;
  }

  private final String description;
  private final long intervalNanos;
  private final Opener opener;
  private final WakeUpHub hub;
  private final ThreadMaker threads;
  private volatile @Nullable Thread thread;

  DataVersionWatcher(String description, Duration interval, Opener opener, ThreadMaker threads) {
    this.threads = threads;
    this.description = description;
    this.intervalNanos = interval.toNanos();
    this.opener = opener;
    this.hub = new WakeUpHub("the data_version watcher of " + description, this::start, this::stop);
  }

  @Override
  public Subscription subscribe(WakeUpListener listener) {
    return hub.subscribe(listener);
  }

  /**
   * Stops watching for good, once the thread has closed its connection: a read-only connection
   * closing after the writer would leave the {@code -wal} and {@code -shm} files behind, or reopen
   * them after the store was closed.
   */
  void close() {
    hub.close();
  }

  private void start() {
    Thread started = threads.make(this::run, "agent-store data_version watcher of " + description);
    thread = started;
    started.start();
  }

  private @Nullable Thread stop() {
    Thread running = thread;
    thread = null;
    if (running != null) {
      LockSupport.unpark(running);
    }
    return running;
  }

  private void run() {
    Thread self = Thread.currentThread();
    Connection connection = null;
    PreparedStatement check = null;
    long seen = 0;
    int failures = 0;
    try {
      while (thread == self) {
        try {
          if (connection == null) {
            connection = opener.open();
            check = connection.prepareStatement("PRAGMA data_version");
            seen = dataVersion(check);
            hub.wake(NO_HINT);
          } else {
            long version = dataVersion(check);
            if (version != seen) {
              seen = version;
              hub.wake(NO_HINT);
            }
          }
          failures = 0;
        } catch (SQLException e) {
          failures++;
          LOG.log(
              System.Logger.Level.DEBUG,
              "checking data_version of " + description + " failed; reopening",
              e);
          closeQuietly(connection);
          connection = null;
          check = null;
          hub.wake(NO_HINT);
        }
        // The check interval, growing while the file cannot be read (at most 1 s between tries).
        long pause = failures == 0 ? intervalNanos : Math.max(intervalNanos, backoff(failures));
        LockSupport.parkNanos(this, pause);
      }
    } finally {
      closeQuietly(connection);
    }
  }

  private static long backoff(int failures) {
    return Math.min(1_000_000_000L, 10_000_000L << Math.min(failures, 7));
  }

  private static long dataVersion(PreparedStatement check) throws SQLException {
    try (ResultSet rows = check.executeQuery()) {
      return rows.next() ? rows.getLong(1) : 0;
    }
  }

  private static void closeQuietly(@Nullable Connection connection) {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // The connection is dropped either way.
      }
    }
  }
}
