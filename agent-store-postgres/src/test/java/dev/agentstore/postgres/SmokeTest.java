package dev.agentstore.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.agentstore.Generation;
import dev.agentstore.WriterLog;
import org.junit.jupiter.api.Test;

class SmokeTest {
  @Test
  void smoke() {
    try (PostgresBackend db =
        PostgresBackend.connect(
            "jdbc:postgresql://127.0.0.1:5432/test?user=postgres",
            PostgresOptions.defaults().withSchema("smoke_" + System.nanoTime()))) {
      Generation.ensureSchema(db);
      WriterLog.ensureSchema(db);
      WriterLog.ensureSchema(db);
      Generation g = new Generation("g");
      assertEquals(0, g.current(db));
      assertEquals(1, g.bump(db));
      g.set(db, 10);
      assertEquals(10, g.current(db));
      for (int i = 0; i < 5; i++) {
        assertEquals(i + 1, WriterLog.append(db, "s", "w", new byte[] {(byte) i}).seq());
      }
      WriterLog.appendAll(db, "s", "w", java.util.List.of(new byte[0], new byte[] {1}));
      assertEquals(7, WriterLog.verify(db, "s", "w").orElseThrow().seq());
      assertEquals(7, WriterLog.entries(db, "s", "w").count());
      db.runInTransaction(tx -> WriterLog.append(tx, "s", "w", new byte[] {9}));
      assertEquals(8, WriterLog.verify(db, "s", "w").orElseThrow().seq());
      db.exec("DROP SCHEMA " + db.schema() + " CASCADE");
    }
  }
}
