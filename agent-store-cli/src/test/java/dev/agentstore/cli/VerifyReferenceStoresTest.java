package dev.agentstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code agent-store verify} on the stores the reference Rust crate wrote: the intact store
 * verifies with the manifest's counts and heads; each tampered copy is reported broken at the
 * stream, writer and first seq the crate named (and agent-store's core interop tests check); the
 * two tamperings a bare hash chain cannot see verify, with the changed head in plain view.
 */
class VerifyReferenceStoresTest {
  private static final JsonNode MANIFEST = ReferenceFixtures.manifest();
  private static final JsonNode VARIANTS =
      ReferenceFixtures.json("tamper/expected.json").get("variants");
  private static final Pattern AT_SEQ = Pattern.compile(" at seq (\\d+): ");
  private static final Pattern TOUCHED_SEQ = Pattern.compile(" seq (\\d+) ");
  private static final String HEADER = "STREAM ";
  private static final String STORAGE_OK = "Storage: ok (PRAGMA integrity_check)";

  @TempDir Path dir;

  /** One chain as verify should report it. */
  private record Expected(
      String stream, String writer, long entries, long headSeq, String headHash, String status) {

    List<String> textRow() {
      return List.of(
          stream,
          writer,
          Long.toString(entries),
          Long.toString(headSeq),
          headHash.substring(0, 12),
          status);
    }
  }

  /** The manifest's chains, all intact, with their counts and heads. */
  private static List<Expected> manifestChains() {
    List<Expected> chains = new ArrayList<>();
    for (JsonNode head : MANIFEST.get("heads")) {
      chains.add(
          new Expected(
              head.get("stream").textValue(),
              head.get("writer").textValue(),
              head.get("count").longValue(),
              head.get("seq").longValue(),
              head.get("content_hash").textValue(),
              "intact"));
    }
    return chains;
  }

  private static String storeLine(Path store) {
    return "Store: SQLite store " + store.toAbsolutePath().normalize();
  }

  private static void assertJsonChains(List<Expected> expected, JsonNode chains) {
    assertEquals(expected.size(), chains.size(), chains.toString());
    for (int i = 0; i < expected.size(); i++) {
      Expected e = expected.get(i);
      JsonNode c = chains.get(i);
      String name = e.stream() + "/" + e.writer();
      assertEquals(e.stream(), c.get("stream").textValue(), name);
      assertEquals(e.writer(), c.get("writer").textValue(), name);
      assertEquals(e.entries(), c.get("entries").longValue(), name);
      assertEquals(e.headSeq(), c.get("head_seq").longValue(), name);
      assertEquals(e.headHash(), c.get("head_hash").textValue(), name);
      assertEquals(e.status().equals("intact") ? "intact" : "broken", c.get("status").textValue());
    }
  }

  @Test
  void theReferenceStoreVerifiesWithTheManifestsCountsAndHeads() {
    Path store = ReferenceFixtures.copy("reference.db", dir);
    List<Expected> expected = manifestChains();
    for (JsonNode chain : ReferenceFixtures.json("check-reference.json").at("/output/chains")) {
      assertEquals("ok", chain.get("verify").textValue(), "the crate's own verdict");
    }

    Cli.Result text = Cli.run("verify", store.toString()).expect(0);
    List<String> lines = text.out().lines().toList();
    assertEquals(storeLine(store), lines.get(0));
    assertEquals(
        List.of("STREAM", "WRITER", "ENTRIES", "HEAD SEQ", "HEAD HASH", "STATUS"),
        List.of(lines.get(2).split(" {2,}")));
    assertEquals(
        expected.stream().map(Expected::textRow).toList(),
        ReferenceFixtures.tableRows(text.out(), HEADER));
    assertEquals(
        List.of("7 chains, 279 entries: 7 intact, 0 broken.", STORAGE_OK),
        lines.subList(lines.size() - 2, lines.size()));
    assertEquals(3 + expected.size() + 3, lines.size(), text.out());
    assertEquals("", text.err());

    JsonNode json = Cli.run("verify", store.toString(), "--json").expect(0).json();
    assertEquals(storeLine(store).substring("Store: ".length()), json.get("store").textValue());
    assertJsonChains(expected, json.get("chains"));
    for (JsonNode chain : json.get("chains")) {
      assertEquals(6, chain.size(), "no broken_seq, reason or detail on an intact chain: " + chain);
    }
    JsonNode summary = json.get("summary");
    assertEquals(7, summary.get("chains").longValue());
    assertEquals(279, summary.get("entries").longValue());
    assertEquals(7, summary.get("intact").longValue());
    assertEquals(0, summary.get("broken").longValue());
  }

  @ParameterizedTest(name = "{0}: {1}/{2} broken at seq {4} ({5})")
  @CsvSource(
      delimiter = ';',
      value = {
        "edit.db        ; conv:demo  ; alice    ; 40  ; 7  ; HASH_MISMATCH      ; content_hash does"
            + " not match BLAKE3(prev_hash || payload)",
        "gap.db         ; conv:demo  ; alice    ; 39  ; 11 ; GAP                ; expected seq 10,"
            + " found seq 11",
        "swap.db        ; jobs/queue ; worker-1 ; 200 ; 50 ; HASH_MISMATCH      ; content_hash does"
            + " not match BLAKE3(prev_hash || payload)",
        "badlink.db     ; conv:demo  ; bob      ; 25  ; 5  ; PREV_HASH_MISMATCH ; prev_hash does not"
            + " match the content_hash of seq 4",
        "nullprev.db    ; conv:demo  ; alice    ; 40  ; 3  ; NULL_PREV_HASH     ; prev_hash is NULL"
            + " past seq 1",
        "shorthash.db   ; conv:demo  ; alice    ; 40  ; 2  ; MALFORMED_HASH     ; malformed row:"
            + " expected a 32-byte content_hash, got 31 bytes",
        "textpayload.db ; conv:demo  ; bob      ; 25  ; 2  ; MALFORMED_PAYLOAD  ; malformed row:"
            + " payload must be a BLOB, found TEXT",
      })
  void aTamperedReferenceStoreExitsOneNamingTheChainAndSeqTheCrateNamed(
      String variant,
      String stream,
      String writer,
      long entries,
      long seq,
      String reason,
      String detail) {
    JsonNode verdict = VARIANTS.get(variant);
    assertEquals("broken", verdict.get("result").textValue());
    assertEquals(1, verdict.get("broken").size(), verdict.toString());
    JsonNode broken = verdict.get("broken").get(0);
    assertEquals(stream, broken.get("stream").textValue());
    assertEquals(writer, broken.get("writer").textValue());
    assertEquals(
        seq, referenceSeq(broken.get("verify").textValue(), verdict.get("tamper").textValue()));

    // Every chain as the crate read it: the tampered one broken, with its head as stored.
    List<Expected> expected = new ArrayList<>();
    for (JsonNode chain : verdict.at("/check_output/chains")) {
      String s = chain.get("stream").textValue();
      String w = chain.get("writer").textValue();
      boolean tampered = s.equals(stream) && w.equals(writer);
      assertEquals(tampered, !chain.get("verify").textValue().equals("ok"), s + "/" + w);
      expected.add(
          new Expected(
              s,
              w,
              tampered ? entries : chain.get("head_seq").longValue(),
              chain.get("head_seq").longValue(),
              chain.get("head_hash").textValue(),
              tampered ? "BROKEN at seq " + seq + ": " + detail : "intact"));
    }
    long total = expected.stream().mapToLong(Expected::entries).sum();
    String named = stream + "/" + writer + " at seq " + seq + " (" + reason + "): " + detail;

    Path store = ReferenceFixtures.copy("tamper/" + variant, dir);
    Cli.Result text = Cli.run("verify", store.toString()).expect(Main.EXIT_BROKEN);
    List<String> lines = text.out().lines().toList();
    assertEquals(storeLine(store), lines.get(0));
    assertEquals(
        expected.stream().map(Expected::textRow).toList(),
        ReferenceFixtures.tableRows(text.out(), HEADER));
    assertEquals(
        List.of(
            "7 chains, " + total + " entries: 6 intact, 1 broken.", STORAGE_OK, "Broken: " + named),
        lines.subList(lines.size() - 3, lines.size()));
    assertEquals("agent-store: 1 of 7 chains broken; first: " + named + "\n", text.err());

    Cli.Result run = Cli.run("verify", store.toString(), "--json").expect(Main.EXIT_BROKEN);
    assertEquals("agent-store: 1 of 7 chains broken; first: " + named + "\n", run.err());
    JsonNode json = run.json();
    assertJsonChains(expected, json.get("chains"));
    List<JsonNode> brokenChains = new ArrayList<>();
    for (JsonNode chain : json.get("chains")) {
      if (chain.has("broken_seq")) {
        brokenChains.add(chain);
      }
    }
    assertEquals(1, brokenChains.size(), json.toString());
    JsonNode chain = brokenChains.get(0);
    assertEquals(stream, chain.get("stream").textValue());
    assertEquals(writer, chain.get("writer").textValue());
    assertEquals("broken", chain.get("status").textValue());
    assertEquals(seq, chain.get("broken_seq").longValue());
    assertEquals(reason, chain.get("reason").textValue());
    assertEquals(detail, chain.get("detail").textValue());
    JsonNode summary = json.get("summary");
    assertEquals(7, summary.get("chains").longValue());
    assertEquals(total, summary.get("entries").longValue());
    assertEquals(6, summary.get("intact").longValue());
    assertEquals(1, summary.get("broken").longValue());

    Expected tampered =
        expected.stream().filter(e -> !e.status().equals("intact")).findFirst().orElseThrow();
    Cli.Result one =
        Cli.run("verify", store.toString(), "--stream", stream, "--writer", writer)
            .expect(Main.EXIT_BROKEN);
    assertEquals(List.of(tampered.textRow()), ReferenceFixtures.tableRows(one.out(), HEADER));
    assertEquals("agent-store: 1 of 1 chain broken; first: " + named + "\n", one.err());
  }

  /**
   * A cut tail and a consistent rewrite leave chains that link and hash correctly: verify exits 0
   * and reports every chain intact, as docs/commands.md says a bare hash chain must. What gives the
   * tampering away is the head, which differs from the one the manifest recorded.
   */
  @ParameterizedTest(name = "{0}: {1}/{2} verifies, head now seq {3}")
  @CsvSource({
    "truncate.db, conv:demo, alice, 34, d9e935b41d4ca5913bbbcd910d6715c356a7d7941f52fc2470daed5770b6cb1b",
    "rewrite.db,  conv:demo, bob,   25, 6c578144157efba32b424c722a6cc6984df57650590912ad163eba90203bae95",
  })
  void aCutTailOrAConsistentRewriteVerifiesAndOnlyItsHeadGivesItAway(
      String variant, String stream, String writer, long headSeq, String headHash) {
    JsonNode verdict = VARIANTS.get(variant);
    assertEquals("ok", verdict.get("result").textValue(), "the crate cannot see it either");
    assertEquals(0, verdict.get("exit_code").intValue());
    assertEquals(0, verdict.get("broken").size());

    List<Expected> expected = new ArrayList<>();
    for (JsonNode chain : verdict.at("/check_output/chains")) {
      assertEquals("ok", chain.get("verify").textValue());
      expected.add(
          new Expected(
              chain.get("stream").textValue(),
              chain.get("writer").textValue(),
              chain.get("head_seq").longValue(),
              chain.get("head_seq").longValue(),
              chain.get("head_hash").textValue(),
              "intact"));
    }
    List<Expected> recorded = manifestChains();
    for (int i = 0; i < recorded.size(); i++) {
      Expected now = expected.get(i);
      boolean tampered = now.stream().equals(stream) && now.writer().equals(writer);
      assertEquals(!tampered, now.equals(recorded.get(i)), now.toString());
      if (tampered) {
        assertEquals(headSeq, now.headSeq());
        assertEquals(headHash, now.headHash());
        assertNotEquals(recorded.get(i).headHash(), now.headHash());
      }
    }
    long total = expected.stream().mapToLong(Expected::entries).sum();

    Path store = ReferenceFixtures.copy("tamper/" + variant, dir);
    Cli.Result text = Cli.run("verify", store.toString()).expect(0);
    assertEquals(
        expected.stream().map(Expected::textRow).toList(),
        ReferenceFixtures.tableRows(text.out(), HEADER));
    assertTrue(
        text.out()
            .endsWith(
                "\n7 chains, " + total + " entries: 7 intact, 0 broken.\n" + STORAGE_OK + "\n"),
        text.out());
    assertEquals("", text.err());
    JsonNode json = Cli.run("verify", store.toString(), "--json").expect(0).json();
    assertJsonChains(expected, json.get("chains"));
    assertEquals(0, json.at("/summary/broken").longValue());
  }

  /**
   * The seq the crate's verdict names; for a malformed row, where the crate names none, the seq of
   * the row the tampering touched (from the variant's description), as the core's tests read it.
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
}
