package dev.agentstore.examples;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.agentstore.Backend;
import dev.agentstore.Entry;
import dev.agentstore.Generation;
import dev.agentstore.Head;
import dev.agentstore.WriterLog;
import dev.agentstore.postgres.PostgresBackend;
import dev.agentstore.postgres.PostgresOptions;
import dev.agentstore.sqlite.SqliteBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Moves a store from a SQLite file to a fresh schema on a PostgreSQL server. Entries keep their
 * seqs and hashes ({@link WriterLog#importEntries}, which checks every link), so each chain's head
 * hash is the same on both sides and agents carry on appending where they stopped.
 *
 * <p>Run: {@code java dev.agentstore.examples.SqliteToPostgres [SCHEMA [SQLITE_FILE]]}. The server
 * is the system property {@code agentstore.example.pg.url}, else the environment variable {@code
 * AGENT_STORE_PG_URL}, else {@value #DEFAULT_URL}. The schema (default {@code
 * agent_store_example_<pid>}) must not hold a store yet, and is left on the server. Without a
 * SQLite file, a small one is made first in a new temporary directory.
 *
 * <p>The {@code agent-store copy} command does the same with resumable batches and a report.
 */
public final class SqliteToPostgres {
  /** The server the project's tests use. */
  public static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

  private static final int BATCH = 1_000;

  private SqliteToPostgres() {}

  /** Copies every chain and generation, then verifies every chain on PostgreSQL. */
  public static void main(String[] args) throws Exception {
    String schema =
        args.length > 0 ? args[0] : "agent_store_example_" + ProcessHandle.current().pid();
    if (args.length > 1) {
      move(Path.of(args[1]), schema);
      return;
    }
    Path sample = sampleStore();
    try {
      move(sample, schema);
    } finally {
      // The sample was only made to be moved; the copy on the server stays.
      try (Stream<Path> files = Files.list(sample.getParent())) {
        for (Path made : files.toList()) {
          Files.delete(made);
        }
      }
      Files.delete(sample.getParent());
    }
  }

  /** Moves the store in {@code file} into {@code schema}. */
  private static void move(Path file, String schema) {
    try (SqliteBackend source = SqliteBackend.open(file);
        PostgresBackend destination =
            PostgresBackend.connect(url(), PostgresOptions.defaults().withSchema(schema))) {
      System.out.println("from: " + source.describe());
      System.out.println("to:   " + destination.describe());
      WriterLog.ensureSchema(destination); // creates the schema and both tables
      Generation.ensureSchema(destination);
      if (!WriterLog.streams(destination).isEmpty()) {
        throw new IllegalStateException("schema " + schema + " already holds a store");
      }

      for (Head head : WriterLog.heads(source)) {
        // A broken source chain stops the copy before it writes anything of that chain.
        WriterLog.verify(source, head.stream(), head.writer());
        long copied = copyChain(source, destination, head.stream(), head.writer());
        Head copy = WriterLog.verify(destination, head.stream(), head.writer()).orElseThrow();
        System.out.println(
            "chain "
                + head.stream()
                + "/"
                + head.writer()
                + ": "
                + copied
                + " entries, head seq "
                + copy.seq()
                + " "
                + shortHex(copy.contentHashHex())
                + (copy.equals(head) ? ", same head on both sides" : ", HEADS DIFFER"));
        if (!copy.equals(head)) {
          throw new IllegalStateException(
              "head of " + head.stream() + "/" + head.writer() + " differs");
        }
      }

      for (Map.Entry<String, Long> counter : generations(source).entrySet()) {
        Generation generation = new Generation(counter.getKey());
        generation.set(destination, counter.getValue());
        System.out.println(
            "generation " + counter.getKey() + ": " + generation.current(destination));
      }

      // The copy is a working store: the next append continues the chain.
      Entry next =
          WriterLog.append(
              destination, "conv:demo", "alice", "hello from PostgreSQL".getBytes(UTF_8));
      System.out.println("appended on PostgreSQL: conv:demo/alice seq " + next.seq());
    }
  }

  /** Copies one chain in batches, each a transaction of its own; returns the number of entries. */
  private static long copyChain(Backend from, Backend to, String stream, String writer) {
    long copied = 0;
    List<Entry> batch = new ArrayList<>(BATCH);
    // entries() reads a page at a time, so a long chain never sits in memory whole.
    try (Stream<Entry> entries = WriterLog.entries(from, stream, writer)) {
      for (Entry entry : (Iterable<Entry>) entries::iterator) {
        batch.add(entry);
        if (batch.size() == BATCH) {
          WriterLog.importEntries(to, batch);
          copied += batch.size();
          batch.clear();
        }
      }
    }
    WriterLog.importEntries(to, batch);
    return copied + batch.size();
  }

  /**
   * Every generation of the store. The API has no call that lists them, so this reads the table of
   * the on-disk format (docs/format.md) with the backend's own SQL.
   */
  private static Map<String, Long> generations(Backend db) {
    return db
        .query(
            "SELECT key, ival FROM _agent_store_meta ORDER BY key",
            row -> Map.entry(row.getString(1), row.getLong(2)))
        .stream()
        .collect(
            Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
  }

  /** A small SQLite store to move: two agents' conversation and a report generation. */
  private static Path sampleStore() throws Exception {
    Path file = Files.createTempDirectory("agent-store-example").resolve("laptop.db");
    try (SqliteBackend db = SqliteBackend.open(file)) {
      WriterLog.ensureSchema(db);
      Generation.ensureSchema(db);
      for (int turn = 1; turn <= 3; turn++) {
        WriterLog.append(db, "conv:demo", "alice", ("alice " + turn).getBytes(UTF_8));
        WriterLog.append(db, "conv:demo", "bob", ("bob " + turn).getBytes(UTF_8));
      }
      new Generation("report.nightly").set(db, 7);
    }
    return file;
  }

  private static String url() {
    String property = System.getProperty("agentstore.example.pg.url");
    if (property != null && !property.isBlank()) {
      return property;
    }
    String env = System.getenv("AGENT_STORE_PG_URL");
    return env == null || env.isBlank() ? DEFAULT_URL : env;
  }

  private static String shortHex(String hex) {
    return hex.substring(0, 12);
  }
}
