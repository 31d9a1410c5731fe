package dev.agentstore.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The read commands on the store the reference Rust crate wrote print exactly what its manifest
 * ({@code reference.json}) lists: every head, every stream, every generation, every entry.
 */
class ReadReferenceStoreTest {
  private static final JsonNode MANIFEST = ReferenceFixtures.manifest();
  private static final HexFormat HEX = HexFormat.of();

  @TempDir Path dir;

  @Test
  void headsListsTheManifestsHeadsInItsOrder() {
    Path store = ReferenceFixtures.copy("reference.db", dir);
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode head : MANIFEST.get("heads")) {
      rows.add(
          List.of(
              head.get("stream").textValue(),
              head.get("writer").textValue(),
              head.get("seq").asText(),
              head.get("content_hash").textValue().substring(0, 12),
              head.get("count").asText()));
    }

    Cli.Result text = Cli.run("heads", store.toString()).expect(0);
    assertEquals(rows, ReferenceFixtures.tableRows(text.out(), "STREAM "));
    assertEquals("7 chains.", text.out().lines().reduce((a, b) -> b).orElseThrow());
    assertEquals("", text.err());

    JsonNode heads = Cli.run("heads", store.toString(), "--json").expect(0).json().get("heads");
    assertEquals(MANIFEST.get("heads").size(), heads.size());
    for (int i = 0; i < heads.size(); i++) {
      JsonNode expected = MANIFEST.get("heads").get(i);
      JsonNode head = heads.get(i);
      assertEquals(expected.get("stream"), head.get("stream"));
      assertEquals(expected.get("writer"), head.get("writer"));
      assertEquals(expected.get("seq").longValue(), head.get("head_seq").longValue());
      assertEquals(expected.get("content_hash"), head.get("head_hash"));
      assertEquals(expected.get("count").longValue(), head.get("entries").longValue());
    }

    JsonNode demo =
        Cli.run("heads", store.toString(), "--stream", "conv:demo", "--json")
            .expect(0)
            .json()
            .get("heads");
    assertEquals(3, demo.size());
    for (int i = 0; i < 3; i++) {
      assertEquals(heads.get(i), demo.get(i));
    }
  }

  @Test
  void streamsSumsTheManifestsChainsPerStream() {
    Path store = ReferenceFixtures.copy("reference.db", dir);
    Map<String, long[]> streams = new LinkedHashMap<>();
    for (JsonNode head : MANIFEST.get("heads")) {
      long[] writersAndEntries =
          streams.computeIfAbsent(head.get("stream").textValue(), s -> new long[2]);
      writersAndEntries[0]++;
      writersAndEntries[1] += head.get("count").longValue();
    }
    assertEquals(
        List.of("conv:demo", "edge/payloads", "jobs/queue", "mesh/announce", "日本語/ストリーム"),
        List.copyOf(streams.keySet()));

    Cli.Result text = Cli.run("streams", store.toString()).expect(0);
    List<List<String>> rows = new ArrayList<>();
    streams.forEach((s, n) -> rows.add(List.of(s, Long.toString(n[0]), Long.toString(n[1]))));
    assertEquals(rows, ReferenceFixtures.tableRows(text.out(), "STREAM "));
    assertEquals(
        "5 streams, 7 chains, 279 entries.", text.out().lines().reduce((a, b) -> b).orElseThrow());

    JsonNode json = Cli.run("streams", store.toString(), "--json").expect(0).json();
    List<String> listed = new ArrayList<>();
    for (JsonNode stream : json.get("streams")) {
      listed.add(
          stream.get("stream").textValue()
              + " "
              + stream.get("writers").longValue()
              + " "
              + stream.get("entries").longValue());
    }
    List<String> expected = new ArrayList<>();
    streams.forEach((s, n) -> expected.add(s + " " + n[0] + " " + n[1]));
    assertEquals(expected, listed);
  }

  @Test
  void genListsEveryGenerationOfTheManifestExactly() {
    Path store = ReferenceFixtures.copy("reference.db", dir);
    JsonNode json = Cli.run("gen", store.toString(), "--json").expect(0).json();
    assertEquals(MANIFEST.get("generations"), json.get("generations"));
    assertEquals(
        9_007_199_254_740_993L,
        Cli.run("gen", store.toString(), "gen.big", "--json")
            .expect(0)
            .json()
            .get("value")
            .longValue());
  }

  @Test
  void logPrintsEveryEntryOfEveryChainAsTheManifestHasIt() {
    Path store = ReferenceFixtures.copy("reference.db", dir);
    for (JsonNode head : MANIFEST.get("heads")) {
      String stream = head.get("stream").textValue();
      String writer = head.get("writer").textValue();
      List<String> expected = new ArrayList<>();
      for (JsonNode e : MANIFEST.get("entries")) {
        if (e.get("stream").textValue().equals(stream)
            && e.get("writer").textValue().equals(writer)) {
          expected.add(
              e.get("seq").asText()
                  + " "
                  + e.get("prev_hash").asText()
                  + " "
                  + e.get("content_hash").textValue()
                  + " "
                  + e.get("payload_hex").textValue());
        }
      }
      JsonNode log =
          Cli.run("log", store.toString(), "--stream", stream, "--writer", writer, "--json")
              .expect(0)
              .json();
      List<String> printed = new ArrayList<>();
      for (JsonNode e : log.get("entries")) {
        String payload = e.get("payload").textValue();
        byte[] bytes =
            switch (e.get("encoding").textValue()) {
              case "utf8" -> payload.getBytes(UTF_8);
              case "hex" -> HEX.parseHex(payload);
              default -> throw new AssertionError("encoding " + e.get("encoding"));
            };
        assertEquals(bytes.length, e.get("size").longValue());
        printed.add(
            e.get("seq").asText()
                + " "
                + e.get("prev_hash").asText()
                + " "
                + e.get("content_hash").textValue()
                + " "
                + HEX.formatHex(bytes));
      }
      assertEquals(expected, printed, stream + "/" + writer);
    }
  }
}
