package dev.agentstore.postgres;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The PostgreSQL server the follower tests use: {@code AGENT_STORE_PG_URL} or the local default.
 * When it does not answer the tests are skipped with the reason, unless {@code CI=true}, where that
 * is a failure.
 */
final class PgFollowServer {
  static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
  private static final AtomicInteger SCHEMAS = new AtomicInteger();

  private PgFollowServer() {}

  static String url() {
    String url = System.getenv("AGENT_STORE_PG_URL");
    return url == null || url.isBlank() ? DEFAULT_URL : url;
  }

  /** Returns when the server answers; skips (or, under CI=true, fails) the test otherwise. */
  static void require() {
    try (Connection connection = admin();
        Statement statement = connection.createStatement()) {
      statement.execute("SELECT 1");
    } catch (SQLException e) {
      String reason = "PostgreSQL does not answer: " + e.getMessage();
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        Assertions.fail(reason + " (CI=true: required)");
      }
      Assumptions.abort(reason + " (set CI=true to make this a failure)");
    }
  }

  /** A schema name no other test or run uses. */
  static String newSchema(String label) {
    return "agent_store_follow_"
        + label
        + "_"
        + ProcessHandle.current().pid()
        + "_"
        + SCHEMAS.incrementAndGet();
  }

  static Connection admin() throws SQLException {
    return DriverManager.getConnection(url());
  }

  static void dropSchema(String schema) {
    try (Connection connection = admin();
        Statement statement = connection.createStatement()) {
      statement.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
    } catch (SQLException e) {
      throw new AssertionError("cannot drop schema " + schema, e);
    }
  }
}
