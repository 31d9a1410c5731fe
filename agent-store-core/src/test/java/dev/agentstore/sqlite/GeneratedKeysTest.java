package dev.agentstore.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * agent-store's SQLite connections do not fetch generated keys after an INSERT; the row id of the
 * consumer's own insert is read with {@code last_insert_rowid()} in the same transaction.
 */
class GeneratedKeysTest {
  @TempDir Path dir;

  @Test
  void theRowIdOfAnInsertIsReadInTheSameTransaction() {
    try (SqliteBackend db = SqliteBackend.open(dir.resolve("store.db"))) {
      db.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)");
      db.exec("INSERT INTO notes (body) VALUES (?)", "first");
      long id =
          db.inTransaction(
              tx -> {
                tx.exec("INSERT INTO notes (body) VALUES (?)", "second");
                return tx.queryOne("SELECT last_insert_rowid()", row -> row.getLong(1))
                    .orElseThrow();
              });
      assertEquals(2, id);
    }
  }

  @Test
  void theEscapeHatchReturnsNoGeneratedKeys() throws Exception {
    try (SqliteBackend db = SqliteBackend.open(dir.resolve("store.db"))) {
      db.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)");
      try (PreparedStatement insert =
          db.connection()
              .prepareStatement(
                  "INSERT INTO notes (body) VALUES ('x')", Statement.RETURN_GENERATED_KEYS)) {
        assertEquals(1, insert.executeUpdate());
        try (ResultSet keys = insert.getGeneratedKeys()) {
          assertFalse(keys.next(), "no hidden SELECT last_insert_rowid() after the INSERT");
        }
      }
    }
  }
}
