package dev.agentstore.postgres;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.agentstore.Entry;
import dev.agentstore.Follower;
import dev.agentstore.WriterLog;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The PGlite server of the pgvector tests: the real pgvector (extension, HNSW index, cosine
 * ordering), and agent-store's PostgreSQL backend working on it. One class, so one server start
 * (about 30 s of WASM compilation on two cores).
 */
class PgvectorServerTest {
  @RegisterExtension static final PgliteServer PGLITE = new PgliteServer();

  @Test
  void anHnswIndexOnCosineDistanceOrdersRowsByAngleToTheQuery() throws SQLException {
    try (Connection connection = PGLITE.connection();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE EXTENSION IF NOT EXISTS vector");
      statement.execute("CREATE TABLE smoke (id int PRIMARY KEY, embedding vector(3) NOT NULL)");
      statement.execute(
          "INSERT INTO smoke VALUES (1, '[1,0,0]'), (2, '[0,1,0]'), (3, '[1,1,0]'),"
              + " (4, '[-1,0,0]'), (5, '[0,0,1]'), (6, '[2,0.1,0]')");
      statement.execute(
          "CREATE INDEX smoke_hnsw ON smoke USING hnsw (embedding vector_cosine_ops)"
              + " WITH (m = 16, ef_construction = 64)");
      connection.setAutoCommit(false);
      // Force the index: on six rows the planner would rather scan.
      statement.execute("SET LOCAL enable_seqscan = off");
      statement.execute("SET LOCAL hnsw.ef_search = 40");
      assertEquals(
          List.of("->  Index Scan using smoke_hnsw on smoke"),
          firstPlanLine(connection, "[1,0.1,0]"),
          "the query uses the HNSW index");
      // Angles to [1,0.1,0]: 6 (0.04 rad), 1 (0.10), 3 (0.69), 2 (1.47), 5 (1.57), 4 (3.04).
      try (PreparedStatement query =
          connection.prepareStatement(
              "SELECT id FROM smoke ORDER BY embedding <=> ?::vector LIMIT 6")) {
        query.setString(1, "[1,0.1,0]");
        List<Integer> ids = new ArrayList<>();
        try (ResultSet rows = query.executeQuery()) {
          while (rows.next()) {
            ids.add(rows.getInt(1));
          }
        }
        assertEquals(List.of(6, 1, 3, 2, 5, 4), ids);
      }
      connection.commit();
      try (ResultSet version =
          statement.executeQuery("SELECT extversion FROM pg_extension WHERE extname = 'vector'")) {
        version.next();
        assertEquals("0.8.7", version.getString(1), "the pgvector version PGlite ships");
      }
    }
  }

  private static List<String> firstPlanLine(Connection connection, String vector)
      throws SQLException {
    try (PreparedStatement explain =
        connection.prepareStatement(
            "EXPLAIN (COSTS OFF) SELECT id FROM smoke ORDER BY embedding <=> ?::vector LIMIT 6")) {
      explain.setString(1, vector);
      List<String> lines = new ArrayList<>();
      try (ResultSet rows = explain.executeQuery()) {
        while (rows.next()) {
          lines.add(rows.getString(1).trim());
        }
      }
      // "Limit" first, then the scan under it.
      return lines.subList(1, 2);
    }
  }

  @Test
  void theBackendCreatesItsSchemaAppendsReadsAndVerifies() {
    PostgresBackend db = PGLITE.newBackend();
    WriterLog.ensureSchema(db);
    WriterLog.ensureSchema(db);
    Entry first = WriterLog.append(db, "s", "w", new byte[] {1});
    Entry second = WriterLog.append(db, "s", "w", new byte[] {2});
    List<Entry> both = WriterLog.appendAll(db, "s", "w", List.of(new byte[] {3}, new byte[] {4}));
    assertEquals(List.of(1L, 2L), List.of(first.seq(), second.seq()));
    assertEquals(List.of(3L, 4L), both.stream().map(Entry::seq).toList());
    List<Entry> read = WriterLog.readAfter(db, "s", "w", 0, 10);
    assertEquals(4, read.size());
    assertArrayEquals(new byte[] {4}, read.get(3).payload());
    assertEquals(4, WriterLog.verify(db, "s", "w").orElseThrow().seq());
    assertEquals(List.of("s"), WriterLog.streams(db));
  }

  @Test
  void fourThreadsAppendThroughAPoolOfTwoAndAFollowerSeesEveryEntry() throws Exception {
    PostgresBackend db = PGLITE.newBackend();
    WriterLog.ensureSchema(db);
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try (Follower follower = WriterLog.followStream(db, "s")) {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        String writer = "w" + t;
        done.add(
            threads.submit(
                () -> {
                  for (int i = 0; i < 25; i++) {
                    WriterLog.append(db, "s", writer, new byte[] {(byte) i});
                  }
                }));
      }
      for (Future<?> one : done) {
        one.get(120, TimeUnit.SECONDS);
      }
      int seen = 0;
      while (seen < 100) {
        Optional<Entry> next = follower.poll(Duration.ofSeconds(60));
        assertEquals(true, next.isPresent(), "the follower saw entry " + (seen + 1) + " of 100");
        seen++;
      }
    } finally {
      threads.shutdownNow();
    }
    for (int t = 0; t < 4; t++) {
      assertEquals(25, WriterLog.verify(db, "s", "w" + t).orElseThrow().seq());
    }
  }

  /**
   * Pins the limit docs/postgresql.md describes: every connection is the same PostgreSQL session,
   * so session state (settings, session advisory locks, named prepared statements) is shared.
   */
  @Test
  void everyConnectionIsOneSharedSession() throws SQLException {
    try (Connection a = PGLITE.connection();
        Connection b = PGLITE.connection();
        Statement onA = a.createStatement();
        Statement onB = b.createStatement()) {
      assertEquals(single(onA, "SELECT pg_backend_pid()"), single(onB, "SELECT pg_backend_pid()"));
      onA.execute("SET application_name = 'set on a'");
      assertEquals("set on a", single(onB, "SHOW application_name"));
      onA.execute("PREPARE shared_plan AS SELECT 41 + 1");
      assertEquals("42", single(onB, "EXECUTE shared_plan"));
      onB.execute("DEALLOCATE shared_plan");
    }
  }

  private static String single(Statement statement, String sql) throws SQLException {
    try (ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getString(1);
    }
  }
}
