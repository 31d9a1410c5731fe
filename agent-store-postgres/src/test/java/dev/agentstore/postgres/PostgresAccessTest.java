package dev.agentstore.postgres;

import static dev.agentstore.postgres.Failures.assertNamesWithoutSecret;
import static dev.agentstore.postgres.Failures.chain;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.Entry;
import dev.agentstore.FollowOptions;
import dev.agentstore.Follower;
import dev.agentstore.Generation;
import dev.agentstore.StoreException;
import dev.agentstore.StoreOpenException;
import dev.agentstore.StorePolicy;
import dev.agentstore.WakeUpSource;
import dev.agentstore.WriterLog;
import dev.agentstore.internal.JdbcBackend;
import dev.agentstore.postgres.internal.PgCommitListener;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Logins and privileges on a private server with password authentication: a wrong password and a
 * user who may not create the schema are refused clearly, and no message shows a password; a user
 * who may only append still appends and follows.
 */
class PostgresAccessTest {
  private static final String PASSWORD = "Right-Horse-Battery-9";
  private static final String WRONG = "Wrong-Staple-Sw0rdfish-7";
  private static final PostgresOptions QUICK =
      PostgresOptions.defaults().withPoolSize(2).withConnectTimeout(Duration.ofMillis(1_000));

  private static PrivatePostgres server;

  // Started by the first test rather than in @BeforeAll, so that missing binaries skip each test
  // with the reason (a class-level skip is not reported by the build).
  @BeforeEach
  void startServer() {
    if (server != null) {
      return;
    }
    PrivatePostgres started = PrivatePostgres.start();
    try {
      started.execute(
          "CREATE ROLE agent LOGIN PASSWORD '" + PASSWORD + "'",
          "CREATE ROLE limited LOGIN PASSWORD '" + PASSWORD + "'",
          // Operator-made schemas: one the limited user may create tables in, one it may only use.
          "CREATE SCHEMA fleet_granted",
          "GRANT USAGE, CREATE ON SCHEMA fleet_granted TO limited",
          "CREATE SCHEMA fleet_read",
          "GRANT USAGE ON SCHEMA fleet_read TO limited");
    } catch (RuntimeException e) {
      started.close();
      throw e;
    }
    server = started;
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void theRightPasswordLogsIn() {
    try (PostgresBackend db =
        PostgresBackend.connect(
            server.url("postgres", "user=agent&password=" + PASSWORD),
            QUICK.withSchema("agent_ok"))) {
      assertEquals(
          "agent", db.queryOne("SELECT current_user", row -> row.getString(1)).orElseThrow());
      assertTrue(!db.describe().contains(PASSWORD), db.describe());
    }
  }

  @Test
  void aWrongPasswordIsAnOpenFailureThatNeverShowsIt() {
    String url = server.url("postgres", "user=agent&password=" + WRONG);
    StoreOpenException failure =
        assertThrows(StoreOpenException.class, () -> PostgresBackend.connect(url, QUICK).close());
    assertNamesWithoutSecret(failure, server.address("postgres"), WRONG);
    Failures.assertNoSecret(failure, PASSWORD);
    assertTrue(failure.getMessage().contains("refused the login"), () -> chain(failure));
  }

  @Test
  void aWrongPasswordInAPolicyIsAnOpenFailureThatNeverShowsIt() {
    String toml =
        "[store]\nbackend = \"postgres\"\nconnect_timeout_ms = 1000\nurl = \""
            + server.url("postgres", "user=agent&password=" + WRONG)
            + "\"\n";
    StoreOpenException failure =
        assertThrows(StoreOpenException.class, () -> StorePolicy.parse(toml).open().close());
    assertNamesWithoutSecret(failure, server.address("postgres"), WRONG);
  }

  @Test
  void aSchemaTheUserMayNotCreateIsAnOpenFailureNamingIt() {
    String url = server.url("postgres", "user=limited&password=" + PASSWORD);
    try (PostgresBackend db = PostgresBackend.connect(url, QUICK.withSchema("fleet_forbidden"))) {
      for (Executable ensure :
          List.<Executable>of(
              () -> WriterLog.ensureSchema(db), () -> Generation.ensureSchema(db))) {
        StoreOpenException failure = assertThrows(StoreOpenException.class, ensure);
        assertNamesWithoutSecret(failure, server.address("postgres"), PASSWORD);
        assertTrue(failure.getMessage().contains("schema fleet_forbidden"), () -> chain(failure));
        assertTrue(failure.getMessage().contains("permission denied"), () -> chain(failure));
      }
    }
    assertEquals(
        List.of(),
        server.query("SELECT nspname FROM pg_namespace WHERE nspname = 'fleet_forbidden'"));
  }

  @Test
  void aSchemaTheUserMayOnlyUseIsAnOpenFailureNamingIt() {
    String url = server.url("postgres", "user=limited&password=" + PASSWORD);
    try (PostgresBackend db = PostgresBackend.connect(url, QUICK.withSchema("fleet_read"))) {
      StoreOpenException failure =
          assertThrows(StoreOpenException.class, () -> WriterLog.ensureSchema(db));
      assertTrue(failure.getMessage().contains("schema fleet_read"), () -> chain(failure));
      assertTrue(failure.getMessage().contains("permission denied"), () -> chain(failure));
    }
  }

  @Test
  void aUserLimitedToAnExistingSchemaCanUseIt() {
    String url = server.url("postgres", "user=limited&password=" + PASSWORD);
    try (PostgresBackend db = PostgresBackend.connect(url, QUICK.withSchema("fleet_granted"))) {
      WriterLog.ensureSchema(db);
      Generation.ensureSchema(db);
      WriterLog.ensureSchema(db);
      assertEquals(1, WriterLog.append(db, "s", "w", new byte[] {1}).seq());
      assertEquals(1, new Generation("epoch").bump(db));
      assertEquals(1, WriterLog.verify(db, "s", "w").orElseThrow().seq());
    }
  }

  @Test
  void aUserWhoMayOnlyAppendFollowsByPollingAfterOneWarningAndAppendsWhileOthersListen()
      throws Exception {
    String url = server.url("postgres", "user=limited&password=" + PASSWORD);
    FollowOptions noPoll = FollowOptions.defaults().withPollInterval(Duration.ofHours(1));
    FollowOptions polling = FollowOptions.defaults().withPollInterval(Duration.ofMillis(100));
    Logger log = Logger.getLogger(PgCommitListener.class.getName());
    List<String> warnings = new CopyOnWriteArrayList<>();
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            if (record.getLevel() == Level.WARNING) {
              warnings.add(record.getMessage());
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    log.addHandler(capture);
    try (PostgresBackend operator = PostgresBackend.connect(server.url(), QUICK.withSchema("ops"));
        PostgresBackend agent = PostgresBackend.connect(url, QUICK.withSchema("ops"))) {
      WriterLog.ensureSchema(operator);
      server.execute(
          "GRANT USAGE ON SCHEMA ops TO limited",
          "GRANT SELECT, INSERT ON ops._agent_store_log TO limited");

      // No one may register, so no append is announced: the agent's followers poll. Each round
      // starts the LISTEN connection anew, which tries to register again.
      PgCommitListener source = (PgCommitListener) JdbcBackend.of(agent).storeWakeUps();
      for (int round = 1; round <= 2; round++) {
        CountDownLatch listening = new CountDownLatch(1);
        WakeUpSource.Subscription subscription = source.subscribe(hint -> listening.countDown());
        try (Follower polled = WriterLog.follow(agent, "s", "w", round - 1, polling)) {
          assertTrue(listening.await(30, TimeUnit.SECONDS), "the LISTEN connection woke");
          Entry entry = WriterLog.append(operator, "s", "w", new byte[] {(byte) round});
          assertEquals(Optional.of(entry), polled.poll(Duration.ofSeconds(30)));
        } finally {
          subscription.close();
        }
      }
      assertEquals(2, source.connects(), "listened twice");
      assertEquals(List.of(), server.query("SELECT pid FROM ops._agent_store_listeners"));
      assertEquals(1, warnings.size(), () -> "warned once: " + warnings);
      assertTrue(
          warnings.get(0).contains("\"ops\"._agent_store_listeners")
              && warnings.get(0).contains("grant INSERT and DELETE"),
          warnings.get(0));

      // The trigger reads the listeners table with the appender's privileges.
      try (Follower heard = WriterLog.follow(operator, "s", "w", 2, noPoll)) {
        Entry entry = WriterLog.append(agent, "s", "w", new byte[] {3});
        assertEquals(3, entry.seq());
        assertEquals(Optional.of(entry), heard.poll(Duration.ofSeconds(30)));
      }
    } finally {
      log.removeHandler(capture);
    }
  }

  @Test
  void aRoleThatMayOnlySelectReadsVerifiesAndListsTheStore() {
    Entry last = null;
    try (PostgresBackend operator =
        PostgresBackend.connect(server.url(), QUICK.withSchema("audited"))) {
      WriterLog.ensureSchema(operator);
      Generation.ensureSchema(operator);
      for (int i = 1; i <= 3; i++) {
        last = WriterLog.append(operator, "s", "w", new byte[] {(byte) i});
      }
      new Generation("epoch").bump(operator);
    }
    server.execute(
        "CREATE ROLE auditor LOGIN PASSWORD '" + PASSWORD + "'",
        "GRANT USAGE ON SCHEMA audited TO auditor",
        "GRANT SELECT ON ALL TABLES IN SCHEMA audited TO auditor");
    String url = server.url("postgres", "user=auditor&password=" + PASSWORD);
    try (PostgresBackend auditor = PostgresBackend.connect(url, QUICK.withSchema("audited"))) {
      // The layout check reads the primary key from pg_catalog, which the auditor may read,
      // where information_schema would hide the key of a table it may only select from.
      WriterLog.ensureSchema(auditor);
      Generation.ensureSchema(auditor);
      assertEquals(last.seq(), WriterLog.verify(auditor, "s", "w").orElseThrow().seq());
      assertEquals(3, WriterLog.readAfter(auditor, "s", "w", 0, 10).size());
      assertEquals(List.of("s"), WriterLog.streams(auditor));
      assertEquals(1, new Generation("epoch").current(auditor));
    }
  }

  @Test
  void installerAppenderAndReaderEachWorkWithTheGrantsTheReadmeShows() throws Exception {
    server.execute(
        "CREATE ROLE installer LOGIN PASSWORD '" + PASSWORD + "'",
        "CREATE ROLE appender LOGIN PASSWORD '" + PASSWORD + "'",
        "CREATE ROLE reader LOGIN PASSWORD '" + PASSWORD + "'",
        "CREATE SCHEMA fleet3 AUTHORIZATION installer");
    FollowOptions noPoll = FollowOptions.defaults().withPollInterval(Duration.ofHours(1));
    List<String> warnings = new CopyOnWriteArrayList<>();
    Logger log = Logger.getLogger("dev.agentstore");
    Handler capture = warningsInto(warnings);
    log.addHandler(capture);
    try (PostgresBackend installer = connectAs("installer", "fleet3")) {
      WriterLog.ensureSchema(installer);
      Generation.ensureSchema(installer);
      server.execute(
          "SET ROLE installer",
          "GRANT USAGE ON SCHEMA fleet3 TO appender, reader",
          "GRANT SELECT, INSERT ON fleet3._agent_store_log TO appender",
          "GRANT SELECT, INSERT, UPDATE ON fleet3._agent_store_meta TO appender",
          "GRANT INSERT, DELETE ON fleet3._agent_store_listeners TO appender",
          "GRANT SELECT ON fleet3._agent_store_log, fleet3._agent_store_meta TO reader",
          "RESET ROLE");

      try (PostgresBackend appender = connectAs("appender", "fleet3")) {
        // The store is installed: no DDL is tried, so nothing is refused and nothing warned.
        WriterLog.ensureSchema(appender);
        Generation.ensureSchema(appender);
        WriterLog.checkSchema(appender);
        assertEquals(1, WriterLog.append(appender, "s", "w", new byte[] {1}).seq());
        assertEquals(1, new Generation("epoch").bump(appender));
        // It registers as a listener, so another process's append wakes its follower at once.
        try (Follower heard = WriterLog.follow(appender, "s", "other", 0, noPoll)) {
          awaitRegistered(appender);
          Entry entry = WriterLog.append(installer, "s", "other", new byte[] {2});
          assertEquals(Optional.of(entry), heard.poll(Duration.ofSeconds(60)));
        }
      }

      try (PostgresBackend reader = connectAs("reader", "fleet3")) {
        WriterLog.ensureSchema(reader);
        Generation.ensureSchema(reader);
        WriterLog.checkSchema(reader);
        Generation.checkSchema(reader);
        assertEquals(1, WriterLog.verify(reader, "s", "w").orElseThrow().seq());
        assertEquals(1, new Generation("epoch").current(reader));
        StoreException refused =
            assertThrows(
                StoreException.class, () -> WriterLog.append(reader, "s", "w", new byte[] {3}));
        assertTrue(refused.getMessage().contains("permission denied"), () -> chain(refused));
      }
      assertEquals(List.of(), warnings);
    } finally {
      log.removeHandler(capture);
    }
  }

  private static PostgresBackend connectAs(String role, String schema) {
    return PostgresBackend.connect(
        server.url("postgres", "user=" + role + "&password=" + PASSWORD), QUICK.withSchema(schema));
  }

  private static void awaitRegistered(PostgresBackend db) throws InterruptedException {
    CountDownLatch listening = new CountDownLatch(1);
    WakeUpSource.Subscription subscription =
        JdbcBackend.of(db).storeWakeUps().subscribe(hint -> listening.countDown());
    try {
      assertTrue(listening.await(60, TimeUnit.SECONDS), "the LISTEN connection woke");
    } finally {
      subscription.close();
    }
  }

  private static Handler warningsInto(List<String> warnings) {
    return new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
          warnings.add(record.getLoggerName() + ": " + record.getMessage());
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
  }
}
