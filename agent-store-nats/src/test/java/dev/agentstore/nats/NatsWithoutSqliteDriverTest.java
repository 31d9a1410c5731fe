package dev.agentstore.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.agentstore.postgres.PostgresBackend;
import dev.agentstore.torture.ChildJvm;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The NATS module on the PostgreSQL path needs no SQLite driver: a child JVM on this class path
 * without sqlite-jdbc bridges a PostgreSQL append to a follower through NATS. Needs both servers;
 * skipped without them, failed under {@code CI=true}.
 */
class NatsWithoutSqliteDriverTest {
  private static final String PG_DEFAULT_URL =
      "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

  private final String schema =
      "agent_store_test_nats_nosqlite_" + UUID.randomUUID().toString().substring(0, 8);

  @TempDir Path dir;

  private static String pgUrl() {
    String url = System.getenv("AGENT_STORE_PG_URL");
    return url == null || url.isBlank() ? PG_DEFAULT_URL : url;
  }

  @AfterEach
  void dropSchema() throws SQLException {
    try (var connection = DriverManager.getConnection(pgUrl());
        Statement statement = connection.createStatement()) {
      statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } catch (SQLException e) {
      // The server was not there: nothing was created.
    }
  }

  @Test
  void bridgeOnPostgresRunsWithoutSqliteJdbc() throws Exception {
    try (var connection = DriverManager.getConnection(pgUrl())) {
      connection.isValid(5);
    } catch (SQLException e) {
      String reason = "PostgreSQL at " + PostgresBackend.serverAddress(pgUrl()) + ": " + e;
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        Assertions.fail(reason + " (CI=true: required)");
      }
      Assumptions.abort(reason + " (set CI=true to make this a failure)");
    }
    NatsTesting.connectToMachineServer().close();
    String classPath =
        ChildJvm.classPathWithout(
            entry -> entry.getFileName().toString().matches("sqlite-jdbc-.*\\.jar"));
    try (ChildJvm child =
        ChildJvm.startWithClassPath(
            classPath,
            NatsWithoutSqliteDriverMain.class,
            dir.resolve("child.log"),
            pgUrl(),
            schema,
            NatsTesting.url(),
            NatsTesting.privateSubjects().prefix())) {
      assertEquals(0, child.await(120), child.output());
      assertEquals("ok", child.output().strip(), child.output());
    }
  }
}
