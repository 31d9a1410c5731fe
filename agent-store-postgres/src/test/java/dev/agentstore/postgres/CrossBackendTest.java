package dev.agentstore.postgres;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.agentstore.Entry;
import dev.agentstore.Generation;
import dev.agentstore.Head;
import dev.agentstore.WriterLog;
import dev.agentstore.interop.Fixtures;
import dev.agentstore.interop.Fixtures.Chain;
import dev.agentstore.interop.Fixtures.Manifest;
import dev.agentstore.sqlite.SqliteBackend;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A store moves between SQLite and PostgreSQL without any entry changing. */
class CrossBackendTest {
  @RegisterExtension static final PostgresTestServer PG = new PostgresTestServer("cross");

  @TempDir Path dir;

  @Test
  void referenceEntriesCopiedIntoPostgresKeepEveryContentHash() {
    Manifest manifest = Manifest.load();
    PostgresBackend pg = PG.newBackend();
    WriterLog.ensureSchema(pg);
    Generation.ensureSchema(pg);
    try (SqliteBackend reference = SqliteBackend.open(Fixtures.copy("reference.db", dir))) {
      for (Head head : WriterLog.heads(reference)) {
        List<byte[]> payloads =
            WriterLog.entries(reference, head.stream(), head.writer()).map(Entry::payload).toList();
        WriterLog.appendAll(pg, head.stream(), head.writer(), payloads);
      }
      for (Map.Entry<String, Long> generation : manifest.generations().entrySet()) {
        new Generation(generation.getKey()).set(pg, generation.getValue());
      }
    }
    for (Chain chain : manifest.chains()) {
      List<Entry> expected = manifest.entriesOf(chain);
      assertEquals(
          expected,
          WriterLog.entries(pg, chain.stream(), chain.writer()).toList(),
          chain.toString());
      assertEquals(
          manifest.headOf(chain),
          WriterLog.verify(pg, chain.stream(), chain.writer()).orElseThrow(),
          chain.toString());
    }
    assertEquals(manifest.heads(), WriterLog.heads(pg));
    for (Map.Entry<String, Long> generation : manifest.generations().entrySet()) {
      assertEquals(
          generation.getValue().longValue(), new Generation(generation.getKey()).current(pg));
    }
  }

  @Test
  void chainStartedOnSqliteAndContinuedOnPostgresVerifies() {
    PostgresBackend pg = PG.newBackend();
    WriterLog.ensureSchema(pg);
    List<Entry> started;
    try (SqliteBackend sqlite = SqliteBackend.open(dir.resolve("laptop.db"))) {
      WriterLog.ensureSchema(sqlite);
      for (int i = 1; i <= 5; i++) {
        WriterLog.append(sqlite, "conv", "alice", Fixtures.utf8("laptop turn " + i));
      }
      started = WriterLog.entries(sqlite, "conv", "alice").toList();
    }
    WriterLog.appendAll(pg, "conv", "alice", started.stream().map(Entry::payload).toList());
    assertEquals(started, WriterLog.entries(pg, "conv", "alice").toList());
    Entry continued = WriterLog.append(pg, "conv", "alice", Fixtures.utf8("cluster turn 6"));
    assertEquals(6, continued.seq());
    assertArrayEquals(started.get(4).contentHash(), continued.prevHash());
    assertArrayEquals(
        Fixtures.contentHash(started.get(4).contentHash(), Fixtures.utf8("cluster turn 6")),
        continued.contentHash());
    assertEquals(6, WriterLog.verify(pg, "conv", "alice").orElseThrow().seq());
  }
}
