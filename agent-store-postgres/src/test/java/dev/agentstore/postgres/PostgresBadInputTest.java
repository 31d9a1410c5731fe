package dev.agentstore.postgres;

import static dev.agentstore.postgres.Failures.assertNamesWithoutSecret;
import static dev.agentstore.postgres.Failures.chain;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.Generation;
import dev.agentstore.InvalidInputException;
import dev.agentstore.SchemaMismatchException;
import dev.agentstore.StoreException;
import dev.agentstore.StoreOpenException;
import dev.agentstore.WriterLog;
import dev.agentstore.postgres.internal.PostgresDialect;
import dev.agentstore.postgres.internal.ServerAddress;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Wrong addresses, databases and URLs, foreign tables and unstorable names on the shared server:
 * each refused with a {@link StoreException} that says what and where, never the password.
 */
class PostgresBadInputTest {
  @RegisterExtension static final PostgresTestServer pg = new PostgresTestServer();

  private static final String SECRET = "Sw0rdfish-not-to-be-shown";
  private static final PostgresOptions QUICK =
      PostgresOptions.defaults().withConnectTimeout(Duration.ofMillis(1_000));

  @Test
  void aPortNobodyListensOnIsAnOpenFailureNamingTheServer() {
    int port = PrivatePostgres.freePort();
    String url = "jdbc:postgresql://127.0.0.1:" + port + "/test?user=postgres&password=" + SECRET;
    StoreOpenException failure = assertOpenFails(url);
    assertNamesWithoutSecret(failure, "127.0.0.1:" + port + "/test", SECRET);
    assertTrue(failure.getMessage().contains("cannot reach the server"), failure.getMessage());
  }

  @Test
  void aHostNobodyListensOnIsAnOpenFailureNamingTheServer() {
    // Another loopback address: nothing leaves the machine.
    int port = PrivatePostgres.freePort("127.0.0.2");
    String url = "jdbc:postgresql://127.0.0.2:" + port + "/test?user=postgres&password=" + SECRET;
    StoreOpenException failure = assertOpenFails(url);
    assertNamesWithoutSecret(failure, "127.0.0.2:" + port + "/test", SECRET);
  }

  @Test
  void aDatabaseThatDoesNotExistIsAnOpenFailureNamingIt() {
    String url = withDatabase(PostgresTestServer.url(), "agent_store_no_such_database");
    StoreOpenException failure = assertOpenFails(url + "&password=" + SECRET);
    assertNamesWithoutSecret(failure, ServerAddress.of(url), SECRET);
    assertTrue(failure.getMessage().contains("no such database"), failure.getMessage());
  }

  @Test
  void aUrlThatIsNotPostgresIsRefusedWithoutShowingIt() {
    String url = "jdbc:mysql://127.0.0.1:3306/fleet?user=agent&password=" + SECRET;
    StoreOpenException failure =
        assertThrows(StoreOpenException.class, () -> PostgresBackend.connect(url, QUICK));
    assertTrue(failure.getMessage().contains("not a PostgreSQL JDBC URL"), failure.getMessage());
    Failures.assertNoSecret(failure, SECRET);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "jdbc:postgresql://127.0.0.1:notaport/test?user=postgres&password=",
        "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&sslmode=bogus&password=",
        "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&targetServerType=bogus&password=",
        "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&password=%zz",
      })
  void aMalformedUrlIsAnOpenFailureThatNeverShowsThePassword(String url) {
    StoreOpenException failure = assertOpenFails(url + SECRET);
    Failures.assertNoSecret(failure, SECRET);
  }

  @Test
  void aForeignLogTableIsRefusedAndKeepsItsRows() throws SQLException {
    String schema = pg.newSchema();
    String table = PostgresDialect.quote(schema) + "._agent_store_log";
    try (Connection admin = PostgresTestServer.adminConnection();
        Statement statement = admin.createStatement()) {
      statement.execute("CREATE SCHEMA " + PostgresDialect.quote(schema));
      statement.execute("CREATE TABLE " + table + " (id INTEGER PRIMARY KEY, note TEXT)");
      statement.execute("INSERT INTO " + table + " VALUES (1, 'theirs'), (2, 'also theirs')");
    }
    PostgresBackend db = pg.newBackend(pg.options().withSchema(schema));

    SchemaMismatchException failure =
        assertThrows(SchemaMismatchException.class, () -> WriterLog.ensureSchema(db));
    assertEquals("_agent_store_log", failure.table());
    assertTrue(failure.getMessage().contains("schema " + schema), failure.getMessage());
    assertTrue(failure.getMessage().contains("_agent_store_log"), failure.getMessage());
    assertTrue(
        failure.getMessage().contains(ServerAddress.of(PostgresTestServer.url())),
        failure.getMessage());
    assertThrows(StoreException.class, () -> WriterLog.append(db, "s", "w", new byte[] {1}));

    try (Connection admin = PostgresTestServer.adminConnection();
        Statement statement = admin.createStatement();
        ResultSet rows = statement.executeQuery("SELECT id, note FROM " + table + " ORDER BY id")) {
      assertTrue(rows.next());
      assertEquals("theirs", rows.getString(2));
      assertTrue(rows.next());
      assertEquals("also theirs", rows.getString(2));
      assertTrue(!rows.next());
    }
  }

  @Test
  void aForeignGenerationTableIsRefused() throws SQLException {
    String schema = pg.newSchema();
    try (Connection admin = PostgresTestServer.adminConnection();
        Statement statement = admin.createStatement()) {
      statement.execute("CREATE SCHEMA " + PostgresDialect.quote(schema));
      statement.execute(
          "CREATE TABLE "
              + PostgresDialect.quote(schema)
              + "._agent_store_meta (key TEXT PRIMARY KEY, value TEXT)");
    }
    PostgresBackend db = pg.newBackend(pg.options().withSchema(schema));
    SchemaMismatchException failure =
        assertThrows(SchemaMismatchException.class, () -> Generation.ensureSchema(db));
    assertEquals("_agent_store_meta", failure.table());
    assertTrue(failure.getMessage().contains("schema " + schema), failure.getMessage());
  }

  @Test
  void aNulCharacterInANameIsInvalidInputAndWritesNothing() {
    PostgresBackend db = pg.newBackend();
    WriterLog.ensureSchema(db);
    Generation.ensureSchema(db);
    byte[] payload = {1, 2, 3};
    List<Executable> calls =
        List.of(
            () -> WriterLog.append(db, "conv\0x", "alice", payload),
            () -> WriterLog.append(db, "conv", "ali\0ce", payload),
            () -> WriterLog.appendAll(db, "conv\0x", "alice", List.of(payload)),
            () -> WriterLog.append(db, "conv\0x", "alice", payload, 0),
            () -> WriterLog.head(db, "conv\0x", "alice"),
            () -> WriterLog.verify(db, "conv", "ali\0ce"),
            () -> WriterLog.entries(db, "conv\0x", "alice"),
            () -> WriterLog.heads(db, "conv\0x"),
            () -> new Generation("epoch\0x").bump(db),
            () -> new Generation("epoch\0x").current(db));
    for (Executable call : calls) {
      InvalidInputException failure = assertThrows(InvalidInputException.class, call);
      assertTrue(failure.getMessage().contains("NUL"), () -> chain(failure));
    }
    assertEquals(List.of(), WriterLog.streams(db));
    assertEquals(List.of(), WriterLog.heads(db));
  }

  private static StoreOpenException assertOpenFails(String url) {
    long start = System.nanoTime();
    StoreOpenException failure =
        assertThrows(StoreOpenException.class, () -> PostgresBackend.connect(url, QUICK).close());
    System.out.printf(
        "%s failed after %d ms: %s%n",
        ServerAddress.of(url), (System.nanoTime() - start) / 1_000_000, failure.getMessage());
    return failure;
  }

  /** {@code url} with its database replaced by {@code database}. */
  static String withDatabase(String url, String database) {
    int query = url.indexOf('?');
    String base = query >= 0 ? url.substring(0, query) : url;
    String parameters = query >= 0 ? url.substring(query) : "?";
    int slash = base.indexOf('/', "jdbc:postgresql://".length());
    return base.substring(0, slash + 1) + database + parameters;
  }
}
