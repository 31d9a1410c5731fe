package dev.agentstore.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.Entry;
import dev.agentstore.WriterLog;
import dev.agentstore.postgres.PostgresBackend;
import dev.agentstore.sqlite.SqliteBackend;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code log --follow}, in-process: the command runs on a thread of its own while the test appends
 * through another backend, as another process would, and reads what it prints line by line.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class LogFollowTest {
  @TempDir Path dir;
  private Path store;
  private String path;

  @BeforeEach
  void sample() {
    store = TestStores.sample(dir.resolve("a.db"));
    path = store.toString();
  }

  @Test
  void followPrintsTheStoredEntriesThenEachNewOneAsItCommits() throws Exception {
    try (Cli.Running log =
        Cli.start(
            "log",
            path,
            "--stream",
            "conv:demo",
            "--writer",
            "alice",
            "--follow",
            "--limit",
            "8")) {
      List<String> expected = new ArrayList<>(List.of("SEQ  HASH          PAYLOAD"));
      for (Entry entry : entries("conv:demo", "alice")) {
        expected.add(line(entry));
      }
      assertEquals(expected, log.nextLines(6));
      assertTrue(log.isRunning(), "waits for more after the stored entries");
      try (SqliteBackend writer = SqliteBackend.open(store)) {
        for (int i = 6; i <= 8; i++) {
          Entry entry = WriterLog.append(writer, "conv:demo", "alice", utf8("alice " + i));
          String printed = log.nextLine();
          assertEquals(line(entry), printed);
          expected.add(printed);
        }
      }
      Cli.Result done = log.await().expect(0);
      assertEquals(String.join("\n", expected) + "\n", done.out());
      assertEquals("", done.err());
    }
  }

  @Test
  void followWithoutAWriterFollowsEveryWriterOfTheStreamAlsoNewOnes() throws Exception {
    try (Cli.Running log =
        Cli.start("log", path, "--stream", "conv:demo", "--follow", "--limit", "11")) {
      assertEquals("WRITER  SEQ  HASH          PAYLOAD", log.nextLine());
      List<String> stored = log.nextLines(8);
      // Each writer's entries in seq order; writers relative to each other in no promised order.
      assertEquals(
          entries("conv:demo", "alice").stream().map(e -> streamLine("alice ", e)).toList(),
          stored.stream().filter(l -> l.startsWith("alice ")).toList());
      assertEquals(
          entries("conv:demo", "bob").stream().map(e -> streamLine("bob   ", e)).toList(),
          stored.stream().filter(l -> l.startsWith("bob ")).toList());
      try (SqliteBackend writer = SqliteBackend.open(store)) {
        Entry carol = WriterLog.append(writer, "conv:demo", "carol", utf8("carol joins"));
        assertEquals(streamLine("carol ", carol), log.nextLine());
        WriterLog.append(writer, "other", "alice", utf8("another stream: not printed"));
        Entry alice = WriterLog.append(writer, "conv:demo", "alice", utf8("alice 6"));
        assertEquals(streamLine("alice ", alice), log.nextLine());
        Entry bob = WriterLog.append(writer, "conv:demo", "bob", utf8("bob 4"));
        assertEquals(streamLine("bob   ", bob), log.nextLine());
      }
      log.await().expect(0);
    }
  }

  @Test
  void afterAppliesToEveryChainOfAFollowedStream() throws Exception {
    try (Cli.Running log =
        Cli.start(
            "log", path, "--stream", "conv:demo", "--after", "2", "--follow", "--limit", "5")) {
      assertEquals("WRITER  SEQ  HASH          PAYLOAD", log.nextLine());
      List<String> stored = log.nextLines(4);
      List<Entry> alice = entries("conv:demo", "alice");
      assertEquals(
          List.of(
              streamLine("alice ", alice.get(2)),
              streamLine("alice ", alice.get(3)),
              streamLine("alice ", alice.get(4))),
          stored.stream().filter(l -> l.startsWith("alice ")).toList());
      assertEquals(
          List.of(streamLine("bob   ", entries("conv:demo", "bob").get(2))),
          stored.stream().filter(l -> l.startsWith("bob ")).toList());
      try (SqliteBackend writer = SqliteBackend.open(store)) {
        WriterLog.append(writer, "conv:demo", "dave", utf8("dave 1"));
        WriterLog.append(writer, "conv:demo", "dave", utf8("dave 2"));
        Entry third = WriterLog.append(writer, "conv:demo", "dave", utf8("dave 3"));
        assertEquals(streamLine("dave  ", third), log.nextLine());
      }
      log.await().expect(0);
    }
  }

  @Test
  void jsonFollowPrintsOneObjectPerLine() throws Exception {
    try (Cli.Running log =
        Cli.start(
            "log",
            path,
            "--stream",
            "conv:demo",
            "--writer",
            "bob",
            "--follow",
            "--json",
            "--limit",
            "4")) {
      List<String> expected = new ArrayList<>();
      for (Entry entry : entries("conv:demo", "bob")) {
        expected.add(json(entry));
      }
      assertEquals(expected, log.nextLines(3));
      try (SqliteBackend writer = SqliteBackend.open(store)) {
        Entry entry = WriterLog.append(writer, "conv:demo", "bob", new byte[] {(byte) 0xff, 0});
        assertEquals(
            "{\"stream\":\"conv:demo\",\"writer\":\"bob\",\"seq\":4,\"prev_hash\":\""
                + HexFormat.of().formatHex(entry.prevHash())
                + "\",\"content_hash\":\""
                + entry.contentHashHex()
                + "\",\"size\":2,\"encoding\":\"hex\",\"payload\":\"ff00\"}",
            log.nextLine());
      }
      log.await().expect(0);
    }
  }

  @Test
  void aChainThatDoesNotExistYetIsWaitedFor() throws Exception {
    try (Cli.Running log =
        Cli.start(
            "log", path, "--stream", "later", "--writer", "erin", "--follow", "--limit", "1")) {
      assertEquals("SEQ  HASH          PAYLOAD", log.nextLine());
      assertTrue(log.isRunning());
      try (SqliteBackend writer = SqliteBackend.open(store)) {
        Entry entry = WriterLog.append(writer, "later", "erin", utf8("finally"));
        assertEquals(line(entry), log.nextLine());
      }
      log.await().expect(0);
    }
  }

  @Test
  void aStopRequestEndsTheFollowWithExitCode0AndClosesTheStore() throws Exception {
    Thread watcher;
    try (Cli.Running log =
        Cli.start("log", path, "--stream", "conv:demo", "--writer", "alice", "--follow")) {
      assertEquals(6, log.nextLines(6).size());
      watcher = thread("agent-store data_version watcher of SQLite store " + store);
      log.stop();
      Cli.Result done = log.await().expect(0);
      assertEquals(6, done.out().lines().count(), done::toString);
      assertEquals("", done.err());
    }
    watcher.join(TimeUnit.SECONDS.toMillis(Cli.WAIT_SECONDS));
    assertFalse(watcher.isAlive(), "the store's commit watcher stopped with the follower");
  }

  @Test
  void idleTimeoutEndsAFollowThatHearsNothingMore() throws Exception {
    try (Cli.Running log =
        Cli.start(
            "log",
            path,
            "--stream",
            "conv:demo",
            "--writer",
            "bob",
            "--follow",
            "--idle-timeout",
            "0.2")) {
      Cli.Result done = log.await().expect(0);
      assertEquals(4, done.out().lines().count(), done::toString);
    }
  }

  @Test
  void aChainThatBreaksWhileFollowedEndsWithExitCode1NamingStreamWriterAndSeq() throws Exception {
    try (Cli.Running log =
        Cli.start("log", path, "--stream", "conv:demo", "--writer", "alice", "--follow")) {
      assertEquals(6, log.nextLines(6).size());
      // Seq 6 is missing: the next row the follower meets is seq 7.
      try (SqliteBackend writer = SqliteBackend.open(store)) {
        writer.exec(
            "INSERT INTO _agent_store_log (stream, writer, seq, prev_hash, content_hash, payload)"
                + " VALUES ('conv:demo', 'alice', 7, ?, ?, ?)",
            new byte[32],
            new byte[32],
            utf8("forged"));
      }
      Cli.Result done = log.await().expect(Main.EXIT_BROKEN);
      assertEquals(
          "agent-store: chain broken in conv:demo/alice at seq 7: expected seq 6, found seq 7\n",
          done.err());
      assertEquals(6, done.out().lines().count(), done::toString);
    }
  }

  @Test
  void followRefusesBadArgumentsAndMissingStores() {
    String[][] usage = {
      {"log", path, "--stream", "conv:demo"},
      {"log", path, "--stream", "conv:demo", "--writer", "alice", "--idle-timeout", "1"},
      {"log", path, "--stream", "conv:demo", "--follow", "--idle-timeout", "0"},
      {"log", path, "--stream", "conv:demo", "--follow", "--idle-timeout", "soon"},
      {"log", path, "--stream", "conv:demo", "--follow", "--limit", "0"},
    };
    for (String[] args : usage) {
      Cli.Result run = Cli.run(args).expect(Main.EXIT_USAGE);
      assertEquals(1, run.err().lines().count(), run::toString);
      assertTrue(run.err().contains("(see 'agent-store log --help')"), run::toString);
    }
    assertTrue(
        Cli.run(usage[0]).err().contains("missing --writer W (or add --follow"), "names the fix");
    assertTrue(
        Cli.run(usage[1]).err().contains("--idle-timeout applies only with --follow"),
        "names the option");
    Path missing = dir.resolve("missing.db");
    Cli.Result run =
        Cli.run("log", missing.toString(), "--stream", "s", "--follow").expect(Main.EXIT_STORE);
    assertEquals(
        "agent-store: cannot open SQLite store " + missing + ": the file does not exist\n",
        run.err());
    assertFalse(missing.toFile().exists());
  }

  @Test
  void followOnPostgresHearsCommitsOfAnotherBackend() throws Exception {
    try (TestStores.Schema schema = TestStores.schema()) {
      try (PostgresBackend db = schema.open()) {
        TestStores.fill(db);
      }
      try (PostgresBackend writer = schema.open();
          Cli.Running log =
              Cli.start(
                  "log",
                  TestStores.PG_URL,
                  "--schema",
                  schema.name(),
                  "--stream",
                  "conv:demo",
                  "--follow")) {
        assertEquals("WRITER  SEQ  HASH          PAYLOAD", log.nextLine());
        List<String> stored = log.nextLines(8);
        assertEquals(
            WriterLog.readAfter(writer, "conv:demo", "alice", 0, 100).stream()
                .map(e -> streamLine("alice ", e))
                .toList(),
            stored.stream().filter(l -> l.startsWith("alice ")).toList());
        for (int i = 6; i <= 8; i++) {
          Entry entry = WriterLog.append(writer, "conv:demo", "alice", utf8("alice " + i));
          assertEquals(streamLine("alice ", entry), log.nextLine());
        }
        assertEquals(1, listeners(schema.name(), 1), "one LISTEN connection while following");
        log.stop();
        Cli.Result done = log.await().expect(0);
        assertEquals(12, done.out().lines().count(), done::toString);
      }
      assertEquals(0, listeners(schema.name(), 0), "the LISTEN connection closed with the command");
    }
  }

  // ---------------------------------------------------------------- helpers

  private List<Entry> entries(String stream, String writer) {
    try (SqliteBackend db = SqliteBackend.open(store)) {
      return WriterLog.readAfter(db, stream, writer, 0, 100);
    }
  }

  /** A line of {@code log} for a text payload. */
  private static String line(Entry entry) {
    return String.format(
        "%3d  %s  %s",
        entry.seq(),
        entry.contentHashHex().substring(0, 12),
        Payloads.oneLine(new String(entry.payload(), UTF_8)));
  }

  /** A line of a followed stream: the writer padded to the WRITER column, then as {@link #line}. */
  private static String streamLine(String paddedWriter, Entry entry) {
    return paddedWriter + "  " + line(entry);
  }

  private static String json(Entry entry) {
    return "{\"stream\":\""
        + entry.stream()
        + "\",\"writer\":\""
        + entry.writer()
        + "\",\"seq\":"
        + entry.seq()
        + ",\"prev_hash\":"
        + entry.prevHashHex().map(h -> "\"" + h + "\"").orElse("null")
        + ",\"content_hash\":\""
        + entry.contentHashHex()
        + "\",\"size\":"
        + entry.payload().length
        + ",\"encoding\":\"utf8\",\"payload\":\""
        + new String(entry.payload(), UTF_8).replace("\n", "\\n").replace("\t", "\\t")
        + "\"}";
  }

  private static Thread thread(String name) {
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (thread.getName().equals(name)) {
        return thread;
      }
    }
    throw new AssertionError("no thread named \"" + name + "\"");
  }

  /**
   * The LISTEN connections of {@code schema} the server lists, once they are {@code expected} or
   * the wait is over: a connection appears and leaves the list a moment after the client opened or
   * closed it.
   */
  private static int listeners(String schema, int expected) throws SQLException {
    String name = "agent-store LISTEN " + schema;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Cli.WAIT_SECONDS);
    try (Connection admin = DriverManager.getConnection(TestStores.PG_URL);
        PreparedStatement query =
            admin.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = ?")) {
      query.setString(1, name);
      while (true) {
        try (ResultSet rows = query.executeQuery()) {
          rows.next();
          int count = rows.getInt(1);
          if (count == expected || System.nanoTime() > deadline) {
            return count;
          }
        }
      }
    }
  }

  private static byte[] utf8(String text) {
    return text.getBytes(UTF_8);
  }
}
