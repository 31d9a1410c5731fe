package dev.agentstore.postgres.internal;

import dev.agentstore.CommitEvent;
import dev.agentstore.InvalidInputException;
import dev.agentstore.StoreListener;
import dev.agentstore.WakeUpListener;
import dev.agentstore.WakeUpSource;
import dev.agentstore.internal.ThreadMaker;
import dev.agentstore.spi.CommitJson;
import dev.agentstore.spi.Threads;
import dev.agentstore.spi.WakeUpHub;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Hears every commit to a PostgreSQL store's log, from any process: {@code LISTEN} on the store's
 * channel (see {@link CommitTrigger}) on a dedicated connection, held by a daemon thread that runs
 * only while someone listens (closing the last subscription returns once it has finished). Each
 * notification wakes the listeners with its commit as the hint.
 *
 * <p>After {@code LISTEN} the connection registers its backend in the store's listeners table (the
 * trigger notifies only while that table holds a row), deletes the rows of listeners that are gone,
 * and wakes every listener, who then read the store: a commit after the registration is announced,
 * one before it is found by that read. Transactions that ran the trigger before the registration
 * and were still open are watched for a few seconds, and the listeners are woken again once they
 * ended. When the thread stops, the connection deletes its row. A user who may not write the table
 * keeps listening, and is warned once that appends may then go unannounced: followers rely on their
 * poll interval.
 *
 * <p>The connection reconnects by itself: when it breaks (a server restart, a terminated backend, a
 * network failure, noticed at the latest by a check every few seconds) the thread wakes every
 * listener without a hint (they may have missed notifications), opens a new connection with a
 * growing pause between attempts (at most 2 s), listens and registers again, deletes the row of the
 * broken connection and wakes every listener once more.
 */
public final class PgCommitListener implements WakeUpSource {
  private static final System.Logger LOG = System.getLogger(PgCommitListener.class.getName());
  private static final Optional<CommitEvent> NO_HINT = Optional.empty();
  private static final int RECEIVE_MILLIS = 250;
  private static final int IN_FLIGHT_CHECK_MILLIS = 25;
  private static final long IN_FLIGHT_NANOS = TimeUnit.SECONDS.toNanos(5);
  private static final long CHECK_NANOS = TimeUnit.SECONDS.toNanos(5);

  /** Opens the dedicated connection. */
  @FunctionalInterface
  public interface Opener {
    Connection open() throws SQLException;
  }

  private final String description;
  private final String logTable;
  private final String listenersTable;
  private final Opener opener;
  private final WakeUpHub hub;
  private final ThreadMaker threads;
  private final AtomicBoolean warned = new AtomicBoolean();
  private volatile @Nullable Thread thread;
  private volatile long connects;
  private final StoreListener reconnects;

  /**
   * @param description the store, for log messages
   * @param logTable the qualified log table whose channel to listen on
   * @param listenersTable the qualified table in which to register
   * @param opener opens a connection that this listener alone uses
   * @param reconnects told when the connection is back after it broke
   * @param threads where the listening thread comes from
   */
  public PgCommitListener(
      String description,
      String logTable,
      String listenersTable,
      Opener opener,
      StoreListener reconnects,
      ThreadMaker threads) {
    this.reconnects = reconnects;
    this.threads = threads;
    this.description = description;
    this.logTable = logTable;
    this.listenersTable = listenersTable;
    this.opener = opener;
    this.hub = new WakeUpHub("the LISTEN connection of " + description, this::start, this::stop);
  }

  @Override
  public Subscription subscribe(WakeUpListener listener) {
    return hub.subscribe(listener);
  }

  /**
   * Stops listening for good; returns once the thread has deleted its row from the listeners table
   * and closed the connection (waiting at most {@link Threads#EXIT_WAIT_SECONDS}, then logging a
   * warning). Closing the last subscription waits the same way.
   */
  public void close() {
    hub.close();
  }

  /**
   * How many times the connection was (re)opened, listening and (when allowed) registered; for
   * tests and monitoring.
   */
  public long connects() {
    return connects;
  }

  private void start() {
    Thread started = threads.make(this::run, "agent-store LISTEN of " + description);
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
    int failures = 0;
    // The registered pid of a connection that broke: its backend may outlive it for a while.
    int previousPid = 0;
    // When the connection broke (System.nanoTime()); 0 while it has not.
    long lostAt = 0;
    while (thread == self) {
      Connection connection = null;
      try {
        connection = opener.open();
        if (thread != self) {
          // Closed while connecting: a registration now would outlive the backend.
          break;
        }
        String channel = listen(connection);
        if (thread != self) {
          break;
        }
        int pid = register(connection, previousPid);
        previousPid = pid;
        List<String> inFlight = pid == 0 ? List.of() : inFlight(connection);
        connects++;
        failures = 0;
        if (lostAt != 0) {
          long down = System.nanoTime() - lostAt;
          lostAt = 0;
          LOG.log(
              System.Logger.Level.DEBUG,
              () ->
                  "LISTEN connection of "
                      + description
                      + " is back after "
                      + TimeUnit.NANOSECONDS.toMillis(down)
                      + " ms; waking its followers to catch up");
          reconnects.onReconnect(
              new StoreListener.Reconnect("the LISTEN connection of " + description, down));
        }
        // Commits made before the registration took effect were announced to no one.
        hub.wake(NO_HINT);
        receive(self, connection, channel, inFlight);
        stopListening(connection, channel, pid != 0);
        previousPid = 0;
      } catch (SQLException | RuntimeException e) {
        failures++;
        if (lostAt == 0) {
          lostAt = System.nanoTime();
        }
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
    // Each statement commits by itself: the registration is seen by every append that starts
    // after it, whatever isolation the connection's sessions default to.
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

  /**
   * Deletes the rows of listeners that are gone (and of {@code previousPid}), then registers this
   * connection's backend; returns its pid, or 0 when the server refused the registration.
   */
  private int register(Connection connection, int previousPid) throws SQLException {
    @Nullable SQLException purgeRefused = null;
    try (PreparedStatement purge =
        connection.prepareStatement(CommitTrigger.purge(listenersTable))) {
      purge.setInt(1, previousPid);
      purge.executeUpdate();
    } catch (SQLException e) {
      if (!refused(e)) {
        throw e;
      }
      purgeRefused = e;
    }
    try (Statement statement = connection.createStatement()) {
      statement.executeUpdate(CommitTrigger.register(listenersTable));
    } catch (SQLException e) {
      if (!refused(e)) {
        throw e;
      }
      warnOnce(
          "cannot register the LISTEN connection of "
              + description
              + " in "
              + listenersTable
              + " ("
              + reason(e)
              + "): appends are announced only while another listener is registered, and"
              + " followers otherwise rely on their poll interval; grant INSERT and DELETE on "
              + listenersTable
              + " to this user");
      return 0;
    }
    if (purgeRefused != null) {
      warnOnce(
          "cannot delete the rows of listeners that are gone from "
              + listenersTable
              + " for "
              + description
              + " ("
              + reason(purgeRefused)
              + "): appends keep being announced while they stay; grant DELETE on "
              + listenersTable
              + " to this user");
    }
    return connection.unwrap(PGConnection.class).getBackendPID();
  }

  /**
   * Deletes this connection's row and ends its {@code LISTEN} (a caller's pool may keep the
   * connection). Best effort: the row of a backend that is gone is deleted by the next listener
   * that starts.
   */
  private void stopListening(Connection connection, String channel, boolean registered) {
    try (Statement statement = connection.createStatement()) {
      if (registered) {
        statement.executeUpdate(CommitTrigger.unregister(listenersTable));
      }
      statement.execute("UNLISTEN " + channel);
    } catch (SQLException e) {
      LOG.log(
          System.Logger.Level.DEBUG,
          "cannot unregister the LISTEN connection of " + description + " from " + listenersTable,
          e);
    }
  }

  private List<String> inFlight(Connection connection) throws SQLException {
    List<String> transactions = new ArrayList<>();
    try (PreparedStatement query = connection.prepareStatement(CommitTrigger.inFlight())) {
      query.setString(1, logTable);
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          transactions.add(rows.getString(1));
        }
      }
    }
    return transactions;
  }

  private boolean stillInFlight(Connection connection, List<String> transactions)
      throws SQLException {
    try (PreparedStatement query = connection.prepareStatement(CommitTrigger.stillInFlight())) {
      query.setString(1, logTable);
      query.setArray(2, connection.createArrayOf("text", transactions.toArray()));
      try (ResultSet rows = query.executeQuery()) {
        return rows.next() && rows.getLong(1) > 0;
      }
    }
  }

  private void receive(Thread self, Connection connection, String channel, List<String> inFlight)
      throws SQLException {
    PGConnection pg = connection.unwrap(PGConnection.class);
    long nextCheck = System.nanoTime() + CHECK_NANOS;
    boolean watching = !inFlight.isEmpty();
    long watchUntil = System.nanoTime() + IN_FLIGHT_NANOS;
    while (thread == self) {
      PGNotification[] notifications =
          pg.getNotifications(watching ? IN_FLIGHT_CHECK_MILLIS : RECEIVE_MILLIS);
      if (notifications != null) {
        for (PGNotification notification : notifications) {
          if (channel.equals(notification.getName())) {
            hub.wake(hint(notification.getParameter()));
          }
        }
      }
      if (watching && !stillInFlight(connection, inFlight)) {
        // Their commits may have gone unannounced; the listeners read them now.
        watching = false;
        hub.wake(NO_HINT);
      } else if (watching && System.nanoTime() - watchUntil > 0) {
        // A transaction left open for long: the followers' poll interval covers it.
        watching = false;
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
    } catch (InvalidInputException e) {
      LOG.log(System.Logger.Level.DEBUG, "unreadable notification on " + description, e);
    }
    return NO_HINT;
  }

  private void warnOnce(String message) {
    if (warned.compareAndSet(false, true)) {
      LOG.log(System.Logger.Level.WARNING, message);
    }
  }

  /**
   * Whether the server refused a statement on the listeners table for what it is (no privilege, no
   * such table, a read-only session) rather than because the connection failed.
   */
  private static boolean refused(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.startsWith("42") || state.startsWith("25"));
  }

  private static String reason(SQLException e) {
    String hint =
        "42P01".equals(e.getSQLState())
            ? "; WriterLog.ensureSchema creates it when run by a user who may"
            : "";
    return e.getMessage() + " [SQLState " + e.getSQLState() + "]" + hint;
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
