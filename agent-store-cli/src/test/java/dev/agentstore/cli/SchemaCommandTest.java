package dev.agentstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.Entry;
import dev.agentstore.Generation;
import dev.agentstore.Recall;
import dev.agentstore.WriterLog;
import dev.agentstore.postgres.PostgresBackend;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code schema --print-sql}: a script an operator runs through psql or a migration tool. */
class SchemaCommandTest {
  @Test
  void printsAScriptThatLaysDownAStoreTheLibraryThenAcceptsAsIs() throws SQLException {
    try (TestStores.Schema schema = TestStores.schema()) {
      String script = Cli.run("schema", "--print-sql", "--schema", schema.name()).expect(0).out();
      assertTrue(script.startsWith("-- agent-store"), script);
      assertTrue(script.contains("BEGIN;\n") && script.contains("COMMIT;\n"), script);
      assertTrue(script.contains("-- GRANT SELECT, INSERT ON \"" + schema.name()), script);
      for (String statement : PostgresBackend.installStatements(schema.name())) {
        assertTrue(script.contains(statement + ";\n"), statement);
      }
      try (Connection admin = DriverManager.getConnection(TestStores.PG_URL);
          Statement statement = admin.createStatement()) {
        // The whole script as one string, as psql -f would send it; twice, since it is idempotent.
        statement.execute(script);
        statement.execute(script);
      }
      try (PostgresBackend db = schema.open()) {
        WriterLog.checkSchema(db);
        Generation.checkSchema(db);
        assertEquals(1, WriterLog.append(db, "s", "w", new byte[] {1}).seq());
        assertEquals(
            List.of(1L),
            db.query(
                "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                    + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ?"
                    + " AND t.tgname LIKE '\\_agent\\_store\\_%'",
                row -> row.getLong(1), schema.name()));
      }
    }
  }

  @Test
  void withRecallTheScriptAlsoLaysDownTheVectorTable() throws SQLException {
    try (TestStores.Schema schema = TestStores.schema()) {
      String plain = Cli.run("schema", "--print-sql", "--schema", schema.name()).expect(0).out();
      String script =
          Cli.run("schema", "--print-sql", "--recall", "--schema", schema.name()).expect(0).out();
      List<String> recall = PostgresBackend.recallInstallStatements(schema.name());
      assertEquals(2, recall.size(), recall::toString);
      for (String statement : recall) {
        assertTrue(script.contains(statement + ";\n"), statement);
        assertFalse(plain.contains(statement), "without --recall: " + statement);
      }
      assertTrue(script.contains("._agent_store_vec TO reader;"), script);
      try (Connection admin = DriverManager.getConnection(TestStores.PG_URL);
          Statement statement = admin.createStatement()) {
        statement.execute(script);
        statement.execute(script);
      }
      try (PostgresBackend db = schema.open()) {
        Recall.checkSchema(db);
        Entry entry = WriterLog.append(db, "s", "w", "hello".getBytes(StandardCharsets.UTF_8));
        Recall.index(db, entry, "m", new float[] {1, 0});
        assertEquals(1, Recall.search(db, "m", new float[] {1, 0}, 5).get(0).entry().seq());
      }
    }
  }

  @Test
  void withoutAnActionItIsAUsageError() {
    Cli.Result run = Cli.run("schema").expect(Main.EXIT_USAGE);
    assertTrue(run.err().contains("--print-sql"), run.err());
  }
}
