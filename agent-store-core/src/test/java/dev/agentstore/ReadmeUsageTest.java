package dev.agentstore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.agentstore.sqlite.SqliteBackend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's usage block runs as shown, and the README shows exactly this code. */
class ReadmeUsageTest {

  /** The README's usage block, between the markers, byte for byte. */
  static void usage(PrintStream out) {
    // usage:begin
    try (Backend db = SqliteBackend.inMemory()) { // or SqliteBackend.open(Path.of("agents.db"))
      // Lay down every table agent-store uses (idempotent, safe to race).
      AgentStore.ensureSchema(db);

      // A monotonic generation counter (a routine engine's report clock).
      GenerationCounter report = Generation.of(db, "report");
      out.println("report generation: " + report.current()); // 0
      out.println("after bump: " + report.bump()); // 1

      // The backend's doorbell rings after every commit made through it; a
      // session loop would bridge it onto its message fabric.
      Doorbell.Subscription rings =
          db.doorbell().subscribe(event -> out.println("commit: " + event));

      // Per-writer chained logs: each agent appends its turns to its own chain.
      ChainLog alice = WriterLog.of(db, "conv:demo", "alice");
      ChainLog bob = WriterLog.of(db, "conv:demo", "bob");
      alice.append("hello"); // text is stored as UTF-8; byte[] payloads work too
      bob.append("hi alice");
      rings.close(); // unsubscribes

      // A follower delivers every entry after a seq exactly once, in order, as it
      // commits (from this process or any other); next() waits for one.
      try (Follower follower = bob.follow(0)) {
        Entry reply = follower.next();
        out.println("bob #" + reply.seq() + ": " + reply.payloadUtf8());
      }

      // Your own SQL and the primitives in one transaction: all of it or none.
      db.exec("CREATE TABLE IF NOT EXISTS jobs (id INTEGER PRIMARY KEY, state TEXT)");
      db.runInTransaction(
          tx -> {
            tx.exec("INSERT INTO jobs (id, state) VALUES (?, ?)", 42, "done");
            WriterLog.append(tx, "jobs", "worker-1", "job 42 done");
            Generation.of(tx, "report").bump();
          });
      out.println("report generation: " + report.current()); // 2

      // The chain is tamper-evident: verify throws ChainBrokenException
      // naming the first broken seq.
      Head head = alice.verify().orElseThrow();
      out.println("verified conv:demo/alice up to seq " + head.seq());
    }
    // usage:end
  }

  @Test
  void usageBlockRunsAndPrintsWhatTheReadmeSays() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    usage(new PrintStream(bytes, true, UTF_8));
    assertEquals(
        List.of(
            "report generation: 0",
            "after bump: 1",
            "commit: CommitEvent[stream=conv:demo, writer=alice, seq=1]",
            "commit: CommitEvent[stream=conv:demo, writer=bob, seq=1]",
            "bob #1: hi alice",
            "report generation: 2",
            "verified conv:demo/alice up to seq 1"),
        bytes.toString(UTF_8).lines().toList());
  }

  @Test
  void readmeShowsExactlyTheTestedUsageBlock() throws IOException {
    Path readme = Path.of("..", "README.md");
    Path source = Path.of("src", "test", "java", "dev", "agentstore", "ReadmeUsageTest.java");
    List<String> tested =
        between(Files.readAllLines(source, UTF_8), "// usage:begin", "// usage:end");
    List<String> shown =
        between(Files.readAllLines(readme, UTF_8), "<!-- usage:begin -->", "<!-- usage:end -->");
    // The README block is a ```java fence around the same lines, indented four spaces less.
    List<String> fenced = shown.subList(1, shown.size() - 1);
    assertEquals(tested.stream().map(ReadmeUsageTest::dedent).toList(), fenced);
  }

  private static List<String> between(List<String> lines, String begin, String end) {
    int from = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).strip().equals(begin)) {
        from = i + 1;
      } else if (lines.get(i).strip().equals(end) && from >= 0) {
        return lines.subList(from, i);
      }
    }
    throw new AssertionError("markers " + begin + " ... " + end + " not found");
  }

  private static String dedent(String line) {
    return line.length() >= 4 && line.startsWith("    ") ? line.substring(4) : line.stripLeading();
  }
}
