package dev.agentstore.interop;

import static dev.agentstore.interop.Fixtures.blake3;
import static dev.agentstore.interop.Fixtures.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.agentstore.AppendConflictException;
import dev.agentstore.Entry;
import dev.agentstore.Generation;
import dev.agentstore.Head;
import dev.agentstore.NonMonotonicGenerationException;
import dev.agentstore.WriterLog;
import dev.agentstore.interop.Fixtures.Chain;
import dev.agentstore.interop.Fixtures.Manifest;
import dev.agentstore.sqlite.SqliteBackend;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Java appends to chains the reference crate wrote continue them exactly as the crate would: the
 * next seq, the old head's hash as prev_hash, and a content hash an independent BLAKE3 reproduces.
 */
class JavaAppendsContinueReferenceChainsTest {
  private static final Manifest MANIFEST = Manifest.load();

  @TempDir Path dir;
  private Path file;
  private SqliteBackend store;

  @BeforeEach
  void openCopyOfReferenceStore() {
    file = Fixtures.copy("reference.db", dir);
    store = SqliteBackend.open(file);
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void appendAfterTheRustHeadContinuesEveryChain() {
    for (Chain chain : MANIFEST.chains()) {
      Head rustHead = MANIFEST.headOf(chain);
      byte[] payload = utf8("{\"from\":\"java\",\"after\":" + rustHead.seq() + "}");

      Entry appended = WriterLog.append(store, chain.stream(), chain.writer(), payload);

      assertEquals(rustHead.seq() + 1, appended.seq(), chain.toString());
      assertArrayEquals(rustHead.contentHash(), appended.prevHash());
      assertArrayEquals(blake3(rustHead.contentHash(), payload), appended.contentHash());
      assertArrayEquals(payload, appended.payload());
      assertEquals(
          Optional.of(appended.toHead()),
          WriterLog.verify(store, chain.stream(), chain.writer()),
          chain.toString());
      assertEquals(appended, WriterLog.head(store, chain.stream(), chain.writer()).orElseThrow());
    }
  }

  @Test
  void appendAllAfterTheRustHeadChainsEveryNewEntry() {
    Head rustHead = MANIFEST.headOf(new Chain("jobs/queue", "worker-1"));
    List<byte[]> payloads = List.of(utf8("{\"job\":201}"), new byte[0], utf8("{\"job\":203}"));

    List<Entry> appended = WriterLog.appendAll(store, "jobs/queue", "worker-1", payloads);

    byte[] prev = rustHead.contentHash();
    for (int i = 0; i < payloads.size(); i++) {
      Entry entry = appended.get(i);
      assertEquals(201 + i, entry.seq());
      assertArrayEquals(prev, entry.prevHash());
      assertArrayEquals(blake3(prev, payloads.get(i)), entry.contentHash());
      prev = entry.contentHash();
    }
    assertEquals(
        Optional.of(appended.get(2).toHead()), WriterLog.verify(store, "jobs/queue", "worker-1"));
  }

  @Test
  void optimisticAppendSeesTheRustHead() {
    AppendConflictException conflict =
        assertThrows(
            AppendConflictException.class,
            () -> WriterLog.append(store, "conv:demo", "alice", utf8("stale"), 39));
    assertEquals(39, conflict.expectedSeq());
    assertEquals(40, conflict.actualSeq());
    assertEquals(40, WriterLog.head(store, "conv:demo", "alice").orElseThrow().seq());

    assertEquals(41, WriterLog.append(store, "conv:demo", "alice", utf8("fresh"), 40).seq());
  }

  @Test
  void rustEntriesStayBitExactAfterJavaAppends() throws SQLException {
    for (Chain chain : MANIFEST.chains()) {
      WriterLog.append(store, chain.stream(), chain.writer(), utf8("java"));
    }
    store.close();

    try (Connection plain = DriverManager.getConnection("jdbc:sqlite:" + file)) {
      for (Chain chain : MANIFEST.chains()) {
        List<Entry> rows = rawRows(plain, chain);
        List<Entry> rust = MANIFEST.entriesOf(chain);
        assertEquals(rust.size() + 1, rows.size(), chain.toString());
        assertEquals(rust, rows.subList(0, rust.size()), chain.toString());
      }
    }
  }

  @Test
  void javaAppendsPersistAcrossReopen() {
    Entry appended = WriterLog.append(store, "日本語/ストリーム", "émile-🚀", utf8("続き"));
    store.close();

    store = SqliteBackend.open(file);
    assertEquals(appended, WriterLog.head(store, "日本語/ストリーム", "émile-🚀").orElseThrow());
    assertEquals(Optional.of(appended.toHead()), WriterLog.verify(store, "日本語/ストリーム", "émile-🚀"));
    try (Stream<Entry> all = WriterLog.entries(store, "日本語/ストリーム", "émile-🚀")) {
      List<Entry> expected =
          new ArrayList<>(MANIFEST.entriesOf(new Chain("日本語/ストリーム", "émile-🚀")));
      expected.add(appended);
      assertEquals(expected, all.toList());
    }
  }

  @Test
  void bumpingTheRustEpochGivesEight() {
    Generation epoch = new Generation("gen.epoch");
    assertEquals(8, epoch.bump(store));
    assertEquals(8, epoch.current(store));
  }

  @Test
  void bumpingTheBigGenerationKeepsEveryBit() {
    assertEquals((1L << 53) + 2, new Generation("gen.big").bump(store));
  }

  @Test
  void bumpingTheZeroRowGivesOne() {
    assertEquals(1, new Generation("gen.zero").bump(store));
  }

  @Test
  void settingTheRustConfigBackwardsIsRefused() {
    Generation config = new Generation("gen.config");
    NonMonotonicGenerationException refused =
        assertThrows(NonMonotonicGenerationException.class, () -> config.set(store, 999));
    assertEquals("gen.config", refused.key());
    assertEquals(1000, refused.current());
    assertEquals(999, refused.requested());
    assertEquals(1000, config.current(store));

    config.set(store, 1000);
    assertEquals(1000, config.current(store));
    config.set(store, 1001);
    assertEquals(1001, config.current(store));
  }

  private static List<Entry> rawRows(Connection plain, Chain chain) throws SQLException {
    List<Entry> rows = new ArrayList<>();
    try (PreparedStatement select =
        plain.prepareStatement(
            "SELECT seq, prev_hash, content_hash, payload FROM _agent_store_log"
                + " WHERE stream = ? AND writer = ? ORDER BY seq")) {
      select.setString(1, chain.stream());
      select.setString(2, chain.writer());
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          byte[] payload = rs.getBytes(4);
          rows.add(
              new Entry(
                  chain.stream(),
                  chain.writer(),
                  rs.getLong(1),
                  rs.getBytes(2),
                  rs.getBytes(3),
                  payload == null ? new byte[0] : payload));
        }
      }
    }
    return rows;
  }
}
