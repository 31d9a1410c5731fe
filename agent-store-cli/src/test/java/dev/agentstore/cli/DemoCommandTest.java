package dev.agentstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.Generation;
import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {
  @TempDir Path dir;

  private record Run(int exitCode, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void demoTellsTheStoryAndShowsWhereATamperedCopyBreaks() {
    Path file = dir.resolve("demo.db");
    Run first = run("demo", file.toString());
    assertEquals(0, first.exitCode(), first.err());
    assertTrue(first.out().contains("[doorbell] conv:demo/alice committed seq 1"), first.out());
    assertTrue(first.out().contains("\"report.nightly\": 0 -> 1"), first.out());
    assertTrue(first.out().contains("conv:demo/bob   intact, 2 entries"), first.out());
    assertTrue(
        first.out().contains("5. Recall: 4 new turns embedded with all-minilm-l6-v2"), first.out());
    // The turn that answers the question comes first.
    assertTrue(
        first
            .out()
            .matches(
                "(?s).*cosine similarity\\):\n     0\\.\\d{3}  bob   seq 1   \"It waits for the"
                    + " ingest job.*"),
        first.out());
    assertTrue(
        first
            .out()
            .replace("\n       ", " ")
            .contains(
                "     verify: chain broken in conv:demo/alice at seq 2: content_hash does not match"
                    + " BLAKE3(prev_hash || payload)\n"),
        first.out());
    assertEquals("", first.err());
  }

  @Test
  void rerunningTheDemoContinuesTheChainsAndLeavesThemIntact() {
    Path file = dir.resolve("demo.db");
    assertEquals(0, run("demo", file.toString()).exitCode());
    Run second = run("demo", file.toString());
    assertEquals(0, second.exitCode(), second.err());
    assertTrue(second.out().contains("existing store: 4 entries in 2 chains"), second.out());
    assertTrue(second.out().contains("conv:demo/alice committed seq 3"), second.out());
    assertTrue(second.out().contains("\"report.nightly\": 1 -> 2"), second.out());
    assertTrue(
        second.out().contains("5. Recall: 4 new turns embedded with all-minilm-l6-v2"),
        second.out());
    try (SqliteBackend db = SqliteBackend.open(file)) {
      assertEquals(4, WriterLog.verify(db, "conv:demo", "alice").orElseThrow().seq());
      assertEquals(4, WriterLog.verify(db, "conv:demo", "bob").orElseThrow().seq());
      assertEquals(2, new Generation("report.nightly").current(db));
    }
  }

  @Test
  void everyDemoLineFitsAnEightyColumnTerminal() {
    Path file = dir.resolve("demo.db");
    for (int run = 1; run <= 2; run++) {
      Run demo = run("demo", file.toString());
      assertEquals(0, demo.exitCode(), demo.err());
      for (String line : demo.out().lines().toList()) {
        // The store's path is the one line whose width the demo does not choose.
        if (!line.equals("Store: " + file.toAbsolutePath())) {
          assertTrue(
              DisplayWidth.of(line) <= DemoCommand.WIDTH,
              "run " + run + ": " + DisplayWidth.of(line) + " columns: " + line);
        }
      }
    }
  }

  @Test
  void demoInAMissingDirectoryFailsWithOneClearLine() {
    Run run = run("demo", dir.resolve("no/such/dir/demo.db").toString());
    assertEquals(Main.EXIT_STORE, run.exitCode());
    assertEquals(1, run.err().lines().count(), run.err());
    assertTrue(run.err().contains("does not exist"), run.err());
  }

  @Test
  void unknownCommandIsAUsageError() {
    Run run = run("frobnicate");
    assertEquals(Main.EXIT_USAGE, run.exitCode());
    assertTrue(run.err().contains("frobnicate"), run.err());
  }

  @Test
  void helpListsTheDemo() {
    Run run = run("--help");
    assertEquals(0, run.exitCode());
    assertTrue(run.out().contains("demo"), run.out());
  }
}
