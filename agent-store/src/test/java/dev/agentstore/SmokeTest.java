package dev.agentstore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.agentstore.sqlite.SqliteBackend;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmokeTest {
  @Test
  void smoke(@TempDir Path dir) {
    try (SqliteBackend db = SqliteBackend.open(dir.resolve("s.db"))) {
      Generation.ensureSchema(db);
      WriterLog.ensureSchema(db);
      Generation g = new Generation("g");
      assertEquals(0, g.current(db));
      assertEquals(1, g.bump(db));
      assertEquals(2, g.bump(db));
      g.set(db, 10);
      assertEquals(10, g.current(db));
      Entry e = WriterLog.append(db, "s", "w", "hi".getBytes(StandardCharsets.UTF_8));
      assertEquals(1, e.seq());
      WriterLog.append(db, "s", "w", new byte[0]);
      assertEquals(2, WriterLog.verify(db, "s", "w").orElseThrow().seq());
      assertEquals(2, WriterLog.entries(db, "s", "w").count());
      assertEquals(0, WriterLog.entries(db, "s", "w").toList().get(1).payload().length);
    }
  }
}
