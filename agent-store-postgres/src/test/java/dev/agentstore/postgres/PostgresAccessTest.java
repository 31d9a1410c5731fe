package dev.agentstore.postgres;

import static dev.agentstore.postgres.Failures.assertNamesWithoutSecret;
import static dev.agentstore.postgres.Failures.chain;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.Generation;
import dev.agentstore.StoreOpenException;
import dev.agentstore.StorePolicy;
import dev.agentstore.WriterLog;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Logins and privileges on a private server with password authentication: a wrong password and a
 * user who may not create the schema are refused clearly, and no message shows a password.
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
}
