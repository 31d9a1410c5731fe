package dev.agentstore.postgres;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of a test's own: {@code initdb} into a temporary directory, started with
 * {@code pg_ctl} on a free loopback port (unix socket inside the directory), stopped and deleted by
 * {@link #close()}. The superuser {@code postgres} logs in without a password over TCP; every other
 * role needs its SCRAM password.
 *
 * <p>{@code initdb} and {@code postgres} refuse to run as root, so as root the commands run as the
 * {@code postgres} OS user. The binaries come from {@code AGENT_STORE_PG_BIN} or the newest {@code
 * /usr/lib/postgresql/<version>/bin}. When they are missing the test is skipped (failed under
 * {@code CI=true}). Every command is bounded in time. Not thread-safe.
 */
final class PrivatePostgres implements AutoCloseable {
  private static final long COMMAND_SECONDS = 60;
  private static final String HOST = "127.0.0.1";

  private final Path bin;
  private final Path dir;
  private final Path data;
  private final Path log;
  private final boolean asPostgresUser;
  private final Thread cleanup;
  private int port;
  private boolean running;

  private PrivatePostgres(Path bin, Path dir, boolean asPostgresUser) {
    this.bin = bin;
    this.dir = dir;
    this.data = dir.resolve("data");
    this.log = dir.resolve("server.log");
    this.asPostgresUser = asPostgresUser;
    // If the test JVM exits without close(), do not leave a server behind.
    this.cleanup = new Thread(this::stopAndDelete, "private-postgres-cleanup");
  }

  /** Creates and starts a server, or skips (fails under CI) when PostgreSQL is not installed. */
  static PrivatePostgres start() {
    Path bin = findBinaries();
    if (bin == null) {
      PostgresTestServer.unavailable(
          "no PostgreSQL binaries (set AGENT_STORE_PG_BIN or install /usr/lib/postgresql/*/bin)");
    }
    boolean root = "root".equals(System.getProperty("user.name"));
    if (root && !userExists("postgres")) {
      PostgresTestServer.unavailable("running as root without a postgres OS user for initdb");
    }
    PrivatePostgres server;
    try {
      Path dir = Files.createTempDirectory("agent-store-pg-");
      server = new PrivatePostgres(bin, dir, root);
    } catch (IOException e) {
      throw new IllegalStateException("cannot create a directory for a private server", e);
    }
    Runtime.getRuntime().addShutdownHook(server.cleanup);
    try {
      server.initialize();
      server.startOnFreePort();
    } catch (RuntimeException | Error e) {
      server.close();
      throw e;
    }
    return server;
  }

  String host() {
    return HOST;
  }

  int port() {
    return port;
  }

  /** {@code host:port/database} as agent-store's messages show it. */
  String address(String database) {
    return HOST + ":" + port + "/" + database;
  }

  /** A JDBC URL for {@code database} with {@code query} (without the {@code ?}). */
  String url(String database, String query) {
    return "jdbc:postgresql://" + address(database) + "?" + query;
  }

  /** The superuser's URL for database {@code postgres}. */
  String url() {
    return url("postgres", "user=postgres");
  }

  /** A superuser JDBC connection to database {@code postgres}. */
  Connection admin() throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("connectTimeout", "5");
    return DriverManager.getConnection(url(), properties);
  }

  /** Runs {@code sql} statements as the superuser. */
  void execute(String... sql) {
    try (Connection connection = admin();
        Statement statement = connection.createStatement()) {
      for (String one : sql) {
        statement.execute(one);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("on the private server: " + e.getMessage(), e);
    }
  }

  /** The first column of every row {@code sql} returns, as text, run as the superuser. */
  List<String> query(String sql) {
    List<String> values = new ArrayList<>();
    try (Connection connection = admin();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      while (rows.next()) {
        values.add(rows.getString(1));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("on the private server: " + e.getMessage(), e);
    }
    return values;
  }

  /** Stops the server with {@code pg_ctl stop -m mode} ({@code fast} or {@code immediate}). */
  void stop(String mode) {
    pgCtl("stop", "-m", mode);
    running = false;
  }

  /** Starts the stopped server again on the same port; returns once it accepts connections. */
  void restart() {
    pgCtl("start");
    running = true;
  }

  @Override
  public void close() {
    stopAndDelete();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException alreadyExiting) {
      // The hook runs (or ran) anyway.
    }
  }

  // ---------------------------------------------------------------- setup

  private void initialize() {
    try {
      Files.createDirectories(dir.resolve("socket"));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    chownToPostgres(dir);
    run(
        List.of(
            bin.resolve("initdb").toString(),
            "-D",
            data.toString(),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync"));
    write(
        data.resolve("pg_hba.conf"),
        String.join(
            "\n",
            "local all all trust",
            "host all postgres 127.0.0.1/32 trust",
            "host all all 127.0.0.1/32 scram-sha-256",
            ""));
  }

  private void startOnFreePort() {
    IllegalStateException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      port = freePort();
      write(
          data.resolve("postgresql.auto.conf"),
          String.join(
              "\n",
              "port = " + port,
              "listen_addresses = '" + HOST + "'",
              "unix_socket_directories = '" + dir.resolve("socket") + "'",
              "max_connections = 40",
              "shared_buffers = '16MB'",
              "password_encryption = 'scram-sha-256'",
              ""));
      chownToPostgres(data.resolve("postgresql.auto.conf"));
      try {
        pgCtl("start");
        running = true;
        return;
      } catch (IllegalStateException e) {
        // Most likely another process took the port between the probe and the start.
        last = e;
      }
    }
    throw last;
  }

  private void pgCtl(String action, String... more) {
    List<String> command = new ArrayList<>();
    command.add(bin.resolve("pg_ctl").toString());
    command.addAll(List.of("-D", data.toString(), "-l", log.toString(), "-w", "-t", "30"));
    command.add(action);
    command.addAll(List.of(more));
    run(command);
  }

  private synchronized void stopAndDelete() {
    if (running) {
      try {
        pgCtl("stop", "-m", "immediate");
      } catch (RuntimeException ignored) {
        // Best effort: the directory goes away below either way.
      }
      running = false;
    }
    if (Files.exists(dir)) {
      try (Stream<Path> paths = Files.walk(dir)) {
        for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(path);
        }
      } catch (IOException ignored) {
        // A leftover temp directory is harmless.
      }
    }
  }

  private void run(List<String> command) {
    List<String> full = new ArrayList<>();
    if (asPostgresUser) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(command);
    Path output = dir.resolve("command.out");
    try {
      Process process =
          new ProcessBuilder(full)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      if (!process.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not finish in time");
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(
            String.join(" ", command)
                + " failed with exit code "
                + process.exitValue()
                + ": "
                + Files.readString(output, StandardCharsets.UTF_8)
                + tail(log));
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + full, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + full, e);
    }
  }

  private void chownToPostgres(Path path) {
    if (!asPostgresUser) {
      return;
    }
    List<String> chown = List.of("chown", "-R", "postgres:postgres", path.toString());
    try {
      Process process = new ProcessBuilder(chown).redirectErrorStream(true).start();
      if (!process.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS) || process.exitValue() != 0) {
        process.destroyForcibly();
        throw new IllegalStateException("chown of " + path + " to postgres failed");
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run chown", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running chown", e);
    }
  }

  private static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      return "\n--- server log ---\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "";
    }
  }

  private static void write(Path file, String text) {
    try {
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + file, e);
    }
  }

  /** A TCP port on 127.0.0.1 that nothing listens on right now. */
  static int freePort() {
    return freePort(HOST);
  }

  /** A TCP port on the loopback address {@code host} that nothing listens on right now. */
  static int freePort(String host) {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free port on " + host, e);
    }
  }

  private static Path findBinaries() {
    String configured = System.getenv("AGENT_STORE_PG_BIN");
    if (configured != null && !configured.isBlank()) {
      Path path = Path.of(configured);
      return Files.isExecutable(path.resolve("initdb")) ? path : null;
    }
    Path root = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(root)) {
      return null;
    }
    try (Stream<Path> versions = Files.list(root)) {
      return versions
          .map(version -> version.resolve("bin"))
          .filter(path -> Files.isExecutable(path.resolve("initdb")))
          .filter(path -> Files.isExecutable(path.resolve("pg_ctl")))
          .max(Comparator.comparingInt(PrivatePostgres::majorVersion))
          .orElse(null);
    } catch (IOException e) {
      return null;
    }
  }

  private static int majorVersion(Path bin) {
    try {
      return Integer.parseInt(bin.getParent().getFileName().toString());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static boolean userExists(String user) {
    try {
      return Files.readAllLines(Path.of("/etc/passwd"), StandardCharsets.UTF_8).stream()
          .anyMatch(line -> line.startsWith(user + ":"));
    } catch (IOException e) {
      return false;
    }
  }
}
