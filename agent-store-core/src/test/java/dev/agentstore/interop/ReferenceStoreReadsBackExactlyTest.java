package dev.agentstore.interop;

import static dev.agentstore.interop.Fixtures.unhex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentstore.Entry;
import dev.agentstore.Generation;
import dev.agentstore.Head;
import dev.agentstore.WriterLog;
import dev.agentstore.interop.Fixtures.Chain;
import dev.agentstore.interop.Fixtures.Manifest;
import dev.agentstore.sqlite.SqliteBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A store written by the reference Rust crate reads back in Java exactly as its manifest says. */
class ReferenceStoreReadsBackExactlyTest {
  private static final Manifest MANIFEST = Manifest.load();

  @TempDir Path dir;
  private SqliteBackend store;

  @BeforeEach
  void openCopyOfReferenceStore() {
    store = SqliteBackend.open(Fixtures.copy("reference.db", dir));
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void manifestHoldsTheDocumentedChainsInUtf8ByteOrder() {
    assertEquals(279, MANIFEST.entries().size());
    assertEquals(7, MANIFEST.heads().size());
    List<String> keys =
        MANIFEST.chains().stream().map(c -> c.stream() + "\0" + c.writer()).toList();
    assertEquals(keys.stream().sorted(Fixtures.UTF8_ORDER).toList(), keys);
    for (int i = 0; i < MANIFEST.heads().size(); i++) {
      Head head = MANIFEST.heads().get(i);
      assertEquals(head.seq(), MANIFEST.counts().get(i));
      assertEquals(head.seq(), MANIFEST.entriesOf(new Chain(head.stream(), head.writer())).size());
    }
  }

  @Test
  void everyEntryReadsBackBitExactThroughEntries() {
    List<Entry> all = new ArrayList<>();
    for (Chain chain : MANIFEST.chains()) {
      try (Stream<Entry> entries = WriterLog.entries(store, chain.stream(), chain.writer())) {
        all.addAll(entries.toList());
      }
    }
    assertEquals(MANIFEST.entries().size(), all.size());
    for (int i = 0; i < all.size(); i++) {
      assertEntryEquals(MANIFEST.entries().get(i), all.get(i));
    }
  }

  @Test
  void readAfterPagesThroughEveryChainExactly() {
    for (Chain chain : MANIFEST.chains()) {
      List<Entry> read = new ArrayList<>();
      long after = 0;
      for (List<Entry> page;
          !(page = WriterLog.readAfter(store, chain.stream(), chain.writer(), after, 7))
              .isEmpty(); ) {
        assertTrue(page.size() <= 7);
        read.addAll(page);
        after = page.get(page.size() - 1).seq();
      }
      assertEquals(MANIFEST.entriesOf(chain), read, chain.toString());
    }
  }

  @Test
  void readAfterAndEntriesAfterStartPastTheGivenSeq() {
    Chain alice = new Chain("conv:demo", "alice");
    List<Entry> expected = MANIFEST.entriesOf(alice);
    assertEquals(expected.subList(20, 25), WriterLog.readAfter(store, "conv:demo", "alice", 20, 5));
    try (Stream<Entry> tail = WriterLog.entries(store, "conv:demo", "alice", 38)) {
      assertEquals(expected.subList(38, 40), tail.toList());
    }
    assertEquals(List.of(), WriterLog.readAfter(store, "conv:demo", "alice", 40, 10));
  }

  @Test
  void edgePayloadsReadBackExactly() {
    List<Entry> edge;
    try (Stream<Entry> entries = WriterLog.entries(store, "edge/payloads", "edge")) {
      edge = entries.toList();
    }
    assertEquals(5, edge.size());
    assertArrayEquals(new byte[0], edge.get(0).payload());
    assertEquals(65_536, edge.get(1).payload().length);
    assertArrayEquals(new byte[] {0}, edge.get(2).payload());
    assertTrue(containsNul(edge.get(3).payload()));
    byte[] allBytes = new byte[256];
    IntStream.range(0, 256).forEach(i -> allBytes[i] = (byte) i);
    assertArrayEquals(allBytes, edge.get(4).payload());
    assertEquals(MANIFEST.entriesOf(new Chain("edge/payloads", "edge")), edge);
  }

  @Test
  void fingerprintWriterChainsCarryTheDocumentedBinaryPayload() {
    String writer = "e7ac8eb39913450e0fec626920bae45b59115d859270033c7bf9e26778d550e4";
    Entry only = WriterLog.head(store, "conv:demo", writer).orElseThrow();
    assertEquals(1, only.seq());
    assertArrayEquals(new byte[] {0x00, 0x01, 0x00, (byte) 0xff, 0x00}, only.payload());
    assertEquals(3, WriterLog.head(store, "mesh/announce", writer).orElseThrow().seq());
  }

  @Test
  void headOfEveryChainIsItsLastManifestEntry() {
    for (Chain chain : MANIFEST.chains()) {
      List<Entry> expected = MANIFEST.entriesOf(chain);
      Entry head = WriterLog.head(store, chain.stream(), chain.writer()).orElseThrow();
      assertEntryEquals(expected.get(expected.size() - 1), head);
      assertEquals(MANIFEST.headOf(chain), head.toHead());
    }
  }

  @Test
  void streamsListsTheManifestStreamsInManifestOrder() {
    List<String> expected = MANIFEST.chains().stream().map(Chain::stream).distinct().toList();
    assertEquals(
        List.of("conv:demo", "edge/payloads", "jobs/queue", "mesh/announce", "日本語/ストリーム"),
        expected);
    assertEquals(expected, WriterLog.streams(store));
  }

  @Test
  void headsListsEveryChainInManifestOrder() {
    assertEquals(MANIFEST.heads(), WriterLog.heads(store));
    for (String stream : WriterLog.streams(store)) {
      assertEquals(
          MANIFEST.heads().stream().filter(h -> h.stream().equals(stream)).toList(),
          WriterLog.heads(store, stream),
          stream);
    }
  }

  @Test
  void everyChainVerifiesToTheHeadTheReferenceCrateReported() {
    JsonNode chains = Fixtures.json("check-reference.json").get("output").get("chains");
    assertEquals(MANIFEST.heads().size(), chains.size());
    for (JsonNode chain : chains) {
      String stream = chain.get("stream").textValue();
      String writer = chain.get("writer").textValue();
      assertEquals("ok", chain.get("verify").textValue());
      Head expected =
          new Head(
              stream,
              writer,
              Fixtures.exactLong(chain.get("head_seq")),
              unhex(chain.get("head_hash").textValue()));
      assertEquals(Optional.of(expected), WriterLog.verify(store, stream, writer));
      assertEquals(expected, MANIFEST.headOf(new Chain(stream, writer)));
    }
  }

  @Test
  void everyGenerationReadsItsValue() {
    assertEquals(4, MANIFEST.generations().size());
    MANIFEST
        .generations()
        .forEach((key, value) -> assertEquals(value, new Generation(key).current(store), key));
    // 2^53 + 1: a double would have rounded it to 2^53.
    assertEquals(9_007_199_254_740_993L, MANIFEST.generations().get("gen.big"));
    assertEquals((1L << 53) + 1, new Generation("gen.big").current(store));
    assertEquals(7, new Generation("gen.epoch").current(store));
    assertEquals(1000, new Generation("gen.config").current(store));
    assertEquals(0, new Generation("gen.zero").current(store));
  }

  @Test
  void aNeverTouchedKeyReadsZeroAndWritesNothing() {
    assertEquals(0, new Generation("gen.never-touched").current(store));
    assertEquals(
        List.of(4L), store.query("SELECT count(*) FROM _agent_store_meta", r -> r.getLong(1)));
  }

  @Test
  void aChainTheCrateNeverWroteIsEmptyAndVerifies() {
    assertEquals(Optional.empty(), WriterLog.head(store, "conv:demo", "carol"));
    assertEquals(Optional.empty(), WriterLog.verify(store, "conv:demo", "carol"));
    assertEquals(List.of(), WriterLog.readAfter(store, "no/such/stream", "alice", 0, 10));
  }

  @Test
  void ensureSchemaAcceptsTheReferenceTablesAndChangesNothing() {
    List<String> before = masterRows();
    WriterLog.ensureSchema(store);
    Generation.ensureSchema(store);
    assertEquals(before, masterRows());
    assertEquals(MANIFEST.heads(), WriterLog.heads(store));
  }

  private List<String> masterRows() {
    return store.query(
        "SELECT type || ' ' || name || ' ' || tbl_name || ' ' || ifnull(sql, '') FROM sqlite_master"
            + " ORDER BY name",
        r -> r.getString(1));
  }

  static void assertEntryEquals(Entry expected, Entry actual) {
    String where = expected.stream() + "/" + expected.writer() + " seq " + expected.seq();
    assertEquals(expected.stream(), actual.stream(), where);
    assertEquals(expected.writer(), actual.writer(), where);
    assertEquals(expected.seq(), actual.seq(), where);
    assertEquals(expected.prevHashHex(), actual.prevHashHex(), where);
    assertEquals(expected.contentHashHex(), actual.contentHashHex(), where);
    assertArrayEquals(expected.payload(), actual.payload(), where);
    assertEquals(expected, actual, where);
  }

  private static boolean containsNul(byte[] bytes) {
    for (byte b : bytes) {
      if (b == 0) {
        return true;
      }
    }
    return false;
  }
}
