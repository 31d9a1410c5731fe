package dev.agentstore.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.Backend;
import dev.agentstore.Entry;
import dev.agentstore.FollowOptions;
import dev.agentstore.Follower;
import dev.agentstore.Generation;
import dev.agentstore.Head;
import dev.agentstore.InvalidInputException;
import dev.agentstore.WriterLog;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Chains and counters whose names the reference crate writes but this library never creates: an
 * empty stream, an empty writer, names beyond {@link WriterLog#MAX_NAME_BYTES}. They are laid down
 * with plain SQL, hashed here independently of the library, and every read must accept them:
 * verify, head, entries, readAfter, follow, heads, streams, import and current. Only writing a new
 * entry or value under such a name is refused.
 */
public abstract class ForeignNamesContract extends BackendContract {
  /** 1,025 bytes in UTF-8: one past the limit, the case the reference crate writes. */
  private static final String LONG_STREAM = "s".repeat(WriterLog.MAX_NAME_BYTES + 1);

  /** Two bytes a char, 4,000 bytes: far past the limit. */
  private static final String LONG_WRITER = "é".repeat(2000);

  private static final List<List<String>> CHAINS =
      List.of(
          List.of("", "alice"),
          List.of("conv", ""),
          List.of("", ""),
          List.of(LONG_STREAM, "bob"),
          List.of("conv", LONG_WRITER),
          List.of(LONG_STREAM, LONG_WRITER));

  private final Map<List<String>, List<Entry>> written = new HashMap<>();

  @BeforeEach
  void layDownForeignChains() {
    for (List<String> chain : CHAINS) {
      written.put(chain, insertChain(store, chain.get(0), chain.get(1), 3));
    }
  }

  @Test
  void everyForeignChainVerifiesIntactAndReturnsItsHead() {
    for (List<String> chain : CHAINS) {
      Head head = last(chain).toHead();
      assertEquals(Optional.of(head), WriterLog.verify(store, chain.get(0), chain.get(1)));
      List<Long> progress = new ArrayList<>();
      assertEquals(
          Optional.of(head), WriterLog.verify(store, chain.get(0), chain.get(1), progress::add));
      assertEquals(3L, progress.get(progress.size() - 1));
    }
  }

  @Test
  void headsAndStreamsListForeignNamesExactly() {
    List<Head> heads = WriterLog.heads(store);
    for (List<String> chain : CHAINS) {
      assertTrue(heads.contains(last(chain).toHead()), "heads lack " + chain);
    }
    assertEquals(CHAINS.size(), heads.size());
    assertEquals(
        List.of(last(List.of("", "")).toHead(), last(List.of("", "alice")).toHead()),
        WriterLog.heads(store, ""));
    assertEquals(
        List.of(
            last(List.of(LONG_STREAM, "bob")).toHead(),
            last(List.of(LONG_STREAM, LONG_WRITER)).toHead()),
        WriterLog.heads(store, LONG_STREAM));
    assertEquals(List.of("", "conv", LONG_STREAM), WriterLog.streams(store));
  }

  @Test
  void headEntriesAndReadAfterReturnForeignChainsExactly() {
    for (List<String> chain : CHAINS) {
      String stream = chain.get(0);
      String writer = chain.get(1);
      List<Entry> expected = written.get(chain);
      assertEquals(Optional.of(last(chain)), WriterLog.head(store, stream, writer));
      try (Stream<Entry> entries = WriterLog.entries(store, stream, writer)) {
        assertEquals(expected, entries.toList());
      }
      assertEquals(expected.subList(1, 3), WriterLog.readAfter(store, stream, writer, 1, 10));
      for (Entry entry : expected) {
        assertEquals(stream, entry.stream());
        assertEquals(writer, entry.writer());
      }
    }
  }

  @Test
  void followersDeliverForeignChains() throws InterruptedException {
    for (List<String> chain : CHAINS) {
      try (Follower follower = WriterLog.follow(store, chain.get(0), chain.get(1), 0)) {
        for (Entry expected : written.get(chain)) {
          assertEquals(
              Optional.of(expected), follower.poll(Duration.ofSeconds(WAIT_SECONDS)), "" + chain);
        }
      }
    }
    try (Follower follower =
        WriterLog.followStream(store, LONG_STREAM, Map.of(), FollowOptions.defaults())) {
      List<Entry> seen = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        seen.add(follower.poll(Duration.ofSeconds(WAIT_SECONDS)).orElseThrow());
      }
      List<Entry> expected = new ArrayList<>(written.get(List.of(LONG_STREAM, "bob")));
      expected.addAll(written.get(List.of(LONG_STREAM, LONG_WRITER)));
      assertEquals(new HashSet<>(expected), new HashSet<>(seen));
    }
  }

  @Test
  void foreignChainsImportIntoAnotherStoreByteExact() {
    Backend copy = open();
    for (List<String> chain : CHAINS) {
      WriterLog.importEntries(copy, written.get(chain));
      assertEquals(
          Optional.of(last(chain).toHead()), WriterLog.verify(copy, chain.get(0), chain.get(1)));
    }
    assertEquals(WriterLog.heads(store), WriterLog.heads(copy));
  }

  @Test
  void appendingUnderAForeignNameIsRefusedAndChangesNothing() {
    for (List<String> chain : CHAINS) {
      InvalidInputException e =
          assertThrows(
              InvalidInputException.class,
              () -> WriterLog.append(store, chain.get(0), chain.get(1), utf8("x")));
      assertTrue(
          e.getMessage().contains("empty") || e.getMessage().contains("limit"), e.getMessage());
      assertEquals(Optional.of(last(chain)), WriterLog.head(store, chain.get(0), chain.get(1)));
    }
  }

  @Test
  void countersUnderForeignKeysReadTheirValues() {
    store.exec("INSERT INTO _agent_store_meta (key, ival) VALUES (?, ?)", "", 7L);
    store.exec("INSERT INTO _agent_store_meta (key, ival) VALUES (?, ?)", LONG_WRITER, 9L);
    assertEquals(7, new Generation("").current(store));
    assertEquals(9, new Generation(LONG_WRITER).current(store));
    assertThrows(InvalidInputException.class, () -> new Generation(LONG_WRITER).bump(store));
    assertEquals(9, new Generation(LONG_WRITER).current(store));
  }

  private Entry last(List<String> chain) {
    List<Entry> entries = written.get(chain);
    return entries.get(entries.size() - 1);
  }

  /**
   * Inserts {@code count} entries of {@code (stream, writer)} with plain SQL, as another writer
   * would, each hashed here as the format says: {@code BLAKE3(prev_hash || payload)}.
   */
  static List<Entry> insertChain(Backend backend, String stream, String writer, int count) {
    List<Entry> entries = new ArrayList<>();
    byte[] prev = null;
    for (long seq = 1; seq <= count; seq++) {
      byte[] payload = ("entry " + seq + " of a foreign chain").getBytes(StandardCharsets.UTF_8);
      byte[] hash = prev == null ? blake3(payload) : blake3(prev, payload);
      backend.exec(
          "INSERT INTO _agent_store_log (stream, writer, seq, prev_hash, content_hash, payload)"
              + " VALUES (?, ?, ?, ?, ?, ?)",
          stream,
          writer,
          seq,
          prev,
          hash,
          payload);
      Entry entry = new Entry(stream, writer, seq, prev, hash, payload);
      assertArrayEquals(hash, entry.contentHash());
      entries.add(entry);
      prev = hash;
    }
    return entries;
  }
}
