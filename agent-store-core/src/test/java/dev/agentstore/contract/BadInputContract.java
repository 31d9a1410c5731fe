package dev.agentstore.contract;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.agentstore.Backend;
import dev.agentstore.Entry;
import dev.agentstore.Generation;
import dev.agentstore.Head;
import dev.agentstore.InvalidInputException;
import dev.agentstore.StoreClosedException;
import dev.agentstore.WriterLog;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad input gets a clear {@link InvalidInputException} that names the argument and the stream,
 * writer or key, and harms nothing: after every refusal the committed entries verify with the same
 * heads, the counters keep their values and the doorbell stays silent.
 */
public abstract class BadInputContract extends BackendContract {
  private static final String STREAM = "conv";
  private static final String WRITER = "alice";

  private List<Head> heads;
  private Rings rings;

  @BeforeEach
  void commitSomething() {
    appendMany(store, STREAM, WRITER, 3);
    appendMany(store, STREAM, "bob", 2);
    new Generation("g").set(store, 5);
    heads = WriterLog.heads(store);
    rings = new Rings(store.doorbell());
  }

  // ---------------------------------------------------------------- names

  @Test
  void aNullStreamIsRefused() {
    assertStreamRefused(null, "stream", "null");
  }

  @Test
  void anEmptyStreamIsRefusedForAppendsAndReadAsAnEmptyChain() {
    assertStreamRefusedForAppends("", "stream", "empty");
    assertReadsAsEmpty("", WRITER);
  }

  @Test
  void aNullWriterIsRefused() {
    assertWriterRefused(null, "writer", "null", STREAM);
  }

  @Test
  void anEmptyWriterIsRefusedForAppendsAndReadAsAnEmptyChain() {
    assertWriterRefusedForAppends("", "writer", "empty", STREAM);
    assertReadsAsEmpty(STREAM, "");
  }

  @Test
  void aNullKeyIsRefusedAndAnEmptyOneOnlyForWrites() {
    assertRefused(() -> new Generation(null), "key", "null");
    assertRefused(() -> new Generation("").bump(store), "key", "empty");
    assertRefused(() -> new Generation("").set(store, 1), "key", "empty");
    assertEquals(0, new Generation("").current(store));
  }

  @Test
  void aNameOverTheLimitIsRefusedForWritesWithTheSizes() {
    // Two UTF-8 bytes per char: the limit is on bytes, not chars.
    String tooLong = "é".repeat(WriterLog.MAX_NAME_BYTES / 2 + 1);
    String bytes = String.valueOf(tooLong.getBytes(StandardCharsets.UTF_8).length);
    String limit = String.valueOf(WriterLog.MAX_NAME_BYTES);
    assertStreamRefusedForAppends(tooLong, "stream", bytes, limit);
    assertWriterRefusedForAppends(tooLong, "writer", bytes, limit, STREAM);
    assertRefused(() -> new Generation(tooLong).bump(store), "key", bytes, limit);
    assertRefused(() -> new Generation(tooLong).set(store, 9), "key", bytes, limit);
    // Reads accept it: other writers may have stored such a name.
    assertReadsAsEmpty(tooLong, WRITER);
    assertReadsAsEmpty(STREAM, tooLong);
    assertEquals(0, new Generation(tooLong).current(store));
  }

  @Test
  void aNameOfExactlyTheLimitIsAccepted() {
    String longest = "é".repeat(WriterLog.MAX_NAME_BYTES / 2);
    Entry entry = WriterLog.append(store, longest, longest, utf8("x"));
    assertEquals(longest, entry.stream());
    assertEquals(Optional.of(entry), WriterLog.head(store, longest, longest));
    assertTrue(WriterLog.streams(store).contains(longest));
    Generation key = new Generation(longest);
    assertEquals(1, key.bump(store));
    assertEquals(1, key.current(store));
  }

  @Test
  void aNameWithAnUnpairedSurrogateIsRefused() {
    for (String name : List.of("bad\uD800name", "\uDC00first", "last\uD83D")) {
      assertStreamRefused(name, "stream", "surrogate");
      assertWriterRefused(name, "writer", "surrogate", STREAM);
      assertRefused(() -> new Generation(name), "key", "surrogate");
    }
  }

  @Test
  void aNameWithNulIsStoredOrRefusedAsDeclared() {
    String name = "a\u0000b";
    if (storesNulInNames()) {
      Entry entry = WriterLog.append(store, name, name, utf8("x"));
      assertEquals(Optional.of(entry), WriterLog.head(store, name, name));
      assertEquals(Optional.empty(), WriterLog.head(store, "a", name));
      assertTrue(WriterLog.streams(store).contains(name));
      assertEquals(1, new Generation(name).bump(store));
      assertEquals(0, new Generation("a").current(store));
    } else {
      assertStreamRefused(name, "stream", "NUL");
      assertWriterRefused(name, "writer", "NUL", STREAM);
      assertRefused(() -> new Generation(name).bump(store), "key", "NUL");
    }
  }

  // ---------------------------------------------------------------- payloads

  @Test
  void aPayloadOverTheLimitIsRefusedWithBothSizes() {
    byte[] tooBig = new byte[WriterLog.MAX_PAYLOAD_BYTES + 1];
    String size = String.valueOf(tooBig.length);
    String limit = String.valueOf(WriterLog.MAX_PAYLOAD_BYTES);
    assertRefused(
        () -> WriterLog.append(store, STREAM, WRITER, tooBig), "payload", size, limit, STREAM);
    assertRefused(
        () -> WriterLog.append(store, STREAM, WRITER, tooBig, 3), "payload", size, limit, WRITER);
    assertRefused(
        () -> WriterLog.appendAll(store, STREAM, WRITER, List.of(utf8("ok"), tooBig)),
        "payload",
        size,
        limit);
  }

  @Test
  void aNullPayloadIsRefused() {
    assertRefused(
        () -> WriterLog.append(store, STREAM, WRITER, (byte[]) null), "payload", STREAM, WRITER);
    assertRefused(
        () -> WriterLog.append(store, STREAM, WRITER, (byte[]) null, 3), "payload", STREAM, WRITER);
    List<byte[]> withNull = new ArrayList<>(Arrays.asList(utf8("ok"), null));
    assertRefused(
        () -> WriterLog.appendAll(store, STREAM, WRITER, withNull), "payload", STREAM, WRITER);
  }

  @Test
  void nullArgumentsAreInvalidInputNamingTheArgument() {
    assertRefusedExactly(
        () -> WriterLog.appendAll(store, STREAM, WRITER, null), "payloads must not be null");
    assertRefusedExactly(
        () -> WriterLog.append(null, STREAM, WRITER, utf8("x")), "backend must not be null");
    assertRefusedExactly(() -> WriterLog.heads(null), "backend must not be null");
    assertRefusedExactly(() -> WriterLog.importEntries(store, null), "entries must not be null");
    assertRefusedExactly(
        () -> WriterLog.follow(store, STREAM, WRITER, 0, null), "options must not be null");
    assertRefusedExactly(() -> new Generation("g").bump(null), "backend must not be null");
    assertRefusedExactly(() -> Generation.ensureSchema(null), "backend must not be null");
    assertRefusedExactly(() -> store.doorbell().ring(null), "event must not be null");
  }

  // ---------------------------------------------------------------- positions

  @Test
  void aNegativeAfterSeqIsRefused() {
    assertRefused(
        () -> WriterLog.readAfter(store, STREAM, WRITER, -1, 10), "afterSeq", STREAM, WRITER);
    assertRefused(() -> WriterLog.entries(store, STREAM, WRITER, -1), "afterSeq", STREAM, WRITER);
  }

  @Test
  void aReadLimitOutsideItsRangeIsRefused() {
    for (int limit : List.of(0, -1, WriterLog.MAX_READ_LIMIT + 1)) {
      assertRefused(
          () -> WriterLog.readAfter(store, STREAM, WRITER, 0, limit),
          "limit",
          String.valueOf(limit),
          STREAM,
          WRITER);
    }
  }

  @Test
  void aNegativeExpectedHeadSeqIsRefused() {
    assertRefused(
        () -> WriterLog.append(store, STREAM, WRITER, utf8("x"), -1),
        "expected",
        "-1",
        STREAM,
        WRITER);
    assertRefused(
        () -> WriterLog.appendAll(store, STREAM, WRITER, List.of(utf8("x")), -1),
        "expected",
        "-1",
        STREAM,
        WRITER);
  }

  // ---------------------------------------------------------------- closed backends

  @Test
  void useAfterCloseIsRefusedAndCloseIsIdempotent() {
    Backend closed = open();
    WriterLog.append(closed, STREAM, WRITER, utf8("x"));
    closed.close();
    assertDoesNotThrow(closed::close);
    Generation g = new Generation("g");
    List<Executable> uses =
        List.of(
            () -> WriterLog.append(closed, STREAM, WRITER, utf8("y")),
            () -> WriterLog.append(closed, STREAM, WRITER, utf8("y"), 1),
            () -> WriterLog.appendAll(closed, STREAM, WRITER, List.of(utf8("y"))),
            () -> WriterLog.head(closed, STREAM, WRITER),
            () -> WriterLog.readAfter(closed, STREAM, WRITER, 0, 10),
            () -> WriterLog.entries(closed, STREAM, WRITER).toList(),
            () -> WriterLog.verify(closed, STREAM, WRITER),
            () -> WriterLog.streams(closed),
            () -> WriterLog.heads(closed),
            () -> WriterLog.heads(closed, STREAM),
            () -> WriterLog.ensureSchema(closed),
            () -> Generation.ensureSchema(closed),
            () -> g.current(closed),
            () -> g.bump(closed),
            () -> g.set(closed, 10),
            () -> closed.exec("CREATE TABLE t (id BIGINT)"),
            () -> closed.query("SELECT 1", row -> row.getLong(1)),
            () -> closed.queryOne("SELECT 1", row -> row.getLong(1)),
            () -> closed.inTransaction(tx -> 1),
            () -> closed.runInTransaction(tx -> {}));
    for (Executable use : uses) {
      StoreClosedException e = assertThrows(StoreClosedException.class, use);
      assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }
    assertUntouched();
  }

  @Test
  void closingKeepsEveryCommittedEntry() {
    assumeTrue(canOpenTheSameStoreTwice(), "the store cannot be opened again");
    Backend first = open();
    List<Entry> entries = appendMany(first, STREAM, WRITER, 4);
    new Generation("g").set(first, 8);
    first.close();
    Backend again = openSameStore(first);
    assertEquals(entries, assertStoredChain(again, STREAM, WRITER, 4));
    assertEquals(8, new Generation("g").current(again));
  }

  // ---------------------------------------------------------------- helpers

  private void assertStreamRefusedForAppends(String stream, String... fragments) {
    for (Executable call : appends(stream, WRITER)) {
      assertRefused(call, fragments);
    }
  }

  private void assertWriterRefusedForAppends(String writer, String... fragments) {
    for (Executable call : appends(STREAM, writer)) {
      assertRefused(call, fragments);
    }
  }

  private List<Executable> appends(String stream, String writer) {
    return List.of(
        () -> WriterLog.append(store, stream, writer, utf8("x")),
        () -> WriterLog.append(store, stream, writer, utf8("x"), 0),
        () -> WriterLog.appendAll(store, stream, writer, List.of(utf8("x"))));
  }

  /** Every read of a chain with no entries answers as for any other name, and nothing changes. */
  private void assertReadsAsEmpty(String stream, String writer) {
    assertEquals(Optional.empty(), WriterLog.head(store, stream, writer));
    try (Stream<Entry> entries = WriterLog.entries(store, stream, writer)) {
      assertEquals(0, entries.count());
    }
    assertEquals(List.of(), WriterLog.readAfter(store, stream, writer, 0, 10));
    assertEquals(Optional.empty(), WriterLog.verify(store, stream, writer));
    if (!stream.equals(STREAM)) {
      assertEquals(List.of(), WriterLog.heads(store, stream));
    }
    assertUntouched();
  }

  private void assertStreamRefused(String stream, String... fragments) {
    List<Executable> calls =
        List.of(
            () -> WriterLog.append(store, stream, WRITER, utf8("x")),
            () -> WriterLog.append(store, stream, WRITER, utf8("x"), 0),
            () -> WriterLog.appendAll(store, stream, WRITER, List.of(utf8("x"))),
            () -> WriterLog.head(store, stream, WRITER),
            () -> consume(WriterLog.entries(store, stream, WRITER)),
            () -> WriterLog.readAfter(store, stream, WRITER, 0, 10),
            () -> WriterLog.verify(store, stream, WRITER),
            () -> WriterLog.heads(store, stream));
    for (Executable call : calls) {
      assertRefused(call, fragments);
    }
  }

  private void assertWriterRefused(String writer, String... fragments) {
    List<Executable> calls =
        List.of(
            () -> WriterLog.append(store, STREAM, writer, utf8("x")),
            () -> WriterLog.append(store, STREAM, writer, utf8("x"), 0),
            () -> WriterLog.appendAll(store, STREAM, writer, List.of(utf8("x"))),
            () -> WriterLog.head(store, STREAM, writer),
            () -> consume(WriterLog.entries(store, STREAM, writer)),
            () -> WriterLog.readAfter(store, STREAM, writer, 0, 10),
            () -> WriterLog.verify(store, STREAM, writer));
    for (Executable call : calls) {
      assertRefused(call, fragments);
    }
  }

  private static void consume(Stream<Entry> entries) {
    try (entries) {
      entries.forEach(entry -> {});
    }
  }

  /**
   * Asserts that {@code call} throws {@link InvalidInputException} whose message contains every
   * fragment (sizes compared without digit grouping), and that nothing committed changed.
   */
  private void assertRefused(Executable call, String... fragments) {
    InvalidInputException e = assertThrows(InvalidInputException.class, call);
    String message = ungrouped(e.getMessage());
    for (String fragment : fragments) {
      assertTrue(message.contains(fragment), "\"" + fragment + "\" not in: " + e.getMessage());
    }
    assertUntouched();
  }

  private void assertRefusedExactly(Executable call, String message) {
    InvalidInputException e = assertThrows(InvalidInputException.class, call);
    assertEquals(message, e.getMessage());
    assertUntouched();
  }

  private void assertUntouched() {
    assertEquals(heads, WriterLog.heads(store));
    for (Head head : heads) {
      assertEquals(Optional.of(head), WriterLog.verify(store, head.stream(), head.writer()));
    }
    assertEquals(5, new Generation("g").current(store));
    assertEquals(List.of(), rings.events());
  }
}
