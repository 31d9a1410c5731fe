package dev.agentstore.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The PGlite server runs the real pgvector: the extension, an HNSW index and cosine ordering. */
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
}
