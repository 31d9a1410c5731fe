package dev.agentstore.postgres;

import dev.agentstore.postgres.internal.PostgresDialect;
import dev.agentstore.postgres.internal.ServerAddress;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The PostgreSQL server the tests of this module run against: {@code AGENT_STORE_PG_URL}, or
 * {@value #DEFAULT_URL}. When it does not answer, tests are skipped with the reason — unless the
 * environment variable {@code CI} is {@code true}, where an unreachable server fails them.
 *
 * <p>Register one per test class; it checks the server before each test, closes the backends a test
 * made when that test ends (those made outside a test, e.g. in {@code @BeforeAll}, when the class
 * ends), and drops every schema it handed out after the class ran:
 *
 * <pre>{@code
 * @RegisterExtension static final PostgresTestServer pg = new PostgresTestServer();
 *
 * @Test void something() {
 *   PostgresBackend db = pg.newBackend(); // fresh schema; closed after the test, dropped after
 *                                         // the class
 * }
 * }</pre>
 *
 * Outside JUnit's extension model, call {@link #requireServer()} first and {@link #close()} (or
 * {@link #dropSchemas()}) at the end. Thread-safe.
 */
public final class PostgresTestServer
    implements BeforeAllCallback,
        BeforeEachCallback,
        AfterEachCallback,
        AfterAllCallback,
        AutoCloseable {
  public static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

  /** Every schema this class creates starts with this prefix. */
  public static final String SCHEMA_PREFIX = "agent_store_test_";

  /**
   * The pool size of {@link #options()}: enough to run appends in parallel, few enough that many
   * backends (and other test runs) share the server's connection limit.
   */
  public static final int TEST_POOL_SIZE = 4;

  private static final AtomicInteger SCHEMAS = new AtomicInteger();
  private static final String RUN = randomHex(4);
  private static volatile String probeFailure;
  private static volatile boolean probed;

  private final String label;
  private final List<String> schemas = new ArrayList<>();
  private final List<PostgresBackend> backends = new ArrayList<>();
  private final List<PostgresBackend> testBackends = new ArrayList<>();
  private boolean inTest;

  /** Schemas named after the class that creates this (usually the test class). */
  public PostgresTestServer() {
    this(
        StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE)
            .getCallerClass()
            .getSimpleName());
  }

  /** Schemas named {@code agent_store_test_<label>_...}. */
  public PostgresTestServer(String label) {
    this.label = sanitize(label);
  }

  // ---------------------------------------------------------------- the server

  /** The JDBC URL of the server under test. */
  public static String url() {
    String url = System.getenv("AGENT_STORE_PG_URL");
    return url == null || url.isBlank() ? DEFAULT_URL : url;
  }

  /** Whether an unavailable server is a failure rather than a reason to skip. */
  public static boolean strict() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }

  /**
   * Returns when the server answers; otherwise skips the calling test (JUnit assumption) with the
   * reason, or fails it when {@code CI=true}. The server is probed once per JVM.
   */
  public static void requireServer() {
    String failure = probe();
    if (failure != null) {
      unavailable("PostgreSQL at " + ServerAddress.of(url()) + " " + failure);
    }
  }

  /** Skips with {@code reason}, or fails under {@code CI=true}. */
  static void unavailable(String reason) {
    if (strict()) {
      Assertions.fail(reason + " (CI=true: required)");
    }
    Assumptions.abort(reason + " (set CI=true to make this a failure)");
  }

  /** A plain JDBC connection to the server, for setting up and inspecting what a test needs. */
  public static Connection adminConnection() throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("connectTimeout", "5");
    properties.setProperty("loginTimeout", "10");
    properties.setProperty("ApplicationName", "agent-store tests (admin)");
    return DriverManager.getConnection(url(), properties);
  }

  private static synchronized String probe() {
    if (!probed) {
      try (Connection connection = adminConnection();
          Statement statement = connection.createStatement()) {
        statement.execute("SELECT 1");
        probeFailure = null;
      } catch (SQLException e) {
        probeFailure = "does not answer: " + e.getMessage();
      }
      probed = true;
    }
    return probeFailure;
  }

  // ---------------------------------------------------------------- schemas and backends

  /** A schema name no other test (in this or another run) uses; dropped by {@link #dropSchemas}. */
  public String newSchema() {
    String name = SCHEMA_PREFIX + label + "_" + RUN + "_" + SCHEMAS.incrementAndGet();
    synchronized (this) {
      schemas.add(name);
    }
    return name;
  }

  /** The options tests use by default, on a new schema. */
  public PostgresOptions options() {
    return PostgresOptions.defaults().withSchema(newSchema()).withPoolSize(TEST_POOL_SIZE);
  }

  /**
   * A fresh backend on a new, empty schema of the server under test, with {@link #options()}.
   * Closed when the test that made it ends (when made outside a test: by {@link #dropSchemas()});
   * its schema is dropped by {@link #dropSchemas()}.
   */
  public PostgresBackend newBackend() {
    return newBackend(options());
  }

  /**
   * A backend with {@code options}, whose schema should come from {@link #newSchema()} or {@link
   * #options()}. Closed and dropped like {@link #newBackend()}.
   */
  public PostgresBackend newBackend(PostgresOptions options) {
    requireServer();
    PostgresBackend backend = PostgresBackend.connect(url(), options);
    synchronized (this) {
      (inTest ? testBackends : backends).add(backend);
      if (!schemas.contains(options.schema())) {
        schemas.add(options.schema());
      }
    }
    return backend;
  }

  /** Closes every backend made here and drops every schema handed out (CASCADE). */
  public void dropSchemas() {
    List<String> drop;
    List<PostgresBackend> close;
    synchronized (this) {
      drop = new ArrayList<>(schemas);
      close = new ArrayList<>(backends);
      close.addAll(testBackends);
      schemas.clear();
      backends.clear();
      testBackends.clear();
    }
    close.forEach(PostgresBackend::close);
    if (drop.isEmpty() || probe() != null) {
      return;
    }
    try (Connection connection = adminConnection();
        Statement statement = connection.createStatement()) {
      for (String schema : drop) {
        statement.execute("DROP SCHEMA IF EXISTS " + PostgresDialect.quote(schema) + " CASCADE");
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot drop test schemas " + drop + ": " + e, e);
    }
  }

  @Override
  public void close() {
    dropSchemas();
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    // Under CI the class fails at once. Otherwise each test is skipped on its own (below): build
    // tools report skipped tests with their reason, but not a class-level skip.
    if (strict()) {
      requireServer();
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    requireServer();
    synchronized (this) {
      inTest = true;
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    List<PostgresBackend> close;
    synchronized (this) {
      inTest = false;
      close = new ArrayList<>(testBackends);
      testBackends.clear();
    }
    close.forEach(PostgresBackend::close);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    dropSchemas();
  }

  // ---------------------------------------------------------------- helpers

  private static String sanitize(String label) {
    String clean = label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
    return clean.length() <= 24 ? clean : clean.substring(0, 24);
  }

  private static String randomHex(int bytes) {
    byte[] random = new byte[bytes];
    new SecureRandom().nextBytes(random);
    return HexFormat.of().formatHex(random);
  }
}
