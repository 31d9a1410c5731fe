package dev.agentstore.postgres;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.agentstore.Entry;
import dev.agentstore.WriterLog;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The PostgreSQL backend on the PGlite server: schema, appends, reads and verification. */
class PglitePostgresBackendTest {
  @RegisterExtension static final PgliteServer PGLITE = new PgliteServer();

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
}
