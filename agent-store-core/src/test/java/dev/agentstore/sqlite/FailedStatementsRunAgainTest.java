package dev.agentstore.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.StoreException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A statement that failed while running (here: an integer overflow inside SQLite, which the driver
 * answers by discarding the prepared statement) runs again on the next call: agent-store's cache of
 * prepared statements never hands out a dead one.
 */
class FailedStatementsRunAgainTest {
  private static final String INSERT = "INSERT INTO consumer (x) VALUES (abs(?))";
  private static final String SELECT = "SELECT abs(?) FROM consumer WHERE x = 5";

  @TempDir Path dir;

  @Test
  void aConsumerStatementThatFailedOnTheWriterRunsAgain() {
    try (SqliteBackend store = SqliteBackend.open(dir.resolve("store.db"))) {
      store.exec("CREATE TABLE consumer (x INTEGER)");
      for (int attempt = 0; attempt < 3; attempt++) {
        StoreException e =
            assertThrows(StoreException.class, () -> store.exec(INSERT, Long.MIN_VALUE));
        assertTrue(e.getMessage().contains("integer overflow"), e.getMessage());
      }
      assertEquals(1, store.exec(INSERT, -5L));
      assertEquals(List.of(5L), store.query("SELECT x FROM consumer", r -> r.getLong(1)));
    }
  }

  @Test
  void aConsumerQueryThatFailedOnAReaderRunsAgain() {
    try (SqliteBackend store = SqliteBackend.open(dir.resolve("store.db"))) {
      store.exec("CREATE TABLE consumer (x INTEGER)");
      store.exec("INSERT INTO consumer (x) VALUES (5)");
      for (int attempt = 0; attempt < 3; attempt++) {
        StoreException e =
            assertThrows(
                StoreException.class, () -> store.query(SELECT, r -> r.getLong(1), Long.MIN_VALUE));
        assertTrue(e.getMessage().contains("integer overflow"), e.getMessage());
      }
      assertEquals(List.of(7L), store.query(SELECT, r -> r.getLong(1), -7L));
    }
  }
}
