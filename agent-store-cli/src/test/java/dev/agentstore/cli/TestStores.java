package dev.agentstore.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.agentstore.Backend;
import dev.agentstore.Dialect;
import dev.agentstore.Generation;
import dev.agentstore.WriterLog;
import dev.agentstore.postgres.PostgresBackend;
import dev.agentstore.postgres.PostgresOptions;
import dev.agentstore.sqlite.SqliteBackend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/** Stores the command tests run against: real SQLite files and the real PostgreSQL server. */
final class TestStores {
  /** 2^53 + 1: the smallest positive integer a JSON parser using doubles gets wrong. */
  static final long BEYOND_DOUBLE = (1L << 53) + 1;

  static final String PG_URL =
      System.getenv()
          .getOrDefault(
              "AGENT_STORE_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

  private static Boolean postgresAnswers;

  private TestStores() {}

  /**
   * A SQLite store with three chains and two generations:
   *
   * <ul>
   *   <li>conv:demo/alice: 5 text entries "alice 1" .. "alice 5"
   *   <li>conv:demo/bob: 3 entries, one of them multi-line text
   *   <li>jobs/worker-1: 4 binary entries (an empty one, invalid UTF-8, 0..255, 100 kB)
   *   <li>report.nightly = 3, big = 2^53 + 1
   * </ul>
   */
  static Path sample(Path file) {
    try (SqliteBackend db = SqliteBackend.open(file)) {
      fill(db);
    }
    return file;
  }

  static void fill(Backend db) {
    WriterLog.ensureSchema(db);
    Generation.ensureSchema(db);
    for (int i = 1; i <= 5; i++) {
      WriterLog.append(db, "conv:demo", "alice", ("alice " + i).getBytes(UTF_8));
    }
    WriterLog.append(db, "conv:demo", "bob", "hi alice".getBytes(UTF_8));
    WriterLog.append(db, "conv:demo", "bob", "two\nlines\tand a tab".getBytes(UTF_8));
    WriterLog.append(db, "conv:demo", "bob", "grüße, 日本".getBytes(UTF_8));
    byte[] all = new byte[256];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) i;
    }
    byte[] large = new byte[100_000];
    ThreadLocalRandom.current().nextBytes(large);
    WriterLog.append(db, "jobs", "worker-1", new byte[0]);
    WriterLog.append(db, "jobs", "worker-1", new byte[] {(byte) 0xc0, (byte) 0xaf});
    WriterLog.append(db, "jobs", "worker-1", all);
    WriterLog.append(db, "jobs", "worker-1", large);
    new Generation("report.nightly").set(db, 3);
    new Generation("big").set(db, BEYOND_DOUBLE);
  }

  /** Runs {@code change} on the SQLite file, then closes it. */
  static void modify(Path file, Consumer<SqliteBackend> change) {
    try (SqliteBackend db = SqliteBackend.open(file)) {
      change.accept(db);
    }
  }

  /**
   * Every row of the log as text (stream, writer, seq, stored types, hex of every blob), in seq
   * order per chain; two stores with the same list hold byte-identical logs.
   */
  static List<String> logRows(Backend db, String table) {
    boolean sqlite = db.dialect() == Dialect.SQLITE;
    String types =
        sqlite
            ? "typeof(prev_hash), typeof(content_hash), typeof(payload)"
            : "CASE WHEN prev_hash IS NULL THEN 'null' ELSE 'blob' END, 'blob', 'blob'";
    List<String> rows =
        new ArrayList<>(
            db.query(
                "SELECT stream, writer, seq, prev_hash, content_hash, payload, "
                    + types
                    + " FROM "
                    + table,
                row -> {
                  HexFormat hex = HexFormat.of();
                  byte[] prev = row.getBytes(4);
                  return row.getString(1)
                      + "|"
                      + row.getString(2)
                      + "|"
                      + row.getLong(3)
                      + "|"
                      + (prev == null ? "NULL" : hex.formatHex(prev))
                      + "|"
                      + hex.formatHex(row.getBytes(5))
                      + "|"
                      + hex.formatHex(row.getBytes(6))
                      + "|"
                      + row.getString(7)
                      + "/"
                      + row.getString(8)
                      + "/"
                      + row.getString(9);
                }));
    rows.sort(null);
    return rows;
  }

  static List<String> logRows(Backend db) {
    return logRows(db, "_agent_store_log");
  }

  static List<String> generations(Backend db, String table) {
    List<String> rows =
        new ArrayList<>(
            db.query(
                "SELECT key, ival FROM " + table, row -> row.getString(1) + "=" + row.getLong(2)));
    rows.sort(null);
    return rows;
  }

  // ---------------------------------------------------------------- PostgreSQL

  /** Skips the test when no server answers, unless CI=true, where that is a failure. */
  static synchronized void assumePostgres() {
    if (postgresAnswers == null) {
      try (PostgresBackend db =
          PostgresBackend.connect(
              PG_URL,
              PostgresOptions.defaults()
                  .withPoolSize(1)
                  .withConnectTimeout(Duration.ofSeconds(30)))) {
        db.query("SELECT 1", row -> row.getLong(1));
        postgresAnswers = true;
      } catch (RuntimeException e) {
        postgresAnswers = false;
      }
    }
    if (!postgresAnswers) {
      if ("true".equals(System.getenv("CI"))) {
        Assertions.fail("CI=true and no PostgreSQL server answers at " + PG_URL);
      }
      Assumptions.abort("no PostgreSQL server answers at " + PG_URL + " (set AGENT_STORE_PG_URL)");
    }
  }

  /** A fresh schema name on the test server, dropped by {@link Schema#close()}. */
  static Schema schema() {
    assumePostgres();
    return new Schema("cli_test_" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1));
  }

  /** A PostgreSQL schema used by one test. */
  record Schema(String name) implements AutoCloseable {
    PostgresBackend open() {
      return PostgresBackend.connect(
          PG_URL, PostgresOptions.defaults().withSchema(name).withPoolSize(2));
    }

    /** Table {@code table} of this schema as SQL names it. */
    String table(String table) {
      return "\"" + name + "\"." + table;
    }

    @Override
    public void close() {
      try (PostgresBackend db = open()) {
        db.exec("DROP SCHEMA IF EXISTS \"" + name + "\" CASCADE");
      }
    }
  }
}
