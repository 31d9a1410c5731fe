package dev.agentstore.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.WakeUpSource;
import dev.agentstore.WriterLog;
import dev.agentstore.postgres.internal.PostgresDialect;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The switch that turns the announcing trigger on and off decides on what committed before it, even
 * where sessions default to REPEATABLE READ: an unregistration that waited behind a registration
 * must see it and leave the trigger on.
 */
class PostgresListenerIsolationTest {
  @RegisterExtension static final PostgresTestServer pg = new PostgresTestServer();

  private static final long WAIT_SECONDS = 60;

  @Test
  void anUnregistrationUnderRepeatableReadSeesARegistrationThatCommittedWhileItWaited()
      throws Exception {
    String schema = pg.newSchema();
    String url =
        PostgresTestServer.url()
            + "&options=-c%20default_transaction_isolation%3Drepeatable%5C%20read";
    PostgresBackend db = PostgresBackend.connect(url, pg.options().withSchema(schema));
    try {
      WriterLog.ensureSchema(db);
      String listeners = PostgresDialect.quote(schema) + "._agent_store_listeners";
      CountDownLatch listening = new CountDownLatch(1);
      WakeUpSource.Subscription subscription =
          db.storeWakeUps().subscribe(hint -> listening.countDown());
      assertTrue(listening.await(WAIT_SECONDS, TimeUnit.SECONDS), "the LISTEN connection woke");
      assertEquals("O", triggerState(schema));
      long listenerPid = count("SELECT min(pid) FROM " + listeners);

      try (Connection other = PostgresTestServer.adminConnection();
          Statement sql = other.createStatement()) {
        // Another listener registers and holds the switch's lock until it commits.
        other.setAutoCommit(false);
        sql.executeUpdate("INSERT INTO " + listeners + " (pid) VALUES (pg_backend_pid())");
        // The backend's listener unregisters; its switch waits for that lock.
        subscription.close();
        awaitCount(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND pid = " + listenerPid,
            1,
            "the unregistering switch waiting for the lock");
        other.commit();
        other.setAutoCommit(true);
        awaitListenerRows(listeners, 1);
        // One listener is registered, so the trigger must be on.
        assertEquals("O", triggerState(schema));
        sql.executeUpdate("DELETE FROM " + listeners + " WHERE pid = pg_backend_pid()");
      }
    } finally {
      db.close();
    }
  }

  private static String triggerState(String schema) throws SQLException {
    try (Connection admin = PostgresTestServer.adminConnection();
        Statement sql = admin.createStatement();
        ResultSet rows =
            sql.executeQuery(
                "SELECT tgenabled FROM pg_trigger WHERE tgname = '_agent_store_announce'"
                    + " AND tgrelid = to_regclass('"
                    + PostgresDialect.quote(schema).replace("'", "''")
                    + "._agent_store_log')")) {
      assertTrue(rows.next(), "the trigger exists");
      return rows.getString(1);
    }
  }

  private static long count(String query) throws SQLException {
    try (Connection admin = PostgresTestServer.adminConnection();
        Statement sql = admin.createStatement();
        ResultSet rows = sql.executeQuery(query)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  private static void awaitListenerRows(String listeners, long rows)
      throws SQLException, InterruptedException {
    awaitCount("SELECT count(*) FROM " + listeners, rows, "listener rows");
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
          long count = rows.getLong(1);
          if (count == expected) {
            return;
          }
        }
        assertTrue(System.nanoTime() < deadline, () -> what + ": expected " + expected);
        Thread.sleep(10);
      }
    }
  }
}
