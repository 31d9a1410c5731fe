package dev.agentstore.bench;

import dev.agentstore.Backend;
import dev.agentstore.Durability;
import dev.agentstore.Generation;
import dev.agentstore.StoreListener;
import dev.agentstore.WriterLog;
import dev.agentstore.postgres.PostgresBackend;
import dev.agentstore.postgres.PostgresOptions;
import dev.agentstore.sqlite.SqliteBackend;
import dev.agentstore.sqlite.SqliteOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.sqlite.SQLiteConfig;

/**
 * Where one benchmark trial keeps its data, for each backend kind: a fresh SQLite file in a
 * temporary directory, a private in-memory database, or a fresh PostgreSQL schema. Both sides of a
 * benchmark get the same settings: WAL with {@code synchronous=NORMAL} and a 5 s busy timeout on
 * SQLite, the server's defaults on PostgreSQL.
 */
final class Stores implements AutoCloseable {
  static final String SQLITE_FILE = "sqlite-file";

  /** A SQLite file with {@code synchronous=FULL} on both sides ({@code Durability.FULL}). */
  static final String SQLITE_FILE_FULL = "sqlite-file-full";

  static final String SQLITE_MEMORY = "sqlite-memory";
  static final String POSTGRES = "postgres";

  /** The busy timeout both sides use on SQLite, as agent-store's default. */
  static final int BUSY_TIMEOUT_MS = 5_000;

  private final String kind;
  private final @Nullable Path dir;
  private final @Nullable String schema;

  /** A fresh place for {@code kind}; {@link #close()} removes it. */
  Stores(String kind) {
    this.kind = kind;
    try {
      switch (kind) {
        case SQLITE_FILE, SQLITE_FILE_FULL -> {
          dir = Files.createTempDirectory(benchDir(), "trial-");
          schema = null;
        }
        case SQLITE_MEMORY -> {
          dir = null;
          schema = null;
        }
        case POSTGRES -> {
          dir = null;
          schema = "bench_" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
        }
        default -> throw new IllegalArgumentException("unknown backend kind " + kind);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String kind() {
    return kind;
  }

  boolean isSqlite() {
    return !POSTGRES.equals(kind);
  }

  /** The SQLite file of this trial. */
  Path file() {
    if (dir == null) {
      throw new IllegalStateException(kind + " has no file");
    }
    return dir.resolve("store.db");
  }

  /** agent-store's backend on this place, with both tables created. */
  Backend openOurs() {
    return openOurs(StoreListener.none());
  }

  /** Like {@link #openOurs()}, reporting to {@code listener} (SQLite file and memory only). */
  Backend openOurs(StoreListener listener) {
    Backend backend =
        switch (kind) {
          case SQLITE_FILE ->
              SqliteBackend.open(file(), SqliteOptions.defaults().withListener(listener));
          case SQLITE_FILE_FULL ->
              SqliteBackend.open(
                  file(),
                  SqliteOptions.defaults().withListener(listener).withDurability(Durability.FULL));
          case SQLITE_MEMORY -> SqliteBackend.inMemory();
          default ->
              PostgresBackend.connect(
                  postgresUrl(),
                  PostgresOptions.defaults()
                      .withSchema(requireSchema())
                      .withCommitNotifications(
                          !Boolean.getBoolean("agentstore.bench.noCommitNotifications")));
        };
    Generation.ensureSchema(backend);
    WriterLog.ensureSchema(backend);
    return backend;
  }

  /**
   * A raw JDBC connection on this place in auto-commit mode, with the tables created: SQLite with
   * WAL, {@code synchronous=NORMAL} and the busy timeout, or PostgreSQL with the trial's schema.
   * Each call is a new connection (an in-memory one is a database of its own).
   */
  RawLog openRaw() {
    try {
      Connection connection =
          switch (kind) {
            case SQLITE_FILE -> sqlite("jdbc:sqlite:" + file());
            case SQLITE_FILE_FULL -> sqlite("jdbc:sqlite:" + file(), "FULL");
            case SQLITE_MEMORY -> sqlite("jdbc:sqlite::memory:");
            default -> DriverManager.getConnection(postgresUrl());
          };
      RawLog raw = new RawLog(connection, isSqlite() ? "" : quote(requireSchema()) + ".");
      raw.createTables();
      return raw;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot open a raw " + kind + " connection", e);
    }
  }

  /** A raw SQLite connection with the settings agent-store uses on a file. */
  static Connection sqlite(String url) throws SQLException {
    return sqlite(url, "NORMAL");
  }

  /** Like {@link #sqlite(String)}, with the given {@code synchronous} setting on a file. */
  static Connection sqlite(String url, String synchronous) throws SQLException {
    SQLiteConfig config = new SQLiteConfig();
    config.setBusyTimeout(BUSY_TIMEOUT_MS);
    Connection connection = config.createConnection(url);
    if (!url.endsWith(":memory:")) {
      try (Statement statement = connection.createStatement()) {
        statement.execute("PRAGMA journal_mode=WAL");
        statement.execute("PRAGMA synchronous=" + synchronous);
      }
    }
    return connection;
  }

  private String requireSchema() {
    if (schema == null) {
      throw new IllegalStateException(kind + " has no schema");
    }
    return schema;
  }

  @Override
  public void close() {
    if (dir != null) {
      deleteTree(dir);
    }
    if (schema != null) {
      try (Connection admin = DriverManager.getConnection(postgresUrl());
          Statement statement = admin.createStatement()) {
        statement.execute("DROP SCHEMA IF EXISTS " + quote(schema) + " CASCADE");
      } catch (SQLException e) {
        throw new IllegalStateException("cannot drop benchmark schema " + schema, e);
      }
    }
  }

  /** The PostgreSQL URL: {@code -Dagentstore.bench.postgres=...} or the local test server. */
  static String postgresUrl() {
    String url = System.getProperty("agentstore.bench.postgres");
    if (url == null) {
      url = System.getenv("AGENT_STORE_BENCH_POSTGRES");
    }
    return url == null ? "jdbc:postgresql://127.0.0.1:5432/test?user=postgres" : url;
  }

  /** The directory for benchmark files: {@code -Dagentstore.bench.dir=...} or the temp dir. */
  static Path benchDir() {
    String configured = System.getProperty("agentstore.bench.dir");
    Path dir =
        configured != null
            ? Path.of(configured)
            : Path.of(System.getProperty("java.io.tmpdir"), "agent-store-bench");
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String quote(String name) {
    return "\"" + name.replace("\"", "\"\"") + "\"";
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
