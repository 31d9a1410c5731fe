package dev.agentstore.contract;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.AppendConflictException;
import dev.agentstore.Backend;
import dev.agentstore.ChainLog;
import dev.agentstore.Entry;
import dev.agentstore.Follower;
import dev.agentstore.Generation;
import dev.agentstore.GenerationCounter;
import dev.agentstore.InvalidInputException;
import dev.agentstore.NonMonotonicGenerationException;
import dev.agentstore.PayloadNotUtf8Exception;
import dev.agentstore.WriterLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The bound handles {@link ChainLog} ({@code WriterLog.of}) and {@link GenerationCounter} ({@code
 * Generation.of}), and text payloads: {@code append(..., String)} and {@link Entry#payloadUtf8()}.
 */
public abstract class ChainLogContract extends BackendContract {

  // ---------------------------------------------------------------- ChainLog

  @Test
  void aBoundLogAppendsReadsAndVerifiesTheSameChainAsTheStaticApi() {
    ChainLog log = WriterLog.of(store, "conv:demo", "alice");
    assertSame(store, log.backend());
    assertEquals("conv:demo", log.stream());
    assertEquals("alice", log.writer());
    assertEquals(Optional.empty(), log.head());
    assertEquals(Optional.empty(), log.verify());

    Entry first = log.append("hello");
    Entry second = log.append(utf8("bytes"));
    List<Entry> batch = log.appendAll(List.of(utf8("three"), utf8("four")));
    Entry fifth = WriterLog.append(store, "conv:demo", "alice", utf8("five"));

    assertEquals(1, first.seq());
    assertEquals("hello", first.payloadUtf8());
    assertEquals(2, second.seq());
    assertEquals(List.of(3L, 4L), batch.stream().map(Entry::seq).toList());
    assertEquals(Optional.of(fifth), log.head());
    List<Entry> stored = assertStoredChain(store, "conv:demo", "alice", 5);
    assertEquals(List.of(first, second, batch.get(0), batch.get(1), fifth), stored);
    try (Stream<Entry> all = log.entries()) {
      assertEquals(stored, all.toList());
    }
    try (Stream<Entry> after = log.entries(3)) {
      assertEquals(stored.subList(3, 5), after.toList());
    }
    assertEquals(stored.subList(1, 3), log.readAfter(1, 2));
    assertEquals(Optional.of(fifth.toHead()), log.verify());
    List<Long> progress = new ArrayList<>();
    assertEquals(Optional.of(fifth.toHead()), log.verify(progress::add));
    assertEquals(5L, progress.get(progress.size() - 1));
    // Another writer's chain in the same stream is untouched.
    assertEquals(Optional.empty(), WriterLog.of(store, "conv:demo", "bob").head());
  }

  @Test
  void aBoundLogsOptimisticAppendsRefuseAMovedHeadAndWriteNothing() {
    ChainLog log = WriterLog.of(store, "conv", "alice");
    assertEquals(1, log.append("first", 0).seq());
    AppendConflictException stale =
        assertThrows(AppendConflictException.class, () -> log.append(utf8("late"), 0));
    assertEquals(0, stale.expectedSeq());
    assertEquals(1, stale.actualSeq());
    assertThrows(AppendConflictException.class, () -> log.append("late", 0));
    assertThrows(
        AppendConflictException.class, () -> log.appendAll(List.of(utf8("a"), utf8("b")), 0));
    assertEquals(1, log.head().orElseThrow().seq());
    assertEquals(2, log.append(utf8("second"), 1).seq());
    assertEquals(
        List.of(3L, 4L),
        log.appendAll(List.of(utf8("a"), utf8("b")), 2).stream().map(Entry::seq).toList());
    assertStoredChain(store, "conv", "alice", 4);
  }

  @Test
  void aBoundLogFollowsEveryEntryAfterItsStartInOrder() throws InterruptedException {
    ChainLog log = WriterLog.of(store, "conv", "alice");
    log.append("before");
    try (Follower follower = log.follow(1)) {
      List<Entry> appended = new ArrayList<>();
      appended.add(log.append("one"));
      appended.add(WriterLog.append(store, "conv", "alice", "two"));
      appended.addAll(log.appendAll(List.of(utf8("three"))));
      List<Entry> received = new ArrayList<>();
      while (received.size() < appended.size()) {
        Optional<Entry> next = follower.poll(Duration.ofSeconds(WAIT_SECONDS));
        received.add(next.orElseThrow(() -> new AssertionError("no entry within the bound")));
      }
      assertEquals(appended, received);
      assertEquals(
          List.of("one", "two", "three"), received.stream().map(Entry::payloadUtf8).toList());
    }
  }

  @Test
  void boundHandlesCheckNamesWhenMadeAndAppendsCheckTheWriteLimits() {
    InvalidInputException noStream =
        assertThrows(InvalidInputException.class, () -> WriterLog.of(store, null, "w"));
    assertTrue(noStream.getMessage().contains("stream must not be null"), noStream.getMessage());
    InvalidInputException noWriter =
        assertThrows(InvalidInputException.class, () -> WriterLog.of(store, "s", null));
    assertTrue(noWriter.getMessage().contains("writer must not be null"), noWriter.getMessage());
    InvalidInputException surrogate =
        assertThrows(InvalidInputException.class, () -> WriterLog.of(store, "s", "w\uD800"));
    assertTrue(
        surrogate.getMessage().contains("unpaired surrogate at index 1"), surrogate.getMessage());
    InvalidInputException noBackend =
        assertThrows(InvalidInputException.class, () -> WriterLog.of(null, "s", "w"));
    assertTrue(noBackend.getMessage().contains("backend"), noBackend.getMessage());
    assertThrows(InvalidInputException.class, () -> Generation.of(store, null));
    assertThrows(InvalidInputException.class, () -> Generation.of(null, "g"));

    // An empty name reads (other writers store such chains) but is never written.
    ChainLog empty = WriterLog.of(store, "s", "");
    assertEquals(Optional.empty(), empty.head());
    InvalidInputException write =
        assertThrows(InvalidInputException.class, () -> empty.append("x"));
    assertTrue(write.getMessage().contains("writer must not be empty"), write.getMessage());
    GenerationCounter emptyKey = Generation.of(store, "");
    assertEquals(0, emptyKey.current());
    assertThrows(InvalidInputException.class, emptyKey::bump);
  }

  @Test
  void boundHandlesAreEqualWhenTheyNameTheSameChainOfTheSameBackend() {
    ChainLog log = WriterLog.of(store, "conv:demo", "alice");
    assertEquals(log, WriterLog.of(store, "conv:demo", "alice"));
    assertEquals(log.hashCode(), WriterLog.of(store, "conv:demo", "alice").hashCode());
    assertNotEquals(log, WriterLog.of(store, "conv:demo", "bob"));
    assertNotEquals(log, WriterLog.of(store, "conv:other", "alice"));
    assertEquals("ChainLog[conv:demo/alice on " + store.describe() + "]", log.toString());

    GenerationCounter report = Generation.of(store, "report");
    assertEquals(report, Generation.of(store, "report"));
    assertNotEquals(report, Generation.of(store, "other"));
    assertEquals("GenerationCounter[report on " + store.describe() + "]", report.toString());
    try (Backend other = open()) {
      assertNotEquals(log, WriterLog.of(other, "conv:demo", "alice"));
      assertNotEquals(report, Generation.of(other, "report"));
    }
  }

  @Test
  void handlesBoundInsideATransactionCommitAndRollBackWithIt() {
    store.runInTransaction(
        tx -> {
          WriterLog.of(tx, "jobs", "worker-1").append("job 1 done");
          Generation.of(tx, "jobs.epoch").bump();
        });
    assertEquals(1, WriterLog.of(store, "jobs", "worker-1").head().orElseThrow().seq());
    assertEquals(1, Generation.of(store, "jobs.epoch").current());

    IllegalStateException boom =
        assertThrows(
            IllegalStateException.class,
            () ->
                store.runInTransaction(
                    tx -> {
                      WriterLog.of(tx, "jobs", "worker-1").append("job 2 done");
                      Generation.of(tx, "jobs.epoch").bump();
                      throw new IllegalStateException("boom");
                    }));
    assertEquals("boom", boom.getMessage());
    assertStoredChain(store, "jobs", "worker-1", 1);
    assertEquals(1, Generation.of(store, "jobs.epoch").current());
  }

  // ---------------------------------------------------------------- GenerationCounter

  @Test
  void aBoundCounterReadsBumpsAndSetsTheSameRowAsTheGeneration() {
    GenerationCounter report = Generation.of(store, "report");
    assertEquals("report", report.key());
    assertSame(store, report.backend());
    assertEquals(0, report.current());
    assertEquals(1, report.bump());
    assertEquals(2, report.bump());
    report.set(10);
    assertEquals(10, report.current());
    assertEquals(10, new Generation("report").current(store));
    assertEquals(11, new Generation("report").bump(store));
    assertEquals(11, report.current());
    NonMonotonicGenerationException backwards =
        assertThrows(NonMonotonicGenerationException.class, () -> report.set(5));
    assertEquals(11, backwards.current());
    assertEquals(5, backwards.requested());
    assertEquals(11, report.current());
    assertEquals(0, Generation.of(store, "other").current());
  }

  // ---------------------------------------------------------------- text payloads

  @Test
  void textIsStoredAsExactlyItsUtf8BytesAndReadsBack() {
    String text = "h\u00e9llo \uD83C\uDF0D \u65e5\u672c\0end";
    Entry entry = WriterLog.append(store, "s", "w", text);
    assertArrayEquals(text.getBytes(UTF_8), entry.payload());
    assertArrayEquals(blake3(text.getBytes(UTF_8)), entry.contentHash());
    Entry stored = assertStoredChain(store, "s", "w", 1).get(0);
    assertEquals(text, stored.payloadUtf8());
    assertEquals(2, WriterLog.append(store, "s", "w", "", 1).seq());
    assertEquals("", WriterLog.head(store, "s", "w").orElseThrow().payloadUtf8());
  }

  @Test
  void textWithAnUnpairedSurrogateIsRefusedAndNothingIsWritten() {
    InvalidInputException lone =
        assertThrows(
            InvalidInputException.class, () -> WriterLog.append(store, "s", "w", "ab\uDC00c"));
    assertEquals(
        "payload text for s/w has an unpaired surrogate at index 2; it cannot be stored as UTF-8",
        lone.getMessage());
    assertThrows(
        InvalidInputException.class, () -> WriterLog.of(store, "s", "w").append("x\uD83C", 0));
    InvalidInputException none =
        assertThrows(
            InvalidInputException.class, () -> WriterLog.append(store, "s", "w", (String) null));
    assertEquals("payload must not be null (s/w)", none.getMessage());
    assertEquals(Optional.empty(), WriterLog.head(store, "s", "w"));
  }

  @Test
  void aPayloadThatIsNotUtf8IsRefusedAsTextNamingTheEntryAndTheByte() {
    WriterLog.append(store, "conv:demo", "alice", "fine");
    // 'h' 'i', then 0xC3 whose continuation byte is missing ('(' follows).
    Entry bad =
        WriterLog.append(store, "conv:demo", "alice", new byte[] {'h', 'i', (byte) 0xC3, '('});
    PayloadNotUtf8Exception e = assertThrows(PayloadNotUtf8Exception.class, bad::payloadUtf8);
    assertEquals("conv:demo", e.stream());
    assertEquals("alice", e.writer());
    assertEquals(2, e.seq());
    assertEquals(2, e.offset());
    assertEquals(
        "payload of conv:demo/alice seq 2 is not valid UTF-8: byte 2 of 4 starts a malformed"
            + " sequence; read it with payload() as bytes",
        e.getMessage());
    assertEquals(
        "fine", WriterLog.readAfter(store, "conv:demo", "alice", 0, 1).get(0).payloadUtf8());
  }

  @Test
  void decodingIsStrictWhereLenientDecodingWouldInventCharacters() {
    byte[][] notUtf8 = {
      {'a', (byte) 0xE2, (byte) 0x82}, // truncated at the end
      {(byte) 0xC0, (byte) 0x80}, // overlong NUL
      {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // an encoded surrogate (CESU-8)
      {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // beyond U+10FFFF
      {(byte) 0xFF},
    };
    int[] offsets = {1, 0, 0, 0, 0};
    List<Entry> entries = WriterLog.appendAll(store, "s", "w", List.of(notUtf8));
    for (int i = 0; i < notUtf8.length; i++) {
      Entry entry = entries.get(i);
      PayloadNotUtf8Exception e = assertThrows(PayloadNotUtf8Exception.class, entry::payloadUtf8);
      assertEquals(entry.seq(), e.seq());
      assertEquals(offsets[i], e.offset(), "offset in payload " + i);
      // The bytes themselves stay readable.
      assertArrayEquals(notUtf8[i], entry.payload());
    }
  }
}
