package dev.agentstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code index} and {@code recall} with the real MiniLM model on a small conversation: the entry
 * that answers the question comes first.
 */
class RecallCommandsTest {
  @TempDir Path dir;

  private Path conversation() {
    Path file = dir.resolve("conv.db");
    try (SqliteBackend db = SqliteBackend.open(file)) {
      WriterLog.ensureSchema(db);
      WriterLog.append(
          db, "conv", "alice", "{\"text\":\"Can you book a table for dinner on Friday?\"}");
      WriterLog.append(db, "conv", "bob", "The nightly build failed because the disk was full.");
      WriterLog.append(db, "conv", "alice", new byte[] {0, (byte) 0xff, 3});
      WriterLog.append(db, "conv", "bob", "I moved the cat food to the top shelf.");
      WriterLog.append(db, "notes", "carol", "Remember to water the tomato plants.");
    }
    return file;
  }

  @Test
  void indexEmbedsTextEntriesOnceAndSkipsBinaryOnes() {
    Path file = conversation();
    Cli.Result first = Cli.run("index", file.toString(), "--quiet").expect(0);
    assertTrue(
        first
            .out()
            .startsWith(
                "Indexed 4 entries with model all-minilm-l6-v2 (1 without text skipped) in "),
        first.out());
    Cli.Result again = Cli.run("index", file.toString(), "--stream", "conv", "-q").expect(0);
    assertTrue(
        again
            .out()
            .startsWith("Indexed 0 entries with model all-minilm-l6-v2 (1 without text skipped)"),
        again.out());
  }

  @Test
  void recallIndexesFirstAndPutsTheAnsweringEntryFirst() {
    Path file = conversation();
    Cli.Result result =
        Cli.run("recall", file.toString(), "why did the build break?", "--k", "2").expect(0);
    String[] lines = result.out().split("\n");
    assertTrue(lines[0].matches(" *SCORE +STREAM +WRITER +SEQ +TEXT *"), result.out());
    assertTrue(
        lines[1].matches(" *0\\.\\d{3} +conv +bob +1 +The nightly build failed because.*"),
        result.out());
    assertTrue(result.out().endsWith("\n2 matches (model all-minilm-l6-v2).\n"), result.out());

    JsonNode json =
        Cli.run("recall", file.toString(), "plants in the garden", "--json", "--k", "1")
            .expect(0)
            .json();
    assertEquals(1, json.get("hits").size());
    JsonNode hit = json.get("hits").get(0);
    assertEquals("notes", hit.get("stream").asText());
    assertEquals("carol", hit.get("writer").asText());
    assertEquals(1, hit.get("seq").asLong());
    assertEquals("Remember to water the tomato plants.", hit.get("text").asText());

    JsonNode onlyAlice =
        Cli.run("recall", file.toString(), "restaurant", "--writer", "alice", "--json")
            .expect(0)
            .json();
    assertEquals(1, onlyAlice.get("hits").size());
    assertEquals(
        "Can you book a table for dinner on Friday?",
        onlyAlice.get("hits").get(0).get("text").asText());
  }

  @Test
  void indexFollowIndexesEntriesAppendedWhileItRunsAndStopsOnRequest() throws Exception {
    Path file = conversation();
    try (Cli.Running running = Cli.start("index", file.toString(), "--follow", "-q")) {
      assertTrue(running.nextLine().startsWith("Indexed 4 entries with model"), running.toString());
      assertEquals(
          "Following; new entries are indexed as they commit (Ctrl-C stops).", running.nextLine());
      try (SqliteBackend db = SqliteBackend.open(file)) {
        WriterLog.append(db, "conv", "alice", "The deploy finished at noon.");
      }
      assertEquals("Indexed 1 new since following.", running.nextLine());
      running.stop();
      Cli.Result result = running.await().expect(0);
      assertTrue(result.out().endsWith("Stopped following.\n"), result.out());
    }
    JsonNode json =
        Cli.run("recall", file.toString(), "when was the deployment done?", "--json", "--k", "1")
            .expect(0)
            .json();
    assertEquals("The deploy finished at noon.", json.get("hits").get(0).get("text").asText());
  }

  @Test
  void anUnknownModelIsAUsageErrorListingTheKnownOnes() {
    Path file = conversation();
    Cli.Result result = Cli.run("index", file.toString(), "--model", "gpt").expect(Main.EXIT_USAGE);
    assertTrue(
        result.err().contains("unknown model \"gpt\" for --model; known models: minilm"),
        result.err());
  }
}
