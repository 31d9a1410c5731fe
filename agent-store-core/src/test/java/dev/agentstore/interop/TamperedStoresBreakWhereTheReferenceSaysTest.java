package dev.agentstore.interop;

import static dev.agentstore.interop.Fixtures.unhex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentstore.ChainBrokenException;
import dev.agentstore.ChainBrokenException.Reason;
import dev.agentstore.Entry;
import dev.agentstore.Generation;
import dev.agentstore.Head;
import dev.agentstore.MalformedRowException;
import dev.agentstore.WriterLog;
import dev.agentstore.interop.Fixtures.Chain;
import dev.agentstore.interop.Fixtures.Manifest;
import dev.agentstore.sqlite.SqliteBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each tampered copy of the reference store breaks at the same first seq the reference crate
 * reported, and every untouched chain still verifies; where a bare hash chain cannot see the
 * tampering (a cut tail, a consistent rewrite), the tests say so.
 */
class TamperedStoresBreakWhereTheReferenceSaysTest {
  private static final Manifest MANIFEST = Manifest.load();
  private static final JsonNode VARIANTS = Fixtures.json("tamper/expected.json").get("variants");
  private static final Pattern AT_SEQ = Pattern.compile(" at seq (\\d+): ");
  private static final Pattern TOUCHED_SEQ = Pattern.compile(" seq (\\d+) ");

  @TempDir Path dir;

  @ParameterizedTest(name = "{0} breaks at seq {3} of {1}/{2}: {4}")
  @CsvSource({
    "edit.db,        conv:demo,  alice,    7,  HASH_MISMATCH",
    "gap.db,         conv:demo,  alice,    11, GAP",
    "swap.db,        jobs/queue, worker-1, 50, HASH_MISMATCH",
    "badlink.db,     conv:demo,  bob,      5,  PREV_HASH_MISMATCH",
    "nullprev.db,    conv:demo,  alice,    3,  NULL_PREV_HASH",
    "shorthash.db,   conv:demo,  alice,    2,  MALFORMED_HASH",
    "textpayload.db, conv:demo,  bob,      2,  MALFORMED_PAYLOAD",
  })
  void aTamperedChainBreaksAtTheSeqTheReferenceCrateNamed(
      String variant, String stream, String writer, long seq, Reason reason) {
    JsonNode expected = VARIANTS.get(variant);
    assertEquals("broken", expected.get("result").textValue());
    JsonNode broken = single(expected.get("broken"));
    assertEquals(stream, broken.get("stream").textValue());
    assertEquals(writer, broken.get("writer").textValue());
    assertEquals(
        seq, referenceSeq(broken.get("verify").textValue(), expected.get("tamper").textValue()));

    try (SqliteBackend store = SqliteBackend.open(Fixtures.copy("tamper/" + variant, dir))) {
      ChainBrokenException e =
          assertThrows(ChainBrokenException.class, () -> WriterLog.verify(store, stream, writer));
      assertEquals(stream, e.stream());
      assertEquals(writer, e.writer());
      assertEquals(seq, e.seq());
      assertEquals(reason, e.reason());
      assertTrue(
          e.getMessage().startsWith("chain broken in " + stream + "/" + writer + " at seq " + seq),
          e.getMessage());
      assertEquals(
          reason == Reason.MALFORMED_HASH || reason == Reason.MALFORMED_PAYLOAD,
          e instanceof MalformedRowException);

      for (JsonNode chain : expected.get("check_output").get("chains")) {
        String s = chain.get("stream").textValue();
        String w = chain.get("writer").textValue();
        Head head = referenceHead(chain);
        assertEquals(head, WriterLog.head(store, s, w).orElseThrow().toHead(), s + "/" + w);
        if (s.equals(stream) && w.equals(writer)) {
          assertNotEquals("ok", chain.get("verify").textValue());
        } else {
          assertEquals("ok", chain.get("verify").textValue());
          assertEquals(Optional.of(head), WriterLog.verify(store, s, w), s + "/" + w);
        }
      }
      assertGenerationsAsReported(store, expected);
    }
  }

  /**
   * The reference crate names no seq for a malformed row; agent-store names the row, as the
   * verdicts of {@link #aTamperedChainBreaksAtTheSeqTheReferenceCrateNamed} require.
   */
  @Test
  void theReferenceCrateNamesNoSeqForMalformedRows() {
    for (String variant : List.of("shorthash.db", "textpayload.db")) {
      String verdict = single(VARIANTS.get(variant).get("broken")).get("verify").textValue();
      assertTrue(verdict.startsWith("malformed row: "), verdict);
      assertFalse(AT_SEQ.matcher(verdict).find(), verdict);
    }
  }

  @Test
  void readingPastAMalformedRowFailsAtThatRow() {
    try (SqliteBackend store = SqliteBackend.open(Fixtures.copy("tamper/shorthash.db", dir))) {
      List<Entry> read = new ArrayList<>();
      MalformedRowException e;
      try (Stream<Entry> entries = WriterLog.entries(store, "conv:demo", "alice")) {
        e = assertThrows(MalformedRowException.class, () -> entries.forEach(read::add));
      }
      assertEquals(2, e.seq());
      assertEquals(Reason.MALFORMED_HASH, e.reason());
      assertEquals(MANIFEST.entriesOf(new Chain("conv:demo", "alice")).subList(0, 1), read);
    }
  }

  @Test
  void everyChainOfEveryVariantHasTheHeadTheReferenceCrateReported() {
    for (String variant : iterable(VARIANTS.fieldNames())) {
      try (SqliteBackend store = SqliteBackend.open(Fixtures.copy("tamper/" + variant, dir))) {
        List<Head> expected = new ArrayList<>();
        for (JsonNode chain : VARIANTS.get(variant).get("check_output").get("chains")) {
          expected.add(referenceHead(chain));
        }
        assertEquals(expected, WriterLog.heads(store), variant);
      }
    }
  }

  /** A hash chain cannot see a cut tail: only a head recorded elsewhere reveals it. */
  @Test
  void aCutTailVerifiesButItsHeadDiffersFromTheRecordedOne() {
    JsonNode expected = VARIANTS.get("truncate.db");
    assertEquals("ok", expected.get("result").textValue());
    assertEquals(0, expected.get("broken").size());
    Chain alice = new Chain("conv:demo", "alice");
    Head recorded = MANIFEST.headOf(alice);

    try (SqliteBackend store = SqliteBackend.open(Fixtures.copy("tamper/truncate.db", dir))) {
      assertAllChainsVerifyAsReported(store, expected);
      Head head = WriterLog.verify(store, "conv:demo", "alice").orElseThrow();
      assertEquals(34, head.seq());
      assertNotEquals(recorded, head);
      assertEquals(MANIFEST.entriesOf(alice).get(33).toHead(), head);
      try (Stream<Entry> entries = WriterLog.entries(store, "conv:demo", "alice")) {
        assertEquals(MANIFEST.entriesOf(alice).subList(0, 34), entries.toList());
      }
    }
  }

  /** A hash chain cannot see a consistent rewrite: only a head recorded elsewhere reveals it. */
  @Test
  void aConsistentRewriteVerifiesButItsHeadDiffersFromTheRecordedOne() {
    JsonNode expected = VARIANTS.get("rewrite.db");
    assertEquals("ok", expected.get("result").textValue());
    assertEquals(0, expected.get("broken").size());
    Chain bob = new Chain("conv:demo", "bob");
    Head recorded = MANIFEST.headOf(bob);

    try (SqliteBackend store = SqliteBackend.open(Fixtures.copy("tamper/rewrite.db", dir))) {
      assertAllChainsVerifyAsReported(store, expected);
      Head head = WriterLog.verify(store, "conv:demo", "bob").orElseThrow();
      assertEquals(recorded.seq(), head.seq());
      assertFalse(Arrays.equals(recorded.contentHash(), head.contentHash()));
      List<Entry> rewritten;
      try (Stream<Entry> entries = WriterLog.entries(store, "conv:demo", "bob")) {
        rewritten = entries.toList();
      }
      List<Entry> original = MANIFEST.entriesOf(bob);
      assertEquals(original.size(), rewritten.size());
      for (int i = 0; i < original.size(); i++) {
        assertFalse(Arrays.equals(original.get(i).payload(), rewritten.get(i).payload()));
        assertArrayEquals(
            Fixtures.utf8("rewritten bob turn " + (i + 1)), rewritten.get(i).payload());
      }
    }
  }

  private static void assertAllChainsVerifyAsReported(SqliteBackend store, JsonNode expected) {
    List<Head> heads = new ArrayList<>();
    for (JsonNode chain : expected.get("check_output").get("chains")) {
      assertEquals("ok", chain.get("verify").textValue());
      Head head = referenceHead(chain);
      heads.add(head);
      assertEquals(Optional.of(head), WriterLog.verify(store, head.stream(), head.writer()));
    }
    assertEquals(heads, WriterLog.heads(store));
    assertGenerationsAsReported(store, expected);
  }

  private static void assertGenerationsAsReported(SqliteBackend store, JsonNode expected) {
    for (JsonNode generation : expected.get("check_output").get("generations")) {
      String key = generation.get("key").textValue();
      assertEquals(
          Fixtures.exactLong(generation.get("value")), new Generation(key).current(store), key);
    }
  }

  private static Head referenceHead(JsonNode chain) {
    return new Head(
        chain.get("stream").textValue(),
        chain.get("writer").textValue(),
        Fixtures.exactLong(chain.get("head_seq")),
        unhex(chain.get("head_hash").textValue()));
  }

  /**
   * The seq the reference crate's verdict names; for a malformed row, where the crate names none,
   * the seq of the row the tampering touched (from the variant's description).
   */
  private static long referenceSeq(String verdict, String tamper) {
    Matcher atSeq = AT_SEQ.matcher(verdict);
    if (atSeq.find()) {
      return Long.parseLong(atSeq.group(1));
    }
    assertTrue(verdict.startsWith("malformed row: "), verdict);
    Matcher touched = TOUCHED_SEQ.matcher(tamper);
    assertTrue(touched.find(), tamper);
    return Long.parseLong(touched.group(1));
  }

  private static JsonNode single(JsonNode array) {
    assertEquals(1, array.size(), array.toString());
    return array.get(0);
  }

  private static <T> Iterable<T> iterable(Iterator<T> iterator) {
    return () -> iterator;
  }
}
