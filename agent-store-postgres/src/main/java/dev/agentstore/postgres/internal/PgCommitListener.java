package dev.agentstore.postgres.internal;

import dev.agentstore.CommitEvent;
import dev.agentstore.WakeUpListener;
import dev.agentstore.WakeUpSource;
import dev.agentstore.internal.CommitJson;
import dev.agentstore.internal.WakeUpHub;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Hears every commit to a PostgreSQL store's log, from any process: {@code LISTEN} on the store's
 * channel (see {@link CommitTrigger}) on a dedicated connection, held by a daemon thread that runs
 * only while someone listens. Each notification wakes the listeners with its commit as the hint.
 *
 * <p>The connection reconnects by itself: when it breaks (a server restart, a terminated backend, a
 * network failure, noticed at the latest by a check every few seconds) the thread wakes every
 * listener without a hint (they may have missed notifications), opens a new connection with a
 * growing pause between attempts (at most 2 s), listens again and wakes every listener once more.
 */
public final class PgCommitListener implements WakeUpSource {
  private static final System.Logger LOG = System.getLogger(PgCommitListener.class.getName());
  private static final Optional<CommitEvent> NO_HINT = Optional.empty();
  private static final int RECEIVE_MILLIS = 250;
  private static final long CHECK_NANOS = TimeUnit.SECONDS.toNanos(5);

  /** Opens the dedicated connection. */
  @FunctionalInterface
  public interface Opener {
    Connection open() throws SQLException;
  }

  private final String description;
  private final String logTable;
  private final Opener opener;
  private final WakeUpHub hub;
  private volatile @Nullable Thread thread;
  private volatile long connects;

  /**
   * @param description the store, for log messages
   * @param logTable the qualified log table whose channel to listen on
   * @param opener opens a connection that this listener alone uses
   */
  public PgCommitListener(String description, String logTable, Opener opener) {
    this.description = description;
    this.logTable = logTable;
    this.opener = opener;
    this.hub = new WakeUpHub("the LISTEN connection of " + description, this::start, this::stop);
  }

  @Override
  public Subscription subscribe(WakeUpListener listener) {
    return hub.subscribe(listener);
  }

  /** Stops listening for good. */
  public void close() {
    hub.close();
  }

  /** How many times the connection was (re)opened and listening; for tests and monitoring. */
  public long connects() {
    return connects;
  }

  private void start() {
    Thread started = new Thread(this::run, "agent-store LISTEN of " + description);
    started.setDaemon(true);
    thread = started;
    started.start();
  }

  private void stop() {
    Thread running = thread;
    thread = null;
    if (running != null) {
      LockSupport.unpark(running);
    }
  }

  private void run() {
    Thread self = Thread.currentThread();
    int failures = 0;
    while (thread == self) {
      Connection connection = null;
      try {
        connection = opener.open();
        String channel = listen(connection);
        connects++;
        failures = 0;
        // Commits made before LISTEN took effect were announced to no one.
        hub.wake(NO_HINT);
        receive(self, connection, channel);
      } catch (SQLException | RuntimeException e) {
        failures++;
        LOG.log(
            System.Logger.Level.DEBUG,
            "LISTEN connection of " + description + " failed; reconnecting",
            e);
        hub.wake(NO_HINT);
      } finally {
        closeQuietly(connection);
      }
      if (thread == self && failures > 0) {
        LockSupport.parkNanos(this, Math.min(2_000_000_000L, 50_000_000L << Math.min(failures, 6)));
      }
    }
  }

  private String listen(Connection connection) throws SQLException {
    connection.setAutoCommit(true);
    String channel;
    try (PreparedStatement query = connection.prepareStatement(CommitTrigger.channelQuery())) {
      query.setString(1, logTable);
      try (ResultSet rows = query.executeQuery()) {
        channel = rows.next() ? rows.getString(1) : null;
      }
    }
    if (channel == null) {
      throw new SQLException("no table " + logTable + " yet, so no channel to listen on");
    }
    try (Statement statement = connection.createStatement()) {
      statement.execute("LISTEN " + channel);
    }
    return channel;
  }

  private void receive(Thread self, Connection connection, String channel) throws SQLException {
    PGConnection pg = connection.unwrap(PGConnection.class);
    long nextCheck = System.nanoTime() + CHECK_NANOS;
    while (thread == self) {
      PGNotification[] notifications = pg.getNotifications(RECEIVE_MILLIS);
      if (notifications != null) {
        for (PGNotification notification : notifications) {
          if (channel.equals(notification.getName())) {
            hub.wake(hint(notification.getParameter()));
          }
        }
      }
      if (System.nanoTime() - nextCheck > 0) {
        // A silently dropped connection never delivers again; a round trip finds out.
        try (Statement statement = connection.createStatement()) {
          statement.execute("SELECT 1");
        }
        nextCheck = System.nanoTime() + CHECK_NANOS;
      }
    }
  }

  private Optional<CommitEvent> hint(String payload) {
    try {
      CommitJson.Notice notice = CommitJson.decode(payload);
      if (notice.stream() != null && notice.writer() != null && notice.seq() > 0) {
        return Optional.of(new CommitEvent(notice.stream(), notice.writer(), notice.seq()));
      }
    } catch (IllegalArgumentException e) {
      LOG.log(System.Logger.Level.DEBUG, "unreadable notification on " + description, e);
    }
    return NO_HINT;
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
