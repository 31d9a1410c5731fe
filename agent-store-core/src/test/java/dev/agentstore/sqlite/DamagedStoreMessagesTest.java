package dev.agentstore.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.agentstore.CorruptStoreException;
import dev.agentstore.WriterLog;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store whose pages are damaged is reported as damaged, in words, naming the store and the
 * operation: never with the SQL that met the damage (agent-store's own or the schema SQLite
 * quotes), which the cause still holds.
 */
class DamagedStoreMessagesTest {
  @TempDir Path dir;

  @Test
  void aDamagedPageIsReportedWithoutSql() throws Exception {
    Path file = dir.resolve("store.db");
    try (SqliteBackend db = SqliteBackend.open(file)) {
      WriterLog.ensureSchema(db);
      for (int i = 0; i < 200; i++) {
        WriterLog.append(db, "s", "w", new byte[1000]);
      }
    }
    // Pages 1-2 hold the header and the schema; damage every page after them.
    try (RandomAccessFile raw = new RandomAccessFile(file.toFile(), "rw")) {
      byte[] garbage = new byte[4096];
      Arrays.fill(garbage, (byte) 0x5a);
      for (long page = 2; page * 4096 < raw.length(); page++) {
        raw.seek(page * 4096);
        raw.write(garbage);
      }
    }
    String damaged =
        " on SQLite store "
            + file
            + " failed: the database file is damaged (SQLite reports a malformed database image)";
    try (SqliteBackend db = SqliteBackend.open(file)) {
      CorruptStoreException verify =
          assertThrows(CorruptStoreException.class, () -> WriterLog.verify(db, "s", "w"));
      assertEquals("reading the head of s/w" + damaged, verify.getMessage());
      CorruptStoreException query =
          assertThrows(
              CorruptStoreException.class,
              () -> db.query("SELECT count(*) FROM _agent_store_log", row -> row.getLong(1)));
      assertEquals("a query" + damaged, query.getMessage());
    }
  }
}
