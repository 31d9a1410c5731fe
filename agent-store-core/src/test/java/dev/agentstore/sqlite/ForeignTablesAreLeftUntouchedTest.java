package dev.agentstore.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.Generation;
import dev.agentstore.SchemaMismatchException;
import dev.agentstore.StoreException;
import dev.agentstore.WriterLog;
import dev.agentstore.interop.Fixtures;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A table of another application that happens to carry agent-store's name is refused with {@link
 * SchemaMismatchException} naming the table and its columns, and its rows stay as they were.
 */
class ForeignTablesAreLeftUntouchedTest {
  @TempDir Path dir;

  @Test
  void aForeignLogTableIsRefusedByEnsureSchema() throws SQLException {
    Path file =
        foreignStore(
            "CREATE TABLE _agent_store_log (id INTEGER PRIMARY KEY, body TEXT NOT NULL)",
            "INSERT INTO _agent_store_log (id, body) VALUES (1, 'theirs'), (2, 'also theirs')");
    List<String> rows = dump(file, "_agent_store_log");

    try (SqliteBackend store = SqliteBackend.open(file)) {
      SchemaMismatchException e =
          assertThrows(SchemaMismatchException.class, () -> WriterLog.ensureSchema(store));
      assertEquals("_agent_store_log", e.table());
      assertMessageNames(e, file, "_agent_store_log", "id INTEGER", "body TEXT");
      assertTrue(e.getMessage().contains("payload BLOB"), e.getMessage());

      assertThrows(StoreException.class, () -> WriterLog.append(store, "s", "w", new byte[] {1}));
    }
    assertEquals(rows, dump(file, "_agent_store_log"));
    assertEquals(List.of("_agent_store_log"), tables(file));
  }

  @Test
  void aLogTableWithTheSameNamesButATextPayloadIsRefused() throws SQLException {
    Path file =
        foreignStore(
            "CREATE TABLE _agent_store_log (stream TEXT NOT NULL, writer TEXT NOT NULL, seq INTEGER"
                + " NOT NULL, prev_hash BLOB, content_hash BLOB NOT NULL, payload TEXT NOT NULL,"
                + " PRIMARY KEY (stream, writer, seq))",
            "INSERT INTO _agent_store_log VALUES ('s', 'w', 1, NULL, x'00', 'text')");
    List<String> rows = dump(file, "_agent_store_log");

    try (SqliteBackend store = SqliteBackend.open(file)) {
      SchemaMismatchException e =
          assertThrows(SchemaMismatchException.class, () -> WriterLog.ensureSchema(store));
      assertMessageNames(e, file, "_agent_store_log", "payload TEXT");
    }
    assertEquals(rows, dump(file, "_agent_store_log"));
  }

  @Test
  void aLogTableKeyedDifferentlyIsRefused() throws SQLException {
    Path file =
        foreignStore(
            "CREATE TABLE _agent_store_log (stream TEXT NOT NULL, writer TEXT NOT NULL, seq INTEGER"
                + " NOT NULL, prev_hash BLOB, content_hash BLOB NOT NULL, payload BLOB NOT NULL,"
                + " PRIMARY KEY (seq))",
            "INSERT INTO _agent_store_log VALUES ('s', 'w', 1, NULL, x'00', x'01')");
    List<String> rows = dump(file, "_agent_store_log");

    try (SqliteBackend store = SqliteBackend.open(file)) {
      SchemaMismatchException e =
          assertThrows(SchemaMismatchException.class, () -> WriterLog.ensureSchema(store));
      assertEquals("_agent_store_log", e.table());
    }
    assertEquals(rows, dump(file, "_agent_store_log"));
  }

  @Test
  void aForeignMetaTableIsRefusedByGenerationEnsureSchema() throws SQLException {
    Path file =
        foreignStore(
            "CREATE TABLE _agent_store_meta (name TEXT PRIMARY KEY, value REAL)",
            "INSERT INTO _agent_store_meta VALUES ('gen.epoch', 2.5), ('colour', NULL)");
    List<String> rows = dump(file, "_agent_store_meta");

    try (SqliteBackend store = SqliteBackend.open(file)) {
      SchemaMismatchException e =
          assertThrows(SchemaMismatchException.class, () -> Generation.ensureSchema(store));
      assertEquals("_agent_store_meta", e.table());
      assertMessageNames(e, file, "_agent_store_meta", "name TEXT", "value REAL", "ival INTEGER");

      assertThrows(StoreException.class, () -> new Generation("gen.epoch").bump(store));
    }
    assertEquals(rows, dump(file, "_agent_store_meta"));
    assertEquals(List.of("_agent_store_meta"), tables(file));
  }

  @Test
  void theOtherTableIsStillCreatedBesideAForeignOne() throws SQLException {
    Path file =
        foreignStore(
            "CREATE TABLE _agent_store_meta (name TEXT PRIMARY KEY, value REAL)",
            "INSERT INTO _agent_store_meta VALUES ('theirs', 1.0)");
    List<String> rows = dump(file, "_agent_store_meta");

    try (SqliteBackend store = SqliteBackend.open(file)) {
      WriterLog.ensureSchema(store);
      assertEquals(1, WriterLog.append(store, "s", "w", new byte[] {1}).seq());
    }
    assertEquals(rows, dump(file, "_agent_store_meta"));
    assertEquals(List.of("_agent_store_log", "_agent_store_meta"), tables(file));
  }

  private static void assertMessageNames(
      SchemaMismatchException e, Path file, String table, String... columns) {
    String message = e.getMessage();
    assertTrue(message.startsWith("table " + table + " in "), message);
    assertTrue(message.contains(file.toString()), message);
    for (String column : columns) {
      assertTrue(message.contains(column), column + " missing from: " + message);
    }
  }

  private Path foreignStore(String create, String insert) throws SQLException {
    Path file = dir.resolve("shared.db");
    try (Connection plain = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement statement = plain.createStatement()) {
      statement.execute(create);
      statement.execute(insert);
    }
    return file;
  }

  private static List<String> dump(Path file, String table) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection plain = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement statement = plain.createStatement();
        ResultSet rs = statement.executeQuery("SELECT * FROM " + table + " ORDER BY rowid")) {
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder row = new StringBuilder();
        for (int i = 1; i <= columns; i++) {
          Object value = rs.getObject(i);
          row.append(rs.getMetaData().getColumnName(i)).append('=');
          row.append(value instanceof byte[] bytes ? "x'" + Fixtures.hex(bytes) + "'" : value);
          row.append(';');
        }
        rows.add(row.toString());
      }
    }
    assertFalse(rows.isEmpty());
    return rows;
  }

  private static List<String> tables(Path file) throws SQLException {
    List<String> tables = new ArrayList<>();
    try (Connection plain = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement statement = plain.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")) {
      while (rs.next()) {
        tables.add(rs.getString(1));
      }
    }
    return tables;
  }
}
