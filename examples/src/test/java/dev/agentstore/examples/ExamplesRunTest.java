package dev.agentstore.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.Generation;
import dev.agentstore.Head;
import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import dev.agentstore.torture.ChildJvm;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every example runs as its own program, in a child JVM as a user would start it, exits 0, prints
 * exactly what it says it does, and leaves the store it describes.
 */
class ExamplesRunTest {
  @TempDir Path dir;

  @Test
  void twoAgentsTakeTurnsInOneConversation() throws Exception {
    Path store = dir.resolve("conversation.db");
    List<String> lines = run(TwoAgentsConversation.class, store.toString());
    assertEquals(
        List.of(
            "store: " + store,
            "alice #1: what is 2 + 2?",
            "bob   #1: it is 4",
            "alice #2: what is 6 * 7?",
            "bob   #2: it is 42",
            "alice #3: what is 10 - 3?",
            "bob   #3: it is 7",
            "verified conv:demo/alice up to seq 3: intact",
            "verified conv:demo/bob up to seq 3: intact"),
        lines);
    try (SqliteBackend db = SqliteBackend.open(store)) {
      assertEquals(
          List.of(3L, 3L), WriterLog.heads(db, "conv:demo").stream().map(Head::seq).toList());
    }
  }

  @Test
  void aLateRunOfAnOlderGenerationDiscardsItsReport() throws Exception {
    Path store = dir.resolve("reports.db");
    List<String> lines = run(ReportGenerations.class, store.toString());
    assertEquals(
        List.of(
            "store: " + store,
            "run A started: generation 1",
            "run A published report seq 1: 3 jobs done",
            "run B started: generation 2",
            "run C started: generation 3",
            "run C published report seq 2: 4 jobs done, 1 retried",
            "run B discarded its report: generation 2 is stale, the current one is 3",
            "latest report: seq 2, generation 3 (current): 4 jobs done, 1 retried",
            "verified reports/engine up to seq 2"),
        lines);
    try (SqliteBackend db = SqliteBackend.open(store)) {
      assertEquals(3, new Generation("report.nightly").current(db));
      assertEquals(2, WriterLog.head(db, "reports", "engine").orElseThrow().seq());
    }
  }

  @Test
  void aFollowerInAnotherProcessPrintsEveryEntryOnceInOrder() throws Exception {
    Path store = dir.resolve("jobs.db");
    List<String> lines = run(FollowerInAnotherProcess.class, store.toString());
    assertEquals("store: " + store, lines.get(0));
    assertTrue(
        lines.get(1).matches("follower process \\d+ is following"), "line 2: " + lines.get(1));
    assertEquals(
        List.of(
            "appended seq 1",
            "appended seq 2",
            "appended seq 3",
            "appended seq 4",
            "appended seq 5",
            "follower: seq 1: job 1 done",
            "follower: seq 2: job 2 done",
            "follower: seq 3: job 3 done",
            "follower: seq 4: job 4 done",
            "follower: seq 5: job 5 done",
            "follower exited with 0"),
        lines.subList(2, lines.size()));
  }

  @Test
  void aSqliteStoreMovesToAFreshPostgresSchemaWithTheSameHeads() throws Exception {
    requirePostgres();
    String schema = "agent_store_test_examples_" + ProcessHandle.current().pid();
    dropSchema(schema);
    try {
      List<String> lines = run(SqliteToPostgres.class, schema);
      assertTrue(lines.get(0).startsWith("from: SQLite store "), lines.get(0));
      assertTrue(lines.get(1).startsWith("to:   PostgreSQL store "), lines.get(1));
      assertTrue(lines.get(1).endsWith("(schema " + schema + ")"), lines.get(1));
      assertEquals(
          List.of(
              "chain conv:demo/alice: 3 entries, head seq 3 "
                  + headOf("alice")
                  + ", same head on both sides",
              "chain conv:demo/bob: 3 entries, head seq 3 "
                  + headOf("bob")
                  + ", same head on both sides",
              "generation report.nightly: 7",
              "appended on PostgreSQL: conv:demo/alice seq 4"),
          lines.subList(2, lines.size()));
    } finally {
      dropSchema(schema);
    }
  }

  /** The first 12 hex digits of the head hash of a chain "NAME 1", "NAME 2", "NAME 3". */
  private static String headOf(String writer) {
    try (SqliteBackend db = SqliteBackend.inMemory()) {
      WriterLog.ensureSchema(db);
      for (int turn = 1; turn <= 3; turn++) {
        WriterLog.append(db, "conv:demo", writer, (writer + " " + turn).getBytes(UTF_8));
      }
      return WriterLog.head(db, "conv:demo", writer)
          .orElseThrow()
          .contentHashHex()
          .substring(0, 12);
    }
  }

  /** Runs {@code main} in a child JVM; it must exit 0 within two minutes. Returns its lines. */
  private List<String> run(Class<?> main, String... args) throws Exception {
    Path log = dir.resolve(main.getSimpleName() + ".log");
    try (ChildJvm child = ChildJvm.start(main, log, args)) {
      int exit = child.await(120);
      String output = child.output();
      assertEquals(0, exit, main.getSimpleName() + " failed; output:\n" + output);
      // Newer JVMs warn on stderr (merged here) when sqlite-jdbc loads its native library.
      return output.lines().filter(line -> !line.startsWith("WARNING: ")).toList();
    }
  }

  private static String pgUrl() {
    String url = System.getenv("AGENT_STORE_PG_URL");
    return url == null || url.isBlank() ? SqliteToPostgres.DEFAULT_URL : url;
  }

  /** Skips when the test server does not answer, except under CI=true, where that fails. */
  private static void requirePostgres() {
    try (Connection connection = DriverManager.getConnection(pgUrl())) {
      connection.isValid(5);
    } catch (SQLException e) {
      String reason = "PostgreSQL test server does not answer: " + e.getMessage();
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        Assertions.fail(reason + " (CI=true: required)");
      }
      Assumptions.abort(reason + " (set CI=true to make this a failure)");
    }
  }

  private static void dropSchema(String schema) throws SQLException {
    try (Connection connection = DriverManager.getConnection(pgUrl());
        Statement statement = connection.createStatement()) {
      statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }
}
