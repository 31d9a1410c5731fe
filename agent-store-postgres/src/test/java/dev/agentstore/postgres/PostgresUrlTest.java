package dev.agentstore.postgres;

import static dev.agentstore.postgres.PostgresOptionsTest.withParameter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.StoreOpenException;
import dev.agentstore.WriterLog;
import dev.agentstore.postgres.internal.ServerAddress;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What an operator-managed cluster needs from the URL reaches the driver untouched: several hosts
 * and TLS parameters. Loopback addresses only.
 */
class PostgresUrlTest {
  @RegisterExtension static final PostgresTestServer pg = new PostgresTestServer();

  private static final String PREFIX = "jdbc:postgresql://";

  @Test
  void aTwoHostUrlWhoseFirstHostIsDownConnectsToTheSecond() {
    // Failover is the driver's: pgjdbc tries the hosts of a multi-host URL in order and takes the
    // first that accepts a connection (of the kind targetServerType asks for). agent-store only
    // passes the URL through and names every host in its messages.
    int down = PrivatePostgres.freePort();
    String url = PostgresTestServer.url();
    assertTrue(url.startsWith(PREFIX), url);
    String twoHosts =
        withParameter(
            PREFIX + "127.0.0.1:" + down + "," + url.substring(PREFIX.length()),
            "targetServerType=primary");
    try (PostgresBackend both = PostgresBackend.connect(twoHosts, pg.options())) {
      assertTrue(both.describe().contains("127.0.0.1:" + down + ","), both.describe());
      assertTrue(both.describe().contains(ServerAddress.of(url)), both.describe());
      WriterLog.ensureSchema(both);
      assertEquals(1, WriterLog.append(both, "multi", "w", new byte[] {1}).seq());
      assertEquals(1, WriterLog.verify(both, "multi", "w").orElseThrow().seq());
    }
  }

  @Test
  void sslmodeDisableReachesTheDriver() {
    try (PostgresBackend db =
        PostgresBackend.connect(
            withParameter(PostgresTestServer.url(), "sslmode=disable"), pg.options())) {
      assertEquals(
          "false",
          db.queryOne(
                  "SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                  row -> row.getString(1))
              .orElseThrow());
    }
  }

  @Test
  void sslmodeRequireReachesTheDriver() throws SQLException {
    String url = withParameter(PostgresTestServer.url(), "sslmode=require");
    if (serverHasSsl()) {
      try (PostgresBackend db = PostgresBackend.connect(url, pg.options())) {
        assertEquals(
            "true",
            db.queryOne(
                    "SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                    row -> row.getString(1))
                .orElseThrow());
      }
    } else {
      // The server has no TLS: the driver refuses, which shows the parameter reached it.
      StoreOpenException failure =
          assertThrows(
              StoreOpenException.class,
              () ->
                  PostgresBackend.connect(
                          url, pg.options().withConnectTimeout(Duration.ofMillis(1_000)))
                      .close());
      assertTrue(failure.getMessage().contains("SSL"), failure.getMessage());
      assertTrue(failure.getMessage().contains(ServerAddress.of(url)), failure.getMessage());
    }
  }

  private static boolean serverHasSsl() throws SQLException {
    try (Connection admin = PostgresTestServer.adminConnection();
        Statement statement = admin.createStatement();
        ResultSet rows = statement.executeQuery("SHOW ssl")) {
      rows.next();
      return "on".equals(rows.getString(1));
    }
  }
}
