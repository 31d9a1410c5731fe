package dev.agentstore.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.AppendConflictException;
import dev.agentstore.Entry;
import dev.agentstore.Head;
import dev.agentstore.InvalidInputException;
import dev.agentstore.MalformedRowException;
import dev.agentstore.WriterLog;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** {@link WriterLog}: per-(stream, writer) chains, their reads and the append rules. */
public abstract class WriterLogContract extends BackendContract {
  private static final Comparator<String> UTF8_ORDER =
      (a, b) ->
          Arrays.compareUnsigned(
              a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

  // ---------------------------------------------------------------- append and hashes

  @Test
  void theFirstAppendIsSeqOneWithNoPrevHash() {
    byte[] payload = utf8("hello");
    Entry entry = WriterLog.append(store, "conv", "alice", payload);
    assertEquals("conv", entry.stream());
    assertEquals("alice", entry.writer());
    assertEquals(1, entry.seq());
    assertFalse(entry.hasPrev());
    assertNull(entry.prevHash());
    assertArrayEquals(payload, entry.payload());
    assertArrayEquals(blake3(payload), entry.contentHash());
  }

  @Test
  void contentHashIsBlake3OfPrevHashAndPayload() {
    List<Entry> entries = appendMany(store, "conv", "alice", 5);
    byte[] prev = null;
    for (Entry entry : entries) {
      byte[] payload = payloadOf("conv", "alice", entry.seq());
      byte[] expected = prev == null ? blake3(payload) : blake3(prev, payload);
      assertArrayEquals(expected, entry.contentHash(), "seq " + entry.seq());
      prev = expected;
    }
  }

  @Test
  void eachAppendLinksToThePreviousEntry() {
    List<Entry> entries = appendMany(store, "conv", "alice", 4);
    for (int i = 1; i < entries.size(); i++) {
      assertEquals(i + 1, entries.get(i).seq());
      assertArrayEquals(entries.get(i - 1).contentHash(), entries.get(i).prevHash());
    }
    assertEquals(entries, assertStoredChain(store, "conv", "alice", 4));
  }

  @Test
  void appendAfterForeignWriterContinuesTheChain() {
    // Another implementation (the reference crate, say) shares the store: its rows are the truth.
    Entry mine = WriterLog.append(store, "conv", "rust", utf8("from java"));
    byte[] foreignPayload = utf8("from another implementation");
    byte[] foreignHash = blake3(mine.contentHash(), foreignPayload);
    store.exec(
        "INSERT INTO _agent_store_log (stream, writer, seq, prev_hash, content_hash, payload)"
            + " VALUES (?, ?, ?, ?, ?, ?)",
        "conv",
        "rust",
        2L,
        mine.contentHash(),
        foreignHash,
        foreignPayload);

    Entry next = WriterLog.append(store, "conv", "rust", utf8("java again"));

    assertEquals(3, next.seq());
    assertArrayEquals(foreignHash, next.prevHash());
    assertArrayEquals(blake3(foreignHash, utf8("java again")), next.contentHash());
    assertStoredChain(store, "conv", "rust", 3);
  }

  @Test
  void aChainStartedByAForeignWriterIsContinued() {
    byte[] payload = utf8("seq 1 from elsewhere");
    store.exec(
        "INSERT INTO _agent_store_log (stream, writer, seq, prev_hash, content_hash, payload)"
            + " VALUES (?, ?, ?, NULL, ?, ?)",
        "conv",
        "rust",
        1L,
        blake3(payload),
        payload);
    Entry next = WriterLog.append(store, "conv", "rust", utf8("next"));
    assertEquals(2, next.seq());
    assertArrayEquals(blake3(payload), next.prevHash());
    assertStoredChain(store, "conv", "rust", 2);
  }

  @Test
  void writersAndStreamsHaveIndependentChains() {
    appendMany(store, "conv", "alice", 3);
    appendMany(store, "conv", "bob", 2);
    appendMany(store, "other", "alice", 1);
    assertStoredChain(store, "conv", "alice", 3);
    assertStoredChain(store, "conv", "bob", 2);
    assertStoredChain(store, "other", "alice", 1);
    assertEquals(Optional.empty(), WriterLog.head(store, "other", "bob"));
  }

  @Test
  void identicalPayloadsInDifferentChainsHashAlike() {
    Entry a = WriterLog.append(store, "s1", "w", utf8("same"));
    Entry b = WriterLog.append(store, "s2", "w", utf8("same"));
    assertArrayEquals(a.contentHash(), b.contentHash());
    assertNotEquals(a, b);
  }

  // ---------------------------------------------------------------- head and reads

  @Test
  void headIsTheLastEntryAndEmptyForAnEmptyChain() {
    assertEquals(Optional.empty(), WriterLog.head(store, "conv", "alice"));
    List<Entry> entries = appendMany(store, "conv", "alice", 3);
    assertEquals(Optional.of(entries.get(2)), WriterLog.head(store, "conv", "alice"));
  }

  @Test
  void entriesComeBackInSeqOrderAndEqualWhatWasAppended() {
    List<Entry> appended = appendMany(store, "conv", "alice", 6);
    try (Stream<Entry> entries = WriterLog.entries(store, "conv", "alice")) {
      assertEquals(appended, entries.toList());
    }
  }

  @Test
  void entriesAfterASeqStartPastIt() {
    List<Entry> appended = appendMany(store, "conv", "alice", 6);
    try (Stream<Entry> entries = WriterLog.entries(store, "conv", "alice", 3)) {
      assertEquals(appended.subList(3, 6), entries.toList());
    }
    try (Stream<Entry> entries = WriterLog.entries(store, "conv", "alice", 6)) {
      assertEquals(List.of(), entries.toList());
    }
    try (Stream<Entry> entries = WriterLog.entries(store, "conv", "nobody")) {
      assertEquals(List.of(), entries.toList());
    }
  }

  @Test
  void readAfterReturnsAtMostLimitEntriesInOrder() {
    List<Entry> appended = appendMany(store, "conv", "alice", 8);
    assertEquals(appended.subList(2, 5), WriterLog.readAfter(store, "conv", "alice", 2, 3));
    assertEquals(appended.subList(6, 8), WriterLog.readAfter(store, "conv", "alice", 6, 10));
    assertEquals(appended.subList(0, 1), WriterLog.readAfter(store, "conv", "alice", 0, 1));
    assertEquals(List.of(), WriterLog.readAfter(store, "conv", "alice", 8, 5));
    assertEquals(List.of(), WriterLog.readAfter(store, "conv", "nobody", 0, 5));
    assertEquals(
        appended, WriterLog.readAfter(store, "conv", "alice", 0, WriterLog.MAX_READ_LIMIT));
  }

  @Test
  void streamsAreListedOnceEachInUtf8ByteOrder() {
    // In UTF-16 order the emoji would sort before U+FF21; in UTF-8 byte order it sorts after.
    List<String> names = List.of("b", "a", "Z", "é", "\uFF21", "\uD83D\uDE00", "ab", "a b");
    for (String name : names) {
      WriterLog.append(store, name, "w1", utf8("x"));
      WriterLog.append(store, name, "w2", utf8("y"));
    }
    List<String> expected = new ArrayList<>(names);
    expected.sort(UTF8_ORDER);
    assertEquals(expected, WriterLog.streams(store));
  }

  @Test
  void noStreamsInAnEmptyStore() {
    assertEquals(List.of(), WriterLog.streams(store));
    assertEquals(List.of(), WriterLog.heads(store));
    assertEquals(List.of(), WriterLog.heads(store, "conv"));
  }

  @Test
  void headsAreOrderedByStreamThenWriterInUtf8ByteOrder() {
    List<String> writers = List.of("zoe", "Zed", "émile", "\uFF21", "\uD83D\uDE00", "al");
    List<String> streams = List.of("\uD83D\uDE00", "conv", "Ω");
    List<Head> expected = new ArrayList<>();
    for (String stream : streams) {
      for (String writer : writers) {
        int count = 1 + Math.floorMod(writer.hashCode(), 3);
        List<Entry> entries = appendMany(store, stream, writer, count);
        expected.add(entries.get(entries.size() - 1).toHead());
      }
    }
    expected.sort(
        Comparator.comparing(Head::stream, UTF8_ORDER).thenComparing(Head::writer, UTF8_ORDER));

    assertEquals(expected, WriterLog.heads(store));
    List<Head> conv = expected.stream().filter(h -> h.stream().equals("conv")).toList();
    assertEquals(conv, WriterLog.heads(store, "conv"));
    assertEquals(List.of(), WriterLog.heads(store, "nothing here"));
  }

  // ---------------------------------------------------------------- payloads and values

  @Test
  void anEmptyPayloadRoundTrips() {
    Entry entry = WriterLog.append(store, "conv", "alice", new byte[0]);
    assertArrayEquals(blake3(new byte[0]), entry.contentHash());
    assertArrayEquals(new byte[0], WriterLog.head(store, "conv", "alice").orElseThrow().payload());
    WriterLog.append(store, "conv", "alice", new byte[0]);
    List<Entry> stored = assertStoredChain(store, "conv", "alice", 2);
    assertEquals(0, stored.get(1).payload().length);
  }

  @Test
  void everyByteValueRoundTrips() {
    byte[] payload = new byte[256];
    for (int i = 0; i < payload.length; i++) {
      payload[i] = (byte) i;
    }
    Entry entry = WriterLog.append(store, "conv", "alice", payload);
    assertArrayEquals(payload, WriterLog.head(store, "conv", "alice").orElseThrow().payload());
    assertArrayEquals(payload, WriterLog.readAfter(store, "conv", "alice", 0, 1).get(0).payload());
    assertArrayEquals(blake3(payload), entry.contentHash());
    assertStoredChain(store, "conv", "alice", 1);
  }

  @Test
  void aOneMebibytePayloadRoundTrips() {
    byte[] payload = pattern(1 << 20, 7);
    WriterLog.append(store, "conv", "alice", payload);
    assertArrayEquals(payload, WriterLog.head(store, "conv", "alice").orElseThrow().payload());
    assertArrayEquals(payload, assertStoredChain(store, "conv", "alice", 1).get(0).payload());
  }

  @Test
  void aPayloadOfExactlyTheLimitIsAccepted() {
    byte[] payload = pattern(WriterLog.MAX_PAYLOAD_BYTES, 3);
    Entry entry = WriterLog.append(store, "conv", "alice", payload);
    assertArrayEquals(blake3(payload), entry.contentHash());
    assertEquals(Optional.of(entry.toHead()), WriterLog.verify(store, "conv", "alice"));
  }

  @Test
  void entriesAreDefensiveCopies() {
    byte[] payload = utf8("original");
    Entry first = WriterLog.append(store, "conv", "alice", payload);
    payload[0] = 'X';
    assertArrayEquals(utf8("original"), first.payload());
    assertArrayEquals(
        utf8("original"), WriterLog.head(store, "conv", "alice").orElseThrow().payload());

    first.payload()[0] = 'Y';
    first.contentHash()[0] ^= 1;
    assertArrayEquals(utf8("original"), first.payload());
    assertArrayEquals(blake3(utf8("original")), first.contentHash());

    Entry second = WriterLog.append(store, "conv", "alice", utf8("second"));
    second.prevHash()[0] ^= 1;
    assertArrayEquals(first.contentHash(), second.prevHash());

    List<byte[]> batch = new ArrayList<>(List.of(utf8("third"), utf8("fourth")));
    List<Entry> appended = WriterLog.appendAll(store, "conv", "alice", batch);
    batch.get(0)[0] = 'Z';
    batch.clear();
    assertArrayEquals(utf8("third"), appended.get(0).payload());

    List<Entry> stored = assertStoredChain(store, "conv", "alice", 4);
    assertArrayEquals(utf8("original"), stored.get(0).payload());
    assertArrayEquals(utf8("third"), stored.get(2).payload());
  }

  @Test
  void entriesAndHeadsAreValues() {
    Entry appended = WriterLog.append(store, "conv", "alice", utf8("v"));
    Entry read = WriterLog.head(store, "conv", "alice").orElseThrow();
    assertEquals(appended, read);
    assertEquals(appended.hashCode(), read.hashCode());
    assertEquals(appended.toHead(), WriterLog.verify(store, "conv", "alice").orElseThrow());
    assertEquals(appended.toHead().hashCode(), WriterLog.heads(store).get(0).hashCode());
  }

  // ---------------------------------------------------------------- appendAll

  @Test
  void appendAllWritesEveryPayloadInOrderContinuingTheChain() {
    appendMany(store, "conv", "alice", 2);
    List<Entry> appended =
        WriterLog.appendAll(store, "conv", "alice", List.of(utf8("a"), utf8("b"), utf8("c")));
    assertEquals(List.of(3L, 4L, 5L), appended.stream().map(Entry::seq).toList());
    assertArrayEquals(utf8("b"), appended.get(1).payload());
    List<Entry> stored = assertStoredChain(store, "conv", "alice", 5);
    assertEquals(appended, stored.subList(2, 5));
  }

  @Test
  void appendAllWithOneOversizedPayloadWritesNothing() {
    List<Entry> before = appendMany(store, "conv", "alice", 2);
    List<byte[]> payloads =
        List.of(utf8("fine"), new byte[WriterLog.MAX_PAYLOAD_BYTES + 1], utf8("also fine"));
    assertThrows(
        InvalidInputException.class, () -> WriterLog.appendAll(store, "conv", "alice", payloads));
    assertEquals(before, assertStoredChain(store, "conv", "alice", 2));
  }

  @Test
  void appendAllOfAnEmptyListReturnsEmptyAndWritesNothing() {
    assertEquals(List.of(), WriterLog.appendAll(store, "conv", "alice", List.of()));
    assertEquals(Optional.empty(), WriterLog.head(store, "conv", "alice"));
    assertEquals(List.of(), WriterLog.appendAll(store, "conv", "alice", List.of(), 0));
    assertEquals(List.of(), WriterLog.streams(store));
  }

  // ---------------------------------------------------------------- optimistic append

  @Test
  void anOptimisticAppendExpectingZeroOnAnEmptyChainWorks() {
    Entry first = WriterLog.append(store, "conv", "alice", utf8("first"), 0);
    assertEquals(1, first.seq());
    Entry second = WriterLog.append(store, "conv", "alice", utf8("second"), 1);
    assertEquals(2, second.seq());
    assertStoredChain(store, "conv", "alice", 2);
  }

  @Test
  void aStaleExpectationThrowsAConflictAndWritesNothing() {
    List<Entry> before = appendMany(store, "conv", "alice", 2);

    AppendConflictException behind =
        assertThrows(
            AppendConflictException.class,
            () -> WriterLog.append(store, "conv", "alice", utf8("late"), 1));
    assertEquals("conv", behind.stream());
    assertEquals("alice", behind.writer());
    assertEquals(1, behind.expectedSeq());
    assertEquals(2, behind.actualSeq());
    assertTrue(behind.getMessage().contains("conv/alice"), behind.getMessage());

    AppendConflictException empty =
        assertThrows(
            AppendConflictException.class,
            () -> WriterLog.append(store, "conv", "alice", utf8("late"), 0));
    assertEquals(0, empty.expectedSeq());
    assertEquals(2, empty.actualSeq());

    AppendConflictException ahead =
        assertThrows(
            AppendConflictException.class,
            () -> WriterLog.append(store, "conv", "alice", utf8("early"), 5));
    assertEquals(5, ahead.expectedSeq());
    assertEquals(2, ahead.actualSeq());

    AppendConflictException none =
        assertThrows(
            AppendConflictException.class,
            () -> WriterLog.append(store, "conv", "nobody", utf8("x"), 1));
    assertEquals(1, none.expectedSeq());
    assertEquals(0, none.actualSeq());

    assertEquals(before, assertStoredChain(store, "conv", "alice", 2));
    assertEquals(Optional.empty(), WriterLog.head(store, "conv", "nobody"));
  }

  @Test
  void anOptimisticAppendAllIsAllOrNothing() {
    appendMany(store, "conv", "alice", 1);
    List<byte[]> payloads = List.of(utf8("a"), utf8("b"));
    AppendConflictException e =
        assertThrows(
            AppendConflictException.class,
            () -> WriterLog.appendAll(store, "conv", "alice", payloads, 0));
    assertEquals(1, e.actualSeq());
    assertStoredChain(store, "conv", "alice", 1);

    List<Entry> appended = WriterLog.appendAll(store, "conv", "alice", payloads, 1);
    assertEquals(List.of(2L, 3L), appended.stream().map(Entry::seq).toList());
    assertStoredChain(store, "conv", "alice", 3);
  }

  // ---------------------------------------------------------------- long chains

  @Test
  void chainsLongerThanOneReadPageStreamAndVerify() {
    appendBatches(store, "long", "w", 2_500, 500);
    List<Entry> all = assertStoredChain(store, "long", "w", 2_500);
    for (Entry entry : all) {
      assertArrayEquals(payloadOf("long", "w", entry.seq()), entry.payload());
    }
    assertEquals(all.subList(1_000, 1_100), WriterLog.readAfter(store, "long", "w", 1_000, 100));
    assertEquals(all.subList(0, 2_000), WriterLog.readAfter(store, "long", "w", 0, 2_000));
    assertEquals(all.subList(2_400, 2_500), WriterLog.readAfter(store, "long", "w", 2_400, 5_000));
    try (Stream<Entry> tail = WriterLog.entries(store, "long", "w", 1_023)) {
      assertEquals(all.subList(1_023, 2_500), tail.toList());
    }
  }

  @Test
  void pagesBoundedByBytesStreamAndVerify() {
    List<byte[]> payloads = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      payloads.add(pattern(1 << 20, i));
    }
    WriterLog.appendAll(store, "big", "w", payloads);
    List<Entry> stored = assertStoredChain(store, "big", "w", 12);
    for (int i = 0; i < 12; i++) {
      assertArrayEquals(payloads.get(i), stored.get(i).payload(), "payload of seq " + (i + 1));
    }
    List<Entry> read = WriterLog.readAfter(store, "big", "w", 2, 12);
    assertEquals(stored.subList(2, 12), read);
  }

  @Test
  void entriesStreamsLazilyThroughALongChain() {
    appendBatches(store, "lazy", "w", 5_000, 1_000);
    try (Stream<Entry> entries = WriterLog.entries(store, "lazy", "w")) {
      long[] expected = {1};
      entries.forEach(entry -> assertEquals(expected[0]++, entry.seq()));
      assertEquals(5_001, expected[0]);
    }

    // A malformed row far down the chain is met only when the stream gets there.
    store.exec(
        "UPDATE _agent_store_log SET content_hash = ? WHERE stream = ? AND writer = ? AND seq = ?",
        new byte[31],
        "lazy",
        "w",
        4_000L);
    try (Stream<Entry> entries = WriterLog.entries(store, "lazy", "w")) {
      Iterator<Entry> iterator = entries.iterator();
      for (long seq = 1; seq <= 1_500; seq++) {
        assertEquals(seq, iterator.next().seq());
      }
    }
    try (Stream<Entry> entries = WriterLog.entries(store, "lazy", "w")) {
      MalformedRowException e = assertThrows(MalformedRowException.class, entries::count);
      assertEquals(4_000, e.seq());
    }
  }

  @Test
  void appendRefusesToExtendAMalformedHead() {
    appendMany(store, "conv", "alice", 2);
    store.exec(
        "UPDATE _agent_store_log SET content_hash = ? WHERE stream = ? AND writer = ? AND seq = ?",
        new byte[31],
        "conv",
        "alice",
        2L);
    MalformedRowException e =
        assertThrows(
            MalformedRowException.class,
            () -> WriterLog.append(store, "conv", "alice", utf8("more")));
    assertEquals(2, e.seq());
    assertEquals("conv", e.stream());
    assertEquals("alice", e.writer());
    assertEquals(
        List.of(2L),
        store.query(
            "SELECT COUNT(*) FROM _agent_store_log WHERE stream = ? AND writer = ?",
            row -> row.getLong(1),
            "conv",
            "alice"));
  }

  /** {@code length} bytes of a pattern that differs with {@code seed}. */
  protected static byte[] pattern(int length, int seed) {
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = (byte) (i * 31 + seed * 17 + (i >>> 11));
    }
    return bytes;
  }
}
