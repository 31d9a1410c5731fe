package dev.agentstore.sqlite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.Entry;
import dev.agentstore.Generation;
import dev.agentstore.Head;
import dev.agentstore.ReadOnlyStoreException;
import dev.agentstore.WriterLog;
import dev.agentstore.interop.Fixtures;
import dev.agentstore.interop.Fixtures.Chain;
import dev.agentstore.interop.Fixtures.Manifest;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store opened with {@code withReadOnly(true)} reads and verifies, refuses every write with
 * {@link ReadOnlyStoreException} naming the file, and never changes the file.
 */
class ReadOnlyStoreTest {
  private static final Manifest MANIFEST = Manifest.load();
  private static final SqliteOptions READ_ONLY = SqliteOptions.defaults().withReadOnly(true);

  @TempDir Path dir;
  private Path file;
  private byte[] before;

  @BeforeEach
  void copyReferenceStore() {
    file = Fixtures.copy("reference.db", dir);
    before = Fixtures.sha256(file);
  }

  @Test
  void readsAndVerifyWorkOnAReadOnlyStore() {
    try (SqliteBackend store = SqliteBackend.open(file, READ_ONLY)) {
      assertTrue(store.options().readOnly());
      WriterLog.ensureSchema(store);
      Generation.ensureSchema(store);
      assertEquals(MANIFEST.heads(), WriterLog.heads(store));
      for (Chain chain : MANIFEST.chains()) {
        try (Stream<Entry> entries = WriterLog.entries(store, chain.stream(), chain.writer())) {
          assertEquals(MANIFEST.entriesOf(chain), entries.toList());
        }
        assertEquals(
            Optional.of(MANIFEST.headOf(chain)),
            WriterLog.verify(store, chain.stream(), chain.writer()));
      }
      MANIFEST
          .generations()
          .forEach((key, value) -> assertEquals(value, new Generation(key).current(store)));
    }
    assertArrayEquals(before, Fixtures.sha256(file));
  }

  @Test
  void everyWriteIsRefusedAndTheFileIsUnchanged() {
    try (SqliteBackend store = SqliteBackend.open(file, READ_ONLY)) {
      Generation epoch = new Generation("gen.epoch");
      assertRefused(() -> WriterLog.append(store, "conv:demo", "alice", new byte[] {1}));
      assertRefused(() -> WriterLog.append(store, "conv:demo", "alice", new byte[] {1}, 40));
      assertRefused(
          () ->
              WriterLog.appendAll(store, "new/stream", "w", List.of(new byte[] {1}, new byte[0])));
      assertRefused(() -> epoch.bump(store));
      assertRefused(() -> epoch.set(store, 100));
      assertRefused(() -> new Generation("gen.new").bump(store));
      assertRefused(() -> store.exec("CREATE TABLE consumer (x INTEGER)"));
      assertRefused(
          () ->
              store.runInTransaction(
                  tx -> WriterLog.append(tx, "conv:demo", "bob", new byte[] {2})));

      assertEquals(MANIFEST.heads(), WriterLog.heads(store));
      assertEquals(7, epoch.current(store));
    }
    assertArrayEquals(before, Fixtures.sha256(file));

    try (SqliteBackend store = SqliteBackend.open(file)) {
      assertEquals(MANIFEST.heads(), WriterLog.heads(store));
      for (Head head : MANIFEST.heads()) {
        assertEquals(Optional.of(head), WriterLog.verify(store, head.stream(), head.writer()));
      }
    }
  }

  @Test
  void aRefusedWriteIsRefusedTheSameWayEveryTime() {
    try (SqliteBackend store = SqliteBackend.open(file, READ_ONLY)) {
      for (int attempt = 0; attempt < 3; attempt++) {
        assertRefused(() -> WriterLog.append(store, "conv:demo", "alice", new byte[] {1}));
        assertRefused(() -> new Generation("gen.epoch").bump(store));
        assertRefused(() -> store.exec("DELETE FROM _agent_store_meta WHERE key = ?", "gen.zero"));
        assertEquals(MANIFEST.heads(), WriterLog.heads(store));
      }
    }
    assertArrayEquals(before, Fixtures.sha256(file));
  }

  @Test
  void ensureSchemaOnAReadOnlyStoreWithoutTheTablesIsRefused() throws SQLException {
    Path empty = dir.resolve("other.db");
    try (Connection plain = DriverManager.getConnection("jdbc:sqlite:" + empty);
        Statement statement = plain.createStatement()) {
      statement.execute("CREATE TABLE consumer (x INTEGER)");
    }
    byte[] emptyBefore = Fixtures.sha256(empty);
    try (SqliteBackend store = SqliteBackend.open(empty, READ_ONLY)) {
      assertRefused(empty, () -> WriterLog.ensureSchema(store));
      assertRefused(empty, () -> Generation.ensureSchema(store));
    }
    assertArrayEquals(emptyBefore, Fixtures.sha256(empty));
  }

  private void assertRefused(Executable write) {
    assertRefused(file, write);
  }

  private static void assertRefused(Path file, Executable write) {
    ReadOnlyStoreException e = assertThrows(ReadOnlyStoreException.class, write);
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(e.getMessage().endsWith("the store is read-only"), e.getMessage());
  }
}
