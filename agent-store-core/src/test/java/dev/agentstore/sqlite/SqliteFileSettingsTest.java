package dev.agentstore.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentstore.Durability;
import dev.agentstore.Entry;
import dev.agentstore.Generation;
import dev.agentstore.WriterLog;
import dev.agentstore.interop.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A SQLite file opened by agent-store runs with the settings the reference crate uses. */
class SqliteFileSettingsTest {
  private static final JsonNode REFERENCE_PRAGMAS = Fixtures.json("pragmas.json");

  @TempDir Path dir;

  @Test
  void aFileStoreRunsInWalWithNormalSyncAndAFiveSecondBusyTimeout() throws SQLException {
    try (SqliteBackend store = SqliteBackend.open(dir.resolve("store.db"))) {
      assertEquals("wal", pragma(store, "journal_mode"));
      assertEquals("1", pragma(store, "synchronous"));
      assertEquals("5000", pragma(store, "busy_timeout"));
    }
  }

  @Test
  void theSettingsMatchThoseTheReferenceCrateReported() throws SQLException {
    try (SqliteBackend store = SqliteBackend.open(dir.resolve("store.db"))) {
      WriterLog.ensureSchema(store);
      for (String name :
          List.of(
              "journal_mode",
              "synchronous",
              "busy_timeout",
              "encoding",
              "page_size",
              "auto_vacuum",
              "foreign_keys",
              "application_id",
              "user_version")) {
        assertEquals(REFERENCE_PRAGMAS.get(name).asText(), pragma(store, name), name);
      }
    }
  }

  @Test
  void readConnectionsWaitAsLongAsTheWriter() {
    try (SqliteBackend store = SqliteBackend.open(dir.resolve("store.db"))) {
      // A file store's own queries run on its read connections.
      assertEquals(List.of(5000L), store.query("PRAGMA busy_timeout", r -> r.getLong(1)));
      assertEquals(List.of("wal"), store.query("PRAGMA journal_mode", r -> r.getString(1)));
    }
  }

  @Test
  void durabilityFullSetsSynchronousToFull() throws SQLException {
    SqliteOptions full = SqliteOptions.defaults().withDurability(Durability.FULL);
    try (SqliteBackend store = SqliteBackend.open(dir.resolve("store.db"), full)) {
      assertEquals("wal", pragma(store, "journal_mode"));
      assertEquals("2", pragma(store, "synchronous"));
      assertEquals("5000", pragma(store, "busy_timeout"));
      assertEquals(Durability.FULL, store.options().durability());
    }
  }

  @Test
  void aStoreOpenedWithDurabilityFullWorksAndKeepsItsEntries() {
    Path file = dir.resolve("store.db");
    SqliteOptions full = SqliteOptions.defaults().withDurability(Durability.FULL);
    Entry second;
    try (SqliteBackend store = SqliteBackend.open(file, full)) {
      WriterLog.ensureSchema(store);
      Generation.ensureSchema(store);
      WriterLog.append(store, "s", "w", "one".getBytes(StandardCharsets.UTF_8));
      second = WriterLog.append(store, "s", "w", "two".getBytes(StandardCharsets.UTF_8));
      assertEquals(1, new Generation("g").bump(store));
      assertEquals(Optional.of(second.toHead()), WriterLog.verify(store, "s", "w"));
    }
    try (SqliteBackend store = SqliteBackend.open(file, full)) {
      assertEquals(second, WriterLog.head(store, "s", "w").orElseThrow());
      assertEquals(1, new Generation("g").current(store));
    }
  }

  @Test
  void theBusyTimeoutOptionReachesSqlite() throws SQLException {
    SqliteOptions patient =
        SqliteOptions.defaults().withBusyTimeout(java.time.Duration.ofSeconds(9));
    try (SqliteBackend store = SqliteBackend.open(dir.resolve("store.db"), patient)) {
      assertEquals("9000", pragma(store, "busy_timeout"));
      assertEquals(List.of(9000L), store.query("PRAGMA busy_timeout", r -> r.getLong(1)));
    }
  }

  private static String pragma(SqliteBackend store, String name) throws SQLException {
    try (Statement statement = store.connection().createStatement();
        ResultSet rs = statement.executeQuery("PRAGMA " + name)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
