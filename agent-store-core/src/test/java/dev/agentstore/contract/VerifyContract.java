package dev.agentstore.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.agentstore.Backend;
import dev.agentstore.ChainBrokenException;
import dev.agentstore.ChainBrokenException.Reason;
import dev.agentstore.CorruptStoreException;
import dev.agentstore.Dialect;
import dev.agentstore.Entry;
import dev.agentstore.Head;
import dev.agentstore.MalformedRowException;
import dev.agentstore.WriterLog;
import dev.agentstore.internal.ChainVerifier;
import dev.agentstore.internal.JdbcBackend;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link WriterLog#verify}: intact chains verify and return their head; a chain tampered with
 * through plain SQL is reported at its first broken seq, with the reason.
 */
public abstract class VerifyContract extends BackendContract {
  private static final String STREAM = "conv";
  private static final String WRITER = "alice";
  private static final int LENGTH = 12;

  private List<Entry> chain;

  @BeforeEach
  void writeChains() {
    chain = appendMany(store, STREAM, WRITER, LENGTH);
    appendMany(store, STREAM, "bob", 5);
    appendMany(store, "other", WRITER, 3);
  }

  @Test
  void anIntactChainVerifiesAndReturnsItsHead() {
    assertEquals(
        Optional.of(chain.get(LENGTH - 1).toHead()), WriterLog.verify(store, STREAM, WRITER));
    assertStoredChain(store, STREAM, WRITER, LENGTH);
  }

  @Test
  void theStorageCheckOfASoundStoreFindsNothingWrongWhereTheBackendHasOne() {
    // SQLite checks its file; PostgreSQL has no storage check and says so.
    assertEquals(store.dialect() == Dialect.SQLITE, WriterLog.checkStorage(store));
    store.runInTransaction(
        tx -> assertEquals(tx.dialect() == Dialect.SQLITE, WriterLog.checkStorage(tx)));
  }

  @Test
  void closeStopsEveryThreadAVerifyStartedSoNothingKeepsTheBackendAlive() {
    Backend db = open();
    // Long enough, with payloads large enough, to be verified in segments on other threads.
    byte[] payload = new byte[8 * 1024];
    List<byte[]> batch = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      batch.add(payload);
    }
    for (int i = 0; i < 22; i++) {
      WriterLog.appendAll(db, STREAM, WRITER, batch);
    }
    Set<Thread> before = backgroundThreads();
    assertEquals(2_200, WriterLog.verify(db, STREAM, WRITER).orElseThrow().seq());
    Set<Thread> started = backgroundThreads();
    started.removeAll(before);
    if (JdbcBackend.of(db).concurrentReads() && Runtime.getRuntime().availableProcessors() > 1) {
      assertTrue(!started.isEmpty(), "the verify ran segments on background threads");
    }
    db.close();
    for (Thread thread : started) {
      assertTrue(!thread.isAlive(), () -> thread.getName() + " outlived close()");
    }
  }

  private static Set<Thread> backgroundThreads() {
    Set<Thread> threads = new HashSet<>();
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (thread.getName().startsWith("agent-store-background")
          || thread.getName().startsWith("agent-store-prefetch")) {
        threads.add(thread);
      }
    }
    return threads;
  }

  @Test
  void aMissingChainVerifiesAsEmpty() {
    assertEquals(Optional.empty(), WriterLog.verify(store, STREAM, "nobody"));
    assertEquals(Optional.empty(), WriterLog.verify(store, "no such stream", WRITER));
  }

  @Test
  void anEditedPayloadIsAHashMismatchAtThatSeq() {
    update("payload", utf8("edited"), 5);
    assertBrokenAt(5, Reason.HASH_MISMATCH);
  }

  @Test
  void anEditedHeadPayloadIsAHashMismatchAtTheHead() {
    update("payload", utf8("edited"), LENGTH);
    assertBrokenAt(LENGTH, Reason.HASH_MISMATCH);
  }

  @Test
  void aReplacedContentHashIsAHashMismatchAtThatSeq() {
    byte[] other = blake3(utf8("something else"));
    update("content_hash", other, 7);
    assertBrokenAt(7, Reason.HASH_MISMATCH);
  }

  @Test
  void aDeletedEntryIsAGapReportedAtTheSeqFound() {
    delete(10);
    ChainBrokenException e = assertBrokenAt(11, Reason.GAP);
    assertTrue(e.getMessage().contains("10"), e.getMessage());
  }

  @Test
  void aDeletedFirstEntryIsAGapAtSeqTwo() {
    delete(1);
    assertBrokenAt(2, Reason.GAP);
  }

  @Test
  void swappedEntriesBreakTheLinkAtTheFirstOfThem() {
    renumber(3, -3);
    renumber(4, 3);
    renumber(-3, 4);
    assertBrokenAt(3, Reason.PREV_HASH_MISMATCH);
  }

  @Test
  void aZeroedPrevHashIsAPrevHashMismatch() {
    update("prev_hash", new byte[32], 6);
    assertBrokenAt(6, Reason.PREV_HASH_MISMATCH);
  }

  @Test
  void aNullPrevHashPastSeqOneIsReported() {
    store.exec(
        "UPDATE _agent_store_log SET prev_hash = NULL WHERE stream = ? AND writer = ? AND seq = ?",
        STREAM,
        WRITER,
        3L);
    assertBrokenAt(3, Reason.NULL_PREV_HASH);
  }

  @Test
  void aPrevHashOnSeqOneIsUnexpected() {
    update("prev_hash", chain.get(2).contentHash(), 1);
    assertBrokenAt(1, Reason.UNEXPECTED_PREV_HASH);
  }

  @Test
  void aShortContentHashIsAMalformedRow() {
    update("content_hash", Arrays.copyOf(chain.get(3).contentHash(), 31), 4);
    ChainBrokenException e = assertBrokenAt(4, Reason.MALFORMED_HASH);
    assertInstanceOf(MalformedRowException.class, e);
  }

  @Test
  void aLongPrevHashIsAMalformedRow() {
    update("prev_hash", Arrays.copyOf(chain.get(4).contentHash(), 33), 6);
    assertInstanceOf(MalformedRowException.class, assertBrokenAt(6, Reason.MALFORMED_HASH));
  }

  @Test
  void aTextPayloadIsAMalformedRow() {
    assumeTrue(storesNonBlobValuesInBlobColumns(), "the backend refuses non-BLOB payloads");
    update("payload", "conv/alice #8 stored as text", 8);
    assertInstanceOf(MalformedRowException.class, assertBrokenAt(8, Reason.MALFORMED_PAYLOAD));
  }

  @Test
  void aTextContentHashIsAMalformedRow() {
    assumeTrue(storesNonBlobValuesInBlobColumns(), "the backend refuses non-BLOB hashes");
    update("content_hash", "0123456789abcdef0123456789abcdef", 9);
    assertInstanceOf(MalformedRowException.class, assertBrokenAt(9, Reason.MALFORMED_HASH));
  }

  @Test
  void theFirstBrokenSeqIsReported() {
    update("payload", utf8("late edit"), 9);
    update("payload", utf8("early edit"), 4);
    delete(11);
    assertBrokenAt(4, Reason.HASH_MISMATCH);
  }

  @Test
  void aMalformedRowIsAChainBreakAndCorruption() {
    MalformedRowException e =
        new MalformedRowException("s", "w", 3, Reason.MALFORMED_HASH, "31 bytes");
    assertInstanceOf(ChainBrokenException.class, e);
    assertInstanceOf(CorruptStoreException.class, e);
  }

  @Test
  void holesAndEditsFarIntoALongChainAreFoundWhereTheyAre() {
    writeLongChain("long", 5000);
    deleteIn("long", 2049);
    ChainBrokenException atPageStart = brokenIn("long");
    assertEquals(2050, atPageStart.seq(), atPageStart.getMessage());
    assertEquals(Reason.GAP, atPageStart.reason());

    writeLongChain("edited", 5000);
    store.exec(
        "UPDATE _agent_store_log SET payload = ? WHERE stream = ? AND writer = ? AND seq = ?",
        utf8("edited"),
        STREAM,
        "edited",
        4500L);
    ChainBrokenException edited = brokenIn("edited");
    assertEquals(4500, edited.seq(), edited.getMessage());
    assertEquals(Reason.HASH_MISMATCH, edited.reason());
  }

  @Test
  void aHoleInTheMiddleOfAPageOfALongChainIsAGap() {
    List<Entry> written = writeLongChain("holed", 4096);
    deleteIn("holed", 3000);
    ChainBrokenException e = brokenIn("holed");
    assertEquals(3001, e.seq(), e.getMessage());
    assertEquals(Reason.GAP, e.reason());
    assertEquals(
        Optional.of(written.get(4095).toHead()),
        WriterLog.head(store, STREAM, "holed").map(Entry::toHead));
  }

  // A chain longer than two segments is verified in segments on several threads where the backend
  // reads concurrently; whatever the backend, the failure must be the one a single pass finds.
  private static final int SEGMENT = (int) ChainVerifier.SEGMENT_SEQS;
  private static final int SEGMENTED = 2 * SEGMENT + 1000;

  @Test
  void aChainOfSeveralSegmentsVerifiesWithProgressUpToItsHead() {
    List<Entry> written = writeLongChain("segmented", SEGMENTED);
    List<Long> progress = new ArrayList<>();
    assertEquals(
        Optional.of(written.get(SEGMENTED - 1).toHead()),
        WriterLog.verify(store, STREAM, "segmented", progress::add));
    assertEquals(SEGMENTED, progress.get(progress.size() - 1));
    for (int i = 1; i < progress.size(); i++) {
      assertTrue(progress.get(i - 1) <= progress.get(i), progress.toString());
    }
    assertTrue(progress.size() >= 3, progress.toString());
  }

  @Test
  void entriesAppendedWhileALongChainIsVerifiedAreVerifiedToo() {
    writeLongChain("growing", SEGMENTED);
    List<Entry> appended = new ArrayList<>();
    Optional<Head> head =
        WriterLog.verify(
            store,
            STREAM,
            "growing",
            verified -> {
              if (appended.isEmpty()) {
                appended.addAll(appendMany(store, STREAM, "growing", 10));
              }
            });
    assertEquals(SEGMENTED + 10, appended.get(9).seq());
    assertEquals(Optional.of(appended.get(9).toHead()), head);
  }

  @Test
  void breaksAtTheEdgesOfSegmentsAreReportedAsOnePassFindsThem() {
    List<Entry> written = writeLongChain("edges", SEGMENTED);
    int second = SEGMENT + 1;

    deleteIn("edges", second);
    assertBrokenIn("edges", second + 1, Reason.GAP);
    restore(written.get(second - 1));

    deleteIn("edges", 2 * SEGMENT);
    assertBrokenIn("edges", 2 * SEGMENT + 1, Reason.GAP);
    restore(written.get(2 * SEGMENT - 1));

    updateIn("edges", "payload", utf8("edited"), second);
    assertBrokenIn("edges", second, Reason.HASH_MISMATCH);
    updateIn("edges", "payload", written.get(second - 1).payload(), second);

    updateIn("edges", "prev_hash", new byte[32], 2 * SEGMENT + 1);
    assertBrokenIn("edges", 2 * SEGMENT + 1, Reason.PREV_HASH_MISMATCH);
    updateIn("edges", "prev_hash", written.get(2 * SEGMENT).prevHash(), 2 * SEGMENT + 1);

    assertEquals(
        Optional.of(written.get(SEGMENTED - 1).toHead()), WriterLog.verify(store, STREAM, "edges"));
  }

  @Test
  void theLowestBreakOfAnySegmentIsReported() {
    List<Entry> written = writeLongChain("several", SEGMENTED);
    updateIn("several", "payload", utf8("late"), 2 * SEGMENT + 500);
    updateIn("several", "content_hash", new byte[31], SEGMENT + 7);
    updateIn("several", "payload", utf8("later"), SEGMENTED);
    ChainBrokenException e = assertBrokenIn("several", SEGMENT + 7, Reason.MALFORMED_HASH);
    assertInstanceOf(MalformedRowException.class, e);
    assertEquals(written.size(), SEGMENTED);
  }

  @Test
  void aWholeMissingSegmentIsAGapWhereTheChainResumes() {
    writeLongChain("hollow", SEGMENTED);
    store.exec(
        "DELETE FROM _agent_store_log WHERE stream = ? AND writer = ? AND seq > ? AND seq <= ?",
        STREAM,
        "hollow",
        (long) SEGMENT,
        2L * SEGMENT);
    ChainBrokenException e = assertBrokenIn("hollow", 2 * SEGMENT + 1, Reason.GAP);
    assertTrue(e.getMessage().contains(String.valueOf(SEGMENT + 1)), e.getMessage());
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aHeadRenumberedFarAwayIsAGapFoundWithoutWalkingTheSeqsBetween() {
    writeLongChain("far", SEGMENTED);
    long far = 4_000_000_000_000_000_000L;
    updateIn("far", "seq", far, SEGMENTED);
    ChainBrokenException e = assertBrokenIn("far", far, Reason.GAP);
    assertTrue(e.getMessage().contains(String.valueOf(SEGMENTED)), e.getMessage());
  }

  @Test
  void aChainOfLargePayloadsIsVerifiedInShorterSegments() {
    // 8,400-byte payloads cut segments to the shortest, 1,000 seqs: this chain makes three.
    int length = 2_100;
    List<Entry> written = new ArrayList<>();
    for (int from = 0; from < length; from += 100) {
      List<byte[]> payloads = new ArrayList<>();
      for (int i = from; i < from + 100; i++) {
        byte[] payload = new byte[8_400];
        Arrays.fill(payload, (byte) i);
        payload[0] = (byte) (i >>> 8);
        payloads.add(payload);
      }
      written.addAll(WriterLog.appendAll(store, STREAM, "large", payloads));
    }
    assertEquals(
        Optional.of(written.get(length - 1).toHead()), WriterLog.verify(store, STREAM, "large"));
    updateIn("large", "payload", utf8("edited"), 1_001);
    assertBrokenIn("large", 1_001, Reason.HASH_MISMATCH);
    updateIn("large", "payload", written.get(1_000).payload(), 1_001);
    deleteIn("large", 2_000);
    assertBrokenIn("large", 2_001, Reason.GAP);
  }

  // ---------------------------------------------------------------- helpers

  private List<Entry> writeLongChain(String writer, int length) {
    List<Entry> written = new java.util.ArrayList<>();
    for (int from = 0; from < length; from += 1000) {
      List<byte[]> payloads = new java.util.ArrayList<>();
      for (int i = from; i < Math.min(length, from + 1000); i++) {
        payloads.add(utf8(writer + " " + i));
      }
      written.addAll(WriterLog.appendAll(store, STREAM, writer, payloads));
    }
    assertEquals(
        Optional.of(written.get(length - 1).toHead()), WriterLog.verify(store, STREAM, writer));
    return written;
  }

  private void deleteIn(String writer, long seq) {
    store.exec(
        "DELETE FROM _agent_store_log WHERE stream = ? AND writer = ? AND seq = ?",
        STREAM,
        writer,
        seq);
  }

  private ChainBrokenException brokenIn(String writer) {
    return assertThrows(ChainBrokenException.class, () -> WriterLog.verify(store, STREAM, writer));
  }

  private ChainBrokenException assertBrokenIn(String writer, long seq, Reason reason) {
    ChainBrokenException e = brokenIn(writer);
    assertEquals(seq, e.seq(), e.getMessage());
    assertEquals(reason, e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains(STREAM + "/" + writer), e.getMessage());
    return e;
  }

  private void updateIn(String writer, String column, Object value, long seq) {
    store.exec(
        "UPDATE _agent_store_log SET "
            + column
            + " = ? WHERE stream = ? AND writer = ? AND seq = ?",
        value,
        STREAM,
        writer,
        seq);
  }

  /** Puts a deleted entry back as it was written. */
  private void restore(Entry entry) {
    store.exec(
        "INSERT INTO _agent_store_log (stream, writer, seq, prev_hash, content_hash, payload)"
            + " VALUES (?, ?, ?, ?, ?, ?)",
        entry.stream(),
        entry.writer(),
        entry.seq(),
        entry.prevHash(),
        entry.contentHash(),
        entry.payload());
  }

  private void update(String column, Object value, long seq) {
    store.exec(
        "UPDATE _agent_store_log SET "
            + column
            + " = ? WHERE stream = ? AND writer = ? AND seq = ?",
        value,
        STREAM,
        WRITER,
        seq);
  }

  private void delete(long seq) {
    store.exec(
        "DELETE FROM _agent_store_log WHERE stream = ? AND writer = ? AND seq = ?",
        STREAM,
        WRITER,
        seq);
  }

  private void renumber(long from, long to) {
    update("seq", to, from);
  }

  /**
   * Asserts that verify reports the chain broken at {@code seq} for {@code reason}, with a message
   * naming the stream, writer and seq, and that every other chain still verifies.
   */
  private ChainBrokenException assertBrokenAt(long seq, Reason reason) {
    ChainBrokenException e =
        assertThrows(ChainBrokenException.class, () -> WriterLog.verify(store, STREAM, WRITER));
    assertEquals(STREAM, e.stream());
    assertEquals(WRITER, e.writer());
    assertEquals(seq, e.seq(), e.getMessage());
    assertEquals(reason, e.reason(), e.getMessage());
    String message = e.getMessage();
    assertTrue(message.contains(STREAM + "/" + WRITER), message);
    assertTrue(message.contains("seq " + seq), message);
    assertInstanceOf(CorruptStoreException.class, e);

    assertStoredChain(store, STREAM, "bob", 5);
    assertStoredChain(store, "other", WRITER, 3);
    return e;
  }
}
