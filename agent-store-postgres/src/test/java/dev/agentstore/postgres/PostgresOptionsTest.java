package dev.agentstore.postgres;

import static dev.agentstore.postgres.Failures.chain;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.agentstore.Backend;
import dev.agentstore.RetryableStoreException;
import dev.agentstore.StoreBusyException;
import dev.agentstore.StorePolicy;
import dev.agentstore.WriterLog;
import dev.agentstore.postgres.internal.PostgresDialect;
import dev.agentstore.postgres.internal.ServerAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * What {@link PostgresOptions} promise really happens on the server: timeouts, pool size, release
 * on close; and the other ways in: a caller's {@code DataSource} and a {@code StorePolicy}.
 */
class PostgresOptionsTest {
  @RegisterExtension static final PostgresTestServer pg = new PostgresTestServer();

  private static final long WAIT_SECONDS = 30;

  @Test
  void theStatementTimeoutStopsALongQueryWithARetryableFailure() {
    PostgresBackend db = pg.newBackend(pg.options().withStatementTimeout(Duration.ofMillis(200)));
    assertEquals("200ms", show(db, "statement_timeout"));

    RetryableStoreException failure =
        assertThrows(
            RetryableStoreException.class,
            () -> db.query("SELECT pg_sleep(5)", row -> row.getString(1)));
    assertTrue(failure.getMessage().contains("timed out"), () -> chain(failure));
    assertTrue(failure.getMessage().contains(db.schema()), () -> chain(failure));
    assertTrue(
        failure.getMessage().contains(ServerAddress.of(PostgresTestServer.url())),
        () -> chain(failure));

    RetryableStoreException inWrite =
        assertThrows(
            RetryableStoreException.class,
            () -> db.exec("DO $$ BEGIN PERFORM pg_sleep(5); END $$"));
    assertTrue(inWrite.getMessage().contains("timed out"), () -> chain(inWrite));

    // The backend carries on after a timeout.
    WriterLog.ensureSchema(db);
    assertEquals(1, WriterLog.append(db, "s", "w", new byte[] {1}).seq());
  }

  @Test
  void theLockTimeoutEndsAWaitForAnotherConnectionsLock() throws SQLException {
    PostgresBackend db = pg.newBackend(pg.options().withLockTimeout(Duration.ofMillis(200)));
    assertEquals("200ms", show(db, "lock_timeout"));
    String table = PostgresDialect.quote(db.schema()) + ".locked";
    db.exec("CREATE SCHEMA IF NOT EXISTS " + PostgresDialect.quote(db.schema()));
    db.exec("CREATE TABLE " + table + " (id INTEGER PRIMARY KEY)");

    try (Connection other = PostgresTestServer.adminConnection();
        Statement statement = other.createStatement()) {
      other.setAutoCommit(false);
      statement.execute("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");

      StoreBusyException read =
          assertThrows(
              StoreBusyException.class,
              () -> db.query("SELECT id FROM " + table, row -> row.getLong(1)));
      assertTrue(read.getMessage().contains(db.schema()), () -> chain(read));
      StoreBusyException write =
          assertThrows(
              StoreBusyException.class, () -> db.exec("INSERT INTO " + table + " VALUES (1)"));
      assertTrue(write.getMessage().contains("INSERT INTO"), () -> chain(write));
      other.rollback();
    }
    assertEquals(1, db.exec("INSERT INTO " + table + " VALUES (1)"));
  }

  @Test
  void thePoolNeverOpensMoreThanPoolSizeAndCloseReleasesEveryConnection() throws Exception {
    String application = "agent-store-pool-" + UUID.randomUUID();
    int poolSize = 3;
    PostgresBackend db =
        PostgresBackend.connect(
            withParameter(PostgresTestServer.url(), "ApplicationName=" + application),
            pg.options().withPoolSize(poolSize));
    int most;
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try {
      WriterLog.ensureSchema(db);
      List<Future<?>> work = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        String writer = "w" + t;
        work.add(
            threads.submit(
                () -> {
                  for (int i = 0; i < 15; i++) {
                    WriterLog.append(db, "pool", writer, ("" + i).getBytes(StandardCharsets.UTF_8));
                    WriterLog.append(db, "pool", "shared", writer.getBytes(StandardCharsets.UTF_8));
                    db.query("SELECT pg_sleep(0.01)", row -> row.getString(1));
                  }
                  return null;
                }));
      }
      most = 0;
      try (Connection admin = PostgresTestServer.adminConnection()) {
        while (!work.stream().allMatch(Future::isDone)) {
          most = Math.max(most, connections(admin, application));
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
      }
      for (Future<?> done : work) {
        done.get(WAIT_SECONDS, TimeUnit.SECONDS);
      }
      assertEquals(8 * 15, WriterLog.verify(db, "pool", "shared").orElseThrow().seq());
    } finally {
      threads.shutdownNow();
      db.close();
    }
    System.out.printf("pool of %d: at most %d server connections seen%n", poolSize, most);
    assertTrue(most >= 1 && most <= poolSize, "connections seen: " + most);
    try (Connection admin = PostgresTestServer.adminConnection()) {
      assertEquals(0, awaitConnections(admin, application, 0));
    }
  }

  @Test
  void aCallersDataSourceIsUsedWithItsOwnSettingsAndNeverClosed() throws Exception {
    PGSimpleDataSource simple = new PGSimpleDataSource();
    // The caller's connections keep the caller's settings; the options' timeouts are for the
    // backend's own pool.
    simple.setURL(withParameter(PostgresTestServer.url(), "options=-c%20statement_timeout%3D1500"));
    PostgresOptions options = pg.options().withStatementTimeout(Duration.ofMillis(200));
    try (PostgresBackend db = PostgresBackend.fromDataSource(simple, options)) {
      assertTrue(db.describe().contains(ServerAddress.of(PostgresTestServer.url())), db.describe());
      assertEquals("1500ms", show(db, "statement_timeout"));
      WriterLog.ensureSchema(db);
      WriterLog.append(db, "ds", "w", new byte[] {1});
      assertEquals(1, WriterLog.verify(db, "ds", "w").orElseThrow().seq());
    }
    assertEquals(1, count("SELECT count(*) FROM " + logOf(options.schema())));

    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(PostgresTestServer.url());
    config.setMaximumPoolSize(2);
    try (HikariDataSource callers = new HikariDataSource(config)) {
      PostgresBackend db = PostgresBackend.fromDataSource(callers, options);
      WriterLog.append(db, "ds", "w", new byte[] {2});
      db.close();
      assertFalse(callers.isClosed());
      try (Connection still = callers.getConnection();
          Statement statement = still.createStatement();
          ResultSet rows = statement.executeQuery("SELECT count(*) FROM " + logOf(db.schema()))) {
        assertTrue(rows.next());
        assertEquals(2, rows.getLong(1));
      }
    }
  }

  @Test
  void aPostgresPolicyOpensAPostgresBackendWithItsSchemaAndPool() {
    String schema = pg.newSchema();
    String toml =
        String.join(
            "\n",
            "[store]",
            "backend = \"postgres\"",
            "url = \"" + PostgresTestServer.url() + "\"",
            "schema = \"" + schema + "\"",
            "pool_size = 3",
            "statement_timeout_ms = 1500",
            "lock_timeout_ms = 700",
            "commit_notifications = false",
            "");
    try (Backend opened = StorePolicy.parse(toml).open()) {
      PostgresBackend db = assertInstanceOf(PostgresBackend.class, opened);
      assertEquals(schema, db.schema());
      assertEquals(3, db.options().poolSize());
      assertFalse(db.options().commitNotifications());
      assertEquals("1500ms", show(db, "statement_timeout"));
      assertEquals("700ms", show(db, "lock_timeout"));
      WriterLog.ensureSchema(db);
      WriterLog.append(db, "policy", "w", new byte[] {7});
      assertEquals(List.of("policy"), WriterLog.streams(db));
    }
    assertEquals(1, count("SELECT count(*) FROM " + logOf(schema)));
    assertEquals(
        0,
        count(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = '"
                + logOf(schema)
                + "'::regclass AND NOT tgisinternal"),
        "commit_notifications = false: no trigger");
  }

  // ---------------------------------------------------------------- helpers

  private static String show(Backend db, String setting) {
    return db.queryOne("SHOW " + setting, row -> row.getString(1)).orElseThrow();
  }

  private static String logOf(String schema) {
    return PostgresDialect.quote(schema) + "._agent_store_log";
  }

  private static long count(String sql) {
    try (Connection admin = PostgresTestServer.adminConnection();
        Statement statement = admin.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int connections(Connection admin, String application) throws SQLException {
    try (PreparedStatement statement =
        admin.prepareStatement(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = ?")) {
      statement.setString(1, application);
      try (ResultSet rows = statement.executeQuery()) {
        rows.next();
        return rows.getInt(1);
      }
    }
  }

  /** Polls (bounded) until {@code expected} connections remain; returns the last count seen. */
  private static int awaitConnections(Connection admin, String application, int expected)
      throws SQLException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    int seen = connections(admin, application);
    while (seen != expected && System.nanoTime() < deadline) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      seen = connections(admin, application);
    }
    return seen;
  }

  /** {@code url} with one more query parameter. */
  static String withParameter(String url, String parameter) {
    return url + (url.contains("?") ? "&" : "?") + parameter;
  }
}
