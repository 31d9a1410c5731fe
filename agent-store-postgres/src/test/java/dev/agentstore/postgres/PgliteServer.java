package dev.agentstore.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * PostgreSQL with the real pgvector extension, for tests: PGlite (PostgreSQL compiled to WASM)
 * behind {@code @electric-sql/pglite-socket}'s wire-protocol server, run by Node.js as a child
 * process on a free loopback port, with an in-memory database that lives as long as the process.
 *
 * <p>The npm packages come from the committed {@code src/test/pglite/package-lock.json}: {@code npm
 * ci} runs when {@code node_modules} is missing or was installed from another lock (a stamp file
 * holds the lock's SHA-256), so a fresh clone needs no manual step. When {@code node}/{@code npm}
 * are missing or the install fails, tests are skipped with the reason, or fail under {@code
 * CI=true}. The server's output goes to {@code target/pglite/}.
 *
 * <p>What the server is (measured; see docs/postgresql.md): one PostgreSQL session shared by every
 * connection, queries run one at a time and a transaction holds the whole server until it ends. So
 * its URL turns off server-side prepared statements ({@code prepareThreshold=0}: two connections
 * would both create {@code S_1} in the one session), and it is for correctness, never speed.
 *
 * <pre>{@code
 * @RegisterExtension static final PgliteServer PGLITE = new PgliteServer();
 * }</pre>
 *
 * Starts before the class, stops (destroy, then wait) after it. Thread-safe.
 */
public final class PgliteServer
    implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback {
  /** Connections the server accepts at once ({@code -m}); a fifth connection is refused. */
  public static final int MAX_CONNECTIONS = 4;

  /** The pool size of {@link #options()}: leaves one connection for a test's own JDBC checks. */
  public static final int POOL_SIZE = 2;

  private static final String HOST = "127.0.0.1";
  private static final long INSTALL_SECONDS = 300;
  private static final long START_SECONDS = 120;
  private static final long STOP_SECONDS = 20;
  private static final String SERVER_SCRIPT =
      "node_modules/@electric-sql/pglite-socket/dist/scripts/server.js";
  private static final String STAMP = "node_modules/.agent-store-lock-sha256";

  private static final AtomicInteger SCHEMAS = new AtomicInteger();

  private final List<PostgresBackend> backends = new ArrayList<>();
  private final List<PostgresBackend> testBackends = new ArrayList<>();
  private boolean inTest;
  private Process process;
  private Path log;
  private int port;
  private Thread cleanup;
  private String unavailable;
  private String startedBy;

  /** A server for one test class; started by {@link #beforeAll}. */
  public PgliteServer() {}

  // ---------------------------------------------------------------- the server

  /**
   * The JDBC URL of the running server's database {@code postgres}: superuser, no server-side
   * prepared statements, and a socket timeout that turns a hang into a failure.
   *
   * @return the URL
   * @throws IllegalStateException when the server is not running
   */
  public synchronized String url() {
    if (process == null) {
      throw new IllegalStateException("the PGlite server is not running");
    }
    return "jdbc:postgresql://"
        + HOST
        + ":"
        + port
        + "/postgres?user=postgres&prepareThreshold=0&socketTimeout=600";
  }

  /**
   * A plain JDBC connection, for setting up and inspecting what a test needs.
   *
   * @return a new connection; the caller closes it
   * @throws SQLException when the server refuses it (more than {@link #MAX_CONNECTIONS} open)
   */
  public Connection connection() throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("connectTimeout", "10");
    return DriverManager.getConnection(url(), properties);
  }

  /**
   * Options on a new schema with a pool of {@link #POOL_SIZE}. Schemas are never dropped: the
   * database is in memory and goes with the server after the class.
   *
   * @return the options
   */
  public PostgresOptions options() {
    return PostgresOptions.defaults()
        .withSchema(PostgresTestServer.SCHEMA_PREFIX + "pglite_" + SCHEMAS.incrementAndGet())
        .withPoolSize(POOL_SIZE);
  }

  /**
   * A backend on a new, empty schema of this server, closed when the test that made it ends (when
   * made outside a test: after the class).
   *
   * @return the backend
   */
  public PostgresBackend newBackend() {
    return newBackend(options());
  }

  /**
   * A backend with {@code options} on this server, closed like {@link #newBackend()}.
   *
   * @param options the backend's options; its schema from {@link #options()}
   * @return the backend
   */
  public PostgresBackend newBackend(PostgresOptions options) {
    PostgresBackend backend = PostgresBackend.connect(url(), options);
    synchronized (this) {
      (inTest ? testBackends : backends).add(backend);
    }
    return backend;
  }

  // ---------------------------------------------------------------- JUnit

  @Override
  public void beforeAll(ExtensionContext context) {
    // A @Nested class inherits the extension: the outermost class starts and stops the server.
    synchronized (this) {
      if (startedBy == null) {
        startedBy = context.getUniqueId();
      }
    }
    start();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    String reason;
    synchronized (this) {
      reason = unavailable;
    }
    if (reason != null) {
      PostgresTestServer.unavailable(reason);
    }
    synchronized (this) {
      inTest = true;
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    closeBackends(true);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    synchronized (this) {
      if (!context.getUniqueId().equals(startedBy)) {
        return;
      }
      startedBy = null;
    }
    try {
      closeBackends(false);
    } finally {
      stop();
    }
  }

  private void closeBackends(boolean testOnly) {
    List<PostgresBackend> close;
    synchronized (this) {
      close = new ArrayList<>(testBackends);
      testBackends.clear();
      inTest = false;
      if (!testOnly) {
        close.addAll(backends);
        backends.clear();
      }
    }
    close.forEach(PostgresBackend::close);
  }

  /**
   * Installs the packages when needed and starts the server; returns once pgjdbc connects. When
   * Node.js is missing or the install fails, skips (fails under {@code CI=true}).
   */
  synchronized void start() {
    if (process != null) {
      return;
    }
    Path project = projectDirectory();
    Path logs = buildDirectory().resolve("pglite");
    try {
      Files.createDirectories(logs);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + logs, e);
    }
    String missing = install(project, logs);
    if (missing != null) {
      unavailable = missing;
      if (PostgresTestServer.strict()) {
        PostgresTestServer.unavailable(missing);
      }
      return;
    }
    IllegalStateException last = null;
    // The free port may be taken between the probe and the server's bind: try another.
    for (int attempt = 0; attempt < 3 && process == null; attempt++) {
      try {
        launch(project, logs);
      } catch (IllegalStateException e) {
        last = e;
      }
    }
    if (process == null) {
      throw last;
    }
  }

  /** Stops the server: destroy, wait, and destroy forcibly if it does not exit in time. */
  synchronized void stop() {
    if (process == null) {
      return;
    }
    kill(process);
    process = null;
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException alreadyExiting) {
      // The hook runs (or ran) anyway.
    }
  }

  private void launch(Path project, Path logs) {
    port = PrivatePostgres.freePort(HOST);
    log = logs.resolve("server-" + port + ".log");
    List<String> command =
        List.of(
            "node",
            project.resolve(SERVER_SCRIPT).toString(),
            "--host=" + HOST,
            "--port=" + port,
            "--extensions=@electric-sql/pglite-pgvector:vector",
            "-m",
            Integer.toString(MAX_CONNECTIONS));
    Process started;
    try {
      started =
          new ProcessBuilder(command)
              .directory(project.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + String.join(" ", command) + ": " + e, e);
    }
    cleanup = new Thread(() -> kill(started), "pglite-server-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    process = started;
    try {
      awaitConnection(started);
    } catch (RuntimeException e) {
      stop();
      throw e;
    }
  }

  /**
   * Returns once a real pgjdbc connection runs a query; between attempts waits on the process's
   * exit (up to 100 ms), so a server that dies ends the wait at once with its log.
   */
  private void awaitConnection(Process started) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
    SQLException last = null;
    while (System.nanoTime() < deadline) {
      Properties properties = new Properties();
      properties.setProperty("connectTimeout", "5");
      try (Connection connection = DriverManager.getConnection(url(), properties);
          Statement statement = connection.createStatement()) {
        statement.execute("SELECT 1");
        return;
      } catch (SQLException e) {
        last = e;
      }
      try {
        started.onExit().get(100, TimeUnit.MILLISECONDS);
        throw new IllegalStateException(
            "the PGlite server on port "
                + port
                + " exited with code "
                + started.exitValue()
                + " before accepting connections"
                + tail(log));
      } catch (TimeoutException stillRunning) {
        // Try the connection again.
      } catch (ExecutionException e) {
        throw new IllegalStateException("cannot watch the PGlite server process", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for the PGlite server", e);
      }
    }
    throw new IllegalStateException(
        "the PGlite server on port "
            + port
            + " did not accept a connection within "
            + START_SECONDS
            + " s (last: "
            + last
            + ")"
            + tail(log));
  }

  private static void kill(Process process) {
    process.destroy();
    try {
      if (!process.waitFor(STOP_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(STOP_SECONDS, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------- npm ci

  /**
   * Runs {@code npm ci} in {@code project} unless {@code node_modules} was installed from the same
   * lock. Returns why the server cannot run (Node.js missing, install failed), or null. Holds a
   * file lock meanwhile, so two test JVMs never install into the same directory at once.
   */
  static String install(Path project, Path logs) {
    String node = version("node", logs);
    if (node != null) {
      return "cannot run node (Node.js 20 or newer runs the PGlite server for the pgvector tests): "
          + node;
    }
    Path lockFile = logs.resolve("npm.lock");
    try (FileChannel channel =
        FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      FileLock lock = channel.lock();
      try {
        return installLocked(project, logs);
      } finally {
        lock.release();
      }
    } catch (IOException e) {
      return "cannot install the PGlite server in " + project + ": " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted installing the PGlite server", e);
    }
  }

  private static String installLocked(Path project, Path logs)
      throws IOException, InterruptedException {
    {
      String wanted = sha256(project.resolve("package-lock.json"));
      Path stamp = project.resolve(STAMP);
      if (Files.isRegularFile(project.resolve(SERVER_SCRIPT))
          && Files.isRegularFile(stamp)
          && Files.readString(stamp, StandardCharsets.UTF_8).trim().equals(wanted)) {
        return null;
      }
      String npm = version("npm", logs);
      if (npm != null) {
        return "cannot run npm to install the PGlite server for the pgvector tests: " + npm;
      }
      Path output = logs.resolve("npm-ci.log");
      List<String> command = List.of("npm", "ci", "--no-audit", "--no-fund");
      Process process =
          new ProcessBuilder(command)
              .directory(project.toFile())
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      if (!process.waitFor(INSTALL_SECONDS, TimeUnit.SECONDS)) {
        kill(process);
        return "npm ci in " + project + " did not finish within " + INSTALL_SECONDS + " s";
      }
      if (process.exitValue() != 0) {
        return "npm ci in "
            + project
            + " failed with exit code "
            + process.exitValue()
            + " (see "
            + output
            + ")"
            + tail(output);
      }
      Files.writeString(stamp, wanted + "\n", StandardCharsets.UTF_8);
      return null;
    }
  }

  /** Null when {@code tool --version} runs and exits 0; otherwise why not. */
  private static String version(String tool, Path logs) {
    try {
      Process process =
          new ProcessBuilder(tool, "--version")
              .redirectErrorStream(true)
              .redirectOutput(logs.resolve(tool + "-version.log").toFile())
              .start();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        kill(process);
        return tool + " --version did not finish within 60 s";
      }
      return process.exitValue() == 0 ? null : tool + " --version exited " + process.exitValue();
    } catch (IOException e) {
      return e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + tool, e);
    }
  }

  private static String sha256(Path file) throws IOException {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---------------------------------------------------------------- paths

  /**
   * The module's {@code target} directory (set by the build; the working directory's otherwise).
   */
  static Path buildDirectory() {
    String configured = System.getProperty("agentstore.build.directory");
    return configured == null || configured.isBlank()
        ? Path.of("target").toAbsolutePath()
        : Path.of(configured);
  }

  /** The npm project: {@code src/test/pglite} of this module. */
  static Path projectDirectory() {
    return buildDirectory().getParent().resolve("src").resolve("test").resolve("pglite");
  }

  private static String tail(Path file) {
    if (file == null) {
      return "";
    }
    try {
      List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
      return "\n--- "
          + file
          + " ---\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "";
    }
  }
}
