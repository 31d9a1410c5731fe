package dev.agentstore.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.agentstore.Entry;
import dev.agentstore.FollowOptions;
import dev.agentstore.Follower;
import dev.agentstore.WriterLog;
import dev.agentstore.internal.JdbcBackend;
import dev.agentstore.postgres.internal.PgCommitListener;
import dev.agentstore.postgres.internal.PostgresDialect;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Notifications do not depend on the isolation level that the caller's connections default to: on a
 * pool whose connections run REPEATABLE READ, a registered listener hears every append, also after
 * another listener left while a third registered.
 */
class PostgresListenerIsolationTest {
  @RegisterExtension static final PostgresTestServer pg = new PostgresTestServer();

  private static final long WAIT_SECONDS = 60;

  @Test
  void onAPoolThatDefaultsToRepeatableReadARegisteredListenerHearsEveryAppend() throws Exception {
    String schema = pg.newSchema();
    PostgresOptions options = pg.options().withSchema(schema);
    String listeners = PostgresDialect.quote(schema) + "._agent_store_listeners";
    try (HikariDataSource writers = repeatableRead();
        HikariDataSource followers = repeatableRead();
        PostgresBackend writer = PostgresBackend.fromDataSource(writers, options);
        PostgresBackend db = PostgresBackend.fromDataSource(followers, options)) {
      WriterLog.ensureSchema(writer);
      FollowOptions noPoll = FollowOptions.defaults().withPollInterval(Duration.ofHours(1));
      try (Follower follower = WriterLog.follow(db, "conv", "alice", 0, noPoll)) {
        awaitRegistered(db);
        Entry first = WriterLog.append(writer, "conv", "alice", utf8("one"));
        assertEquals(Optional.of(first), follower.poll(Duration.ofSeconds(WAIT_SECONDS)));
      }

      // A listener on the caller's REPEATABLE READ pool leaves while another registers in a
      // transaction that commits meanwhile: the other one must hear the appends that follow.
      try (Connection registering = PostgresTestServer.adminConnection();
          Connection leaving = writers.getConnection()) {
        try (Statement sql = leaving.createStatement();
            ResultSet rows = sql.executeQuery("SHOW transaction_isolation")) {
          assertTrue(rows.next());
          assertEquals("repeatable read", rows.getString(1), "the pool's isolation");
        }
        register(leaving, listeners);
        try (Statement listen = registering.createStatement()) {
          listen.execute("LISTEN " + db.notificationChannel());
        }
        registering.setAutoCommit(false);
        register(registering, listeners);
        int leavingPid = leaving.unwrap(PGConnection.class).getBackendPID();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
          Future<Integer> left =
              pool.submit(
                  () -> {
                    try (Statement sql = leaving.createStatement()) {
                      return sql.executeUpdate(
                          "DELETE FROM " + listeners + " WHERE pid = pg_backend_pid()");
                    }
                  });
          awaitDoneOrWaiting(left, leavingPid);
          registering.commit();
          assertEquals(1, left.get(WAIT_SECONDS, TimeUnit.SECONDS), "its row deleted");
        } finally {
          pool.shutdownNow();
        }
        registering.setAutoCommit(true);
        awaitCount("SELECT count(*) FROM " + listeners, 1, "one listener row");
        Entry second = WriterLog.append(writer, "conv", "alice", utf8("two"));
        assertEquals(second.seq(), seqOf(registering.unwrap(PGConnection.class)), "announced");
        try (Statement sql = registering.createStatement()) {
          sql.executeUpdate("DELETE FROM " + listeners + " WHERE pid = pg_backend_pid()");
        }
      }
    }
  }

  private static void register(Connection connection, String listeners) throws SQLException {
    try (Statement sql = connection.createStatement()) {
      sql.executeUpdate("INSERT INTO " + listeners + " (pid) VALUES (pg_backend_pid())");
    }
  }

  /** Waits until {@code call} is done or the backend {@code pid} waits for a lock. */
  private static void awaitDoneOrWaiting(Future<?> call, int pid)
      throws SQLException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    try (Connection admin = PostgresTestServer.adminConnection();
        Statement sql = admin.createStatement()) {
      while (!call.isDone()) {
        try (ResultSet rows =
            sql.executeQuery("SELECT count(*) FROM pg_locks WHERE NOT granted AND pid = " + pid)) {
          rows.next();
          if (rows.getLong(1) > 0) {
            return;
          }
        }
        assertTrue(System.nanoTime() < deadline, "the DELETE done or waiting");
        Thread.sleep(10);
      }
    }
  }

  private static HikariDataSource repeatableRead() {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(PostgresTestServer.url());
    config.setMaximumPoolSize(3);
    config.setTransactionIsolation("TRANSACTION_REPEATABLE_READ");
    return new HikariDataSource(config);
  }

  /** Waits until {@code db}'s LISTEN connection has listened and registered. */
  private static void awaitRegistered(PostgresBackend db) throws InterruptedException {
    PgCommitListener source = (PgCommitListener) JdbcBackend.of(db).storeWakeUps();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (source.connects() == 0) {
      assertTrue(System.nanoTime() < deadline, "the LISTEN connection registered");
      Thread.sleep(10);
    }
  }

  /** The {@code seq} of the first notification that arrives on {@code listener}. */
  private static long seqOf(PGConnection listener) throws Exception {
    PGNotification[] batch =
        listener.getNotifications((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
    assertTrue(batch != null && batch.length > 0, "a notification");
    return new ObjectMapper().readTree(batch[0].getParameter()).get("seq").asLong();
  }

  /** Polls {@code query} until it counts {@code expected}; a generous deadline, not a timing. */
  private static void awaitCount(String query, long expected, String what)
      throws SQLException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    try (Connection admin = PostgresTestServer.adminConnection();
        Statement sql = admin.createStatement()) {
      while (true) {
        try (ResultSet rows = sql.executeQuery(query)) {
          rows.next();
          if (rows.getLong(1) == expected) {
            return;
          }
        }
        assertTrue(System.nanoTime() < deadline, () -> what + ": expected " + expected);
        Thread.sleep(10);
      }
    }
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
