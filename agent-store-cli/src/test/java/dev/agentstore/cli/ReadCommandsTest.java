package dev.agentstore.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentstore.Entry;
import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** streams, heads, log and gen (reading). */
class ReadCommandsTest {
  @TempDir Path dir;
  private Path store;
  private String path;

  @BeforeEach
  void sample() {
    store = TestStores.sample(dir.resolve("a.db"));
    path = store.toString();
  }

  private List<Entry> entries(String stream, String writer) {
    try (SqliteBackend db = SqliteBackend.open(store)) {
      return WriterLog.readAfter(db, stream, writer, 0, 100);
    }
  }

  @Test
  void streamsListsEveryStreamWithItsWritersAndEntries() {
    Cli.Result run = Cli.run("streams", path).expect(0);
    assertTrue(
        run.out()
            .contains(
                "STREAM     WRITERS  ENTRIES\nconv:demo        2        8\njobs             1        4\n"),
        run.out());
    assertTrue(run.out().contains("2 streams, 3 chains, 12 entries."), run.out());

    JsonNode json = Cli.run("streams", path, "--json").expect(0).json();
    assertEquals("conv:demo", json.get("streams").get(0).get("stream").asText());
    assertEquals(2, json.get("streams").get(0).get("writers").asLong());
    assertEquals(8, json.get("streams").get(0).get("entries").asLong());
    assertEquals("jobs", json.get("streams").get(1).get("stream").asText());
  }

  @Test
  void headsListsTheLastSeqAndHashOfEveryChain() {
    String aliceHead = entries("conv:demo", "alice").get(4).contentHashHex();
    Cli.Result run = Cli.run("heads", path).expect(0);
    assertTrue(
        run.out()
            .contains("conv:demo  alice            5  " + aliceHead.substring(0, 12) + "        5"),
        run.out());
    assertTrue(run.out().contains("3 chains."), run.out());

    JsonNode json = Cli.run("heads", path, "--stream", "conv:demo", "--json").expect(0).json();
    assertEquals(2, json.get("heads").size());
    JsonNode alice = json.get("heads").get(0);
    assertEquals(5, alice.get("head_seq").asLong());
    assertEquals(aliceHead, alice.get("head_hash").asText());
    assertEquals(5, alice.get("entries").asLong());

    Cli.Result unknown = Cli.run("heads", path, "--stream", "nope").expect(2);
    assertTrue(unknown.err().contains("no chain in stream \"nope\""), unknown.err());
  }

  @Test
  void logPrintsTextPayloadsAsTextAndOthersAsHex() {
    Cli.Result bob = Cli.run("log", path, "--stream", "conv:demo", "--writer", "bob").expect(0);
    List<Entry> entries = entries("conv:demo", "bob");
    assertEquals(
        "SEQ  HASH          PAYLOAD\n"
            + "  1  "
            + entries.get(0).contentHashHex().substring(0, 12)
            + "  hi alice\n"
            + "  2  "
            + entries.get(1).contentHashHex().substring(0, 12)
            + "  two\\nlines\\tand a tab\n"
            + "  3  "
            + entries.get(2).contentHashHex().substring(0, 12)
            + "  grüße, 日本\n",
        bob.out());

    Cli.Result jobs = Cli.run("log", path, "--stream", "jobs", "--writer", "worker-1").expect(0);
    List<String> lines = jobs.out().lines().toList();
    assertTrue(lines.get(1).endsWith("  "), "an empty payload is empty text: " + lines.get(1));
    assertTrue(lines.get(2).endsWith("  0xc0af"), "invalid UTF-8 is hex: " + lines.get(2));
    assertTrue(
        lines
            .get(3)
            .endsWith(
                "  0x000102030405060708090a0b0c0d0e0f"
                    + "101112131415161718191a1b1c1d1e1f"
                    + "202122232425262728292a2b2c2d2e2f"
                    + "303132333435363738393a3b3c3d3e3f"
                    + "404142434445464748494a4b4c4d4e4f"
                    + "505152535455565758595a5b5c5d5e5f"
                    + "606162636465666768696a6b6c6d6e6f"
                    + "707172737475767778797a7b7c7d7e7f"
                    + "808182838485868788898a8b8c8d8e8f"
                    + "909192939495969798999a9b9c9d9e9f"
                    + "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
                    + "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
                    + "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
                    + "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
                    + "e0e1e2e3e4e5e6e7e8e9eaebecedeeef"
                    + "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"),
        lines.get(3));
  }

  @Test
  void logReadsAfterASeqWithALimit() {
    Cli.Result run =
        Cli.run(
                "log",
                path,
                "--stream",
                "conv:demo",
                "--writer",
                "alice",
                "--after",
                "2",
                "--limit",
                "2")
            .expect(0);
    List<String> lines = run.out().lines().toList();
    assertEquals(3, lines.size(), run.out());
    assertTrue(lines.get(1).startsWith("  3  ") && lines.get(1).endsWith("alice 3"), run.out());
    assertTrue(lines.get(2).startsWith("  4  ") && lines.get(2).endsWith("alice 4"), run.out());
    Cli.Result past =
        Cli.run("log", path, "--stream", "conv:demo", "--writer", "alice", "--after", "5")
            .expect(0);
    assertEquals(1, past.out().lines().count(), past.out());
  }

  @Test
  void logEncodesPayloadsAsHexOrBase64OnRequest() {
    byte[] large = entries("jobs", "worker-1").get(3).payload();
    Cli.Result hex =
        Cli.run(
                "log",
                path,
                "--stream",
                "jobs",
                "--writer",
                "worker-1",
                "--format",
                "hex",
                "--after",
                "3")
            .expect(0);
    assertTrue(hex.out().startsWith("SEQ  HASH          PAYLOAD (hex)\n"), hex.out());
    assertTrue(hex.out().endsWith("  " + HexFormat.of().formatHex(large) + "\n"));
    Cli.Result base64 =
        Cli.run(
                "log",
                path,
                "--stream",
                "conv:demo",
                "--writer",
                "bob",
                "--format",
                "base64",
                "--limit",
                "1")
            .expect(0);
    assertTrue(
        base64
            .out()
            .endsWith("  " + Base64.getEncoder().encodeToString("hi alice".getBytes(UTF_8)) + "\n"),
        base64.out());
  }

  @Test
  void logJsonHasTheDocumentedShape() {
    List<Entry> entries = entries("jobs", "worker-1");
    JsonNode json =
        Cli.run("log", path, "--stream", "jobs", "--writer", "worker-1", "--json").expect(0).json();
    assertEquals("jobs", json.get("stream").asText());
    assertEquals("worker-1", json.get("writer").asText());
    JsonNode all = json.get("entries");
    assertEquals(4, all.size());
    assertTrue(all.get(0).get("prev_hash").isNull());
    assertEquals(entries.get(0).contentHashHex(), all.get(0).get("content_hash").asText());
    assertEquals("utf8", all.get(0).get("encoding").asText());
    assertEquals("", all.get(0).get("payload").asText());
    assertEquals(0, all.get(0).get("size").asLong());
    assertEquals(entries.get(0).contentHashHex(), all.get(1).get("prev_hash").asText());
    assertEquals("hex", all.get(1).get("encoding").asText());
    assertEquals("c0af", all.get(1).get("payload").asText());
    assertEquals(100_000, all.get(3).get("size").asLong());

    JsonNode bob =
        Cli.run("log", path, "--stream", "conv:demo", "--writer", "bob", "--format", "json")
            .expect(0)
            .json();
    assertEquals("two\nlines\tand a tab", bob.get("entries").get(1).get("payload").asText());
    assertEquals("grüße, 日本", bob.get("entries").get(2).get("payload").asText());
  }

  @Test
  void logRefusesBadArgumentsWithOneLine() {
    String[][] cases = {
      {"log", path, "--stream", "conv:demo", "--writer", "alice", "--after", "abc"},
      {"log", path, "--stream", "conv:demo", "--writer", "alice", "--after", "-1"},
      {"log", path, "--stream", "conv:demo", "--writer", "alice", "--limit", "0"},
      {"log", path, "--stream", "conv:demo"},
      {"log", path, "--stream", "conv:demo", "--writer", "carol"},
      {"log", path, "--stream", "conv:demo", "--writer", "alice", "--format", "yaml"},
    };
    for (String[] args : cases) {
      Cli.Result run = Cli.run(args).expect(Main.EXIT_USAGE);
      assertEquals(1, run.err().lines().count(), run::toString);
      assertTrue(run.err().startsWith("agent-store: "), run::toString);
      assertTrue(run.err().contains("(see 'agent-store log --help')"), run::toString);
    }
    assertTrue(Cli.run(cases[0]).err().contains("'abc' is not a long"), "names the bad value");
    assertTrue(Cli.run(cases[4]).err().contains("no chain conv:demo/carol"));
  }

  @Test
  void genReadsOneCounterOrListsThemAll() {
    assertEquals("3\n", Cli.run("gen", path, "report.nightly").expect(0).out());
    assertEquals("0\n", Cli.run("gen", path, "never.bumped").expect(0).out());
    assertEquals(TestStores.BEYOND_DOUBLE + "\n", Cli.run("gen", path, "big").expect(0).out());

    Cli.Result json = Cli.run("gen", path, "big", "--json").expect(0);
    assertEquals("{\"key\":\"big\",\"value\":9007199254740993}\n", json.out());
    assertEquals(TestStores.BEYOND_DOUBLE, json.json().get("value").asLong());

    Cli.Result list = Cli.run("gen", path).expect(0);
    assertTrue(
        list.out()
            .contains(
                "GENERATION                 VALUE\nbig             9007199254740993\n"
                    + "report.nightly                 3\n"),
        list.out());
    JsonNode all = Cli.run("gen", path, "--json").expect(0).json().get("generations");
    assertEquals(2, all.size());
    assertEquals("big", all.get(0).get("key").asText());
    assertTrue(all.get(0).get("value").isIntegralNumber());
    assertEquals(TestStores.BEYOND_DOUBLE, all.get(0).get("value").longValue());
  }

  @Test
  void readCommandsNeverCreateAStore() {
    Path missing = dir.resolve("missing.db");
    for (String command : List.of("streams", "heads", "info", "gen")) {
      Cli.Result run = Cli.run(command, missing.toString()).expect(Main.EXIT_STORE);
      assertTrue(run.err().contains("the file does not exist"), run::toString);
    }
    assertFalse(missing.toFile().exists());
  }
}
