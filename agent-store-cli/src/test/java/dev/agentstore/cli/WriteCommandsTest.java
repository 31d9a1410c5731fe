package dev.agentstore.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentstore.Entry;
import dev.agentstore.Generation;
import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** gen bump, gen set and append. */
class WriteCommandsTest {
  @TempDir Path dir;

  private static Entry head(Path store, String stream, String writer) {
    try (SqliteBackend db = SqliteBackend.open(store)) {
      return WriterLog.head(db, stream, writer).orElseThrow();
    }
  }

  private static long generation(Path store, String key) {
    try (SqliteBackend db = SqliteBackend.open(store)) {
      return new Generation(key).current(db);
    }
  }

  @Test
  void genBumpPrintsTheNewValue() {
    Path store = TestStores.sample(dir.resolve("a.db"));
    assertEquals("4\n", Cli.run("gen", "bump", store.toString(), "report.nightly").expect(0).out());
    assertEquals("1\n", Cli.run("gen", "bump", store.toString(), "fresh").expect(0).out());
    assertEquals(
        "{\"key\":\"report.nightly\",\"value\":5}\n",
        Cli.run("gen", "bump", store.toString(), "report.nightly", "--json").expect(0).out());
    assertEquals(5, generation(store, "report.nightly"));
  }

  @Test
  void writeCommandsCreateAStoreOnlyWhenAsked() {
    Path fresh = dir.resolve("fresh.db");
    Cli.Result refused = Cli.run("gen", "bump", fresh.toString(), "g").expect(Main.EXIT_STORE);
    assertTrue(refused.err().contains("add --create to make a new store"), refused.err());
    assertFalse(Files.exists(fresh));
    assertEquals("1\n", Cli.run("gen", "bump", fresh.toString(), "g", "--create").expect(0).out());
    Cli.run("verify", fresh.toString()).expect(0);
  }

  @Test
  void genSetRefusesToMoveBackwards() {
    Path store = TestStores.sample(dir.resolve("a.db"));
    assertEquals(
        "10\n", Cli.run("gen", "set", store.toString(), "report.nightly", "10").expect(0).out());
    assertEquals(
        "10\n", Cli.run("gen", "set", store.toString(), "report.nightly", "10").expect(0).out());
    Cli.Result back =
        Cli.run("gen", "set", store.toString(), "report.nightly", "9").expect(Main.EXIT_BROKEN);
    assertEquals(
        "agent-store: generation report.nightly cannot move backwards: current value is 10,"
            + " requested 9\n",
        back.err());
    assertEquals("", back.out());
    assertEquals(10, generation(store, "report.nightly"));
  }

  @Test
  void genSetKeepsValuesBeyondTwoToTheFiftyThreeExact() {
    Path store = TestStores.sample(dir.resolve("a.db"));
    long value = TestStores.BEYOND_DOUBLE + 2;
    Cli.Result run =
        Cli.run("gen", "set", store.toString(), "big", Long.toString(value), "--json").expect(0);
    assertEquals("{\"key\":\"big\",\"value\":9007199254740995}\n", run.out());
    assertEquals(value, generation(store, "big"));
    Cli.Result max =
        Cli.run("gen", "set", store.toString(), "big", Long.toString(Long.MAX_VALUE)).expect(0);
    assertEquals(Long.MAX_VALUE + "\n", max.out());
  }

  @Test
  void genSetRefusesAValueThatIsNotAnInteger() {
    Path store = TestStores.sample(dir.resolve("a.db"));
    for (String bad : new String[] {"ten", "1.5", "9223372036854775808"}) {
      Cli.Result run =
          Cli.run("gen", "set", store.toString(), "report.nightly", bad).expect(Main.EXIT_USAGE);
      assertTrue(
          run.err().contains("VALUE must be a 64-bit integer, got \"" + bad + "\""), run.err());
    }
    Cli.run("gen", "set", store.toString(), "report.nightly").expect(Main.EXIT_USAGE);
    Cli.run("gen", "bump", store.toString()).expect(Main.EXIT_USAGE);
  }

  @Test
  void appendPrintsTheNewEntry() {
    Path store = TestStores.sample(dir.resolve("a.db"));
    Cli.Result run =
        Cli.run(
                "append",
                store.toString(),
                "--stream",
                "conv:demo",
                "--writer",
                "alice",
                "hello bob")
            .expect(0);
    Entry head = head(store, "conv:demo", "alice");
    assertEquals(6, head.seq());
    assertArrayEquals("hello bob".getBytes(UTF_8), head.payload());
    assertEquals(
        "appended conv:demo/alice seq 6 (9 bytes), content_hash " + head.contentHashHex() + "\n",
        run.out());

    JsonNode json =
        Cli.run("append", store.toString(), "--stream", "new", "--writer", "w", "first", "--json")
            .expect(0)
            .json();
    assertEquals(1, json.get("seq").asLong());
    assertTrue(json.get("prev_hash").isNull());
    assertEquals(head(store, "new", "w").contentHashHex(), json.get("content_hash").asText());
    assertEquals(5, json.get("size").asLong());
  }

  @Test
  void appendReadsAFileOrStandardInput() throws IOException {
    Path store = TestStores.sample(dir.resolve("a.db"));
    byte[] binary = {0, 1, 2, (byte) 0xff};
    Path file = Files.write(dir.resolve("payload.bin"), binary);
    Cli.run(
            "append",
            store.toString(),
            "--stream",
            "jobs",
            "--writer",
            "worker-1",
            "--file",
            file.toString())
        .expect(0);
    assertArrayEquals(binary, head(store, "jobs", "worker-1").payload());

    byte[] piped = "from stdin\n".getBytes(UTF_8);
    Cli.runWithInput(
            piped, "append", store.toString(), "--stream", "jobs", "--writer", "worker-1", "-")
        .expect(0);
    Entry last = head(store, "jobs", "worker-1");
    assertEquals(6, last.seq());
    assertArrayEquals(piped, last.payload());

    Cli.Result missing =
        Cli.run("append", store.toString(), "--stream", "s", "--writer", "w", "--file", "nope.bin")
            .expect(Main.EXIT_USAGE);
    assertTrue(missing.err().contains("cannot read --file nope.bin: no such file"), missing.err());
    Cli.run(
            "append",
            store.toString(),
            "--stream",
            "s",
            "--writer",
            "w",
            "--file",
            file.toString(),
            "x")
        .expect(Main.EXIT_USAGE);
  }

  @Test
  void appendWithAnExpectedSeqIsRefusedWhenTheHeadMoved() {
    Path store = TestStores.sample(dir.resolve("a.db"));
    Cli.run(
            "append",
            store.toString(),
            "--stream",
            "conv:demo",
            "--writer",
            "bob",
            "--expect-seq",
            "3",
            "ok")
        .expect(0);
    Cli.Result stale =
        Cli.run(
                "append",
                store.toString(),
                "--stream",
                "conv:demo",
                "--writer",
                "bob",
                "--expect-seq",
                "3",
                "late")
            .expect(Main.EXIT_BROKEN);
    assertTrue(
        stale
            .err()
            .contains(
                "append conflict on conv:demo/bob: expected head seq 3 but the head is seq 4"),
        stale.err());
    assertEquals(4, head(store, "conv:demo", "bob").seq());
  }

  @Test
  void appendRefusesAnEmptyNameAsAUsageError() {
    Path store = TestStores.sample(dir.resolve("a.db"));
    Cli.Result run =
        Cli.run("append", store.toString(), "--stream", "", "--writer", "w", "x")
            .expect(Main.EXIT_USAGE);
    assertTrue(run.err().contains("stream must not be empty"), run.err());
  }

  @Test
  void aPolicyReplacesTheStoreArgument() throws IOException {
    Path store = TestStores.sample(dir.resolve("a.db"));
    Path policy =
        Files.writeString(dir.resolve("p.toml"), "backend = \"sqlite\"\npath = \"a.db\"\n");
    Cli.run("append", "--policy", policy.toString(), "--stream", "s", "--writer", "w", "via policy")
        .expect(0);
    assertArrayEquals("via policy".getBytes(UTF_8), head(store, "s", "w").payload());
    assertEquals(
        "7\n",
        Cli.run("gen", "set", "--policy", policy.toString(), "report.nightly", "7")
            .expect(0)
            .out());
    assertEquals(
        "7\n", Cli.run("gen", "--policy", policy.toString(), "report.nightly").expect(0).out());
    assertEquals(
        "8\n",
        Cli.run("gen", "bump", "--policy", policy.toString(), "report.nightly").expect(0).out());
    Cli.run("gen", "set", "--policy", policy.toString(), "report.nightly", "9", "extra")
        .expect(Main.EXIT_USAGE);
  }

  @Test
  void appendGenAndLogWorkOnPostgres() {
    try (TestStores.Schema schema = TestStores.schema()) {
      String url = TestStores.PG_URL;
      String name = schema.name();
      Cli.run("append", url, "--schema", name, "--stream", "s", "--writer", "w", "one", "--create")
          .expect(0);
      Cli.runWithInput(
              new byte[] {(byte) 0xff, 0},
              "append",
              url,
              "--schema",
              name,
              "--stream",
              "s",
              "--writer",
              "w",
              "-")
          .expect(0);
      assertEquals("1\n", Cli.run("gen", "bump", url, "--schema", name, "g").expect(0).out());
      assertEquals(
          "{\"key\":\"g\",\"value\":9007199254740993}\n",
          Cli.run("gen", "set", url, "--schema", name, "g", "9007199254740993", "--json")
              .expect(0)
              .out());
      Cli.run("gen", "set", url, "--schema", name, "g", "5").expect(Main.EXIT_BROKEN);
      assertEquals(
          "9007199254740993\n", Cli.run("gen", url, "--schema", name, "g").expect(0).out());
      Cli.Result log =
          Cli.run("log", url, "--schema", name, "--stream", "s", "--writer", "w").expect(0);
      assertTrue(log.out().contains("  one\n"), log.out());
      assertTrue(log.out().endsWith("  0xff00\n"), log.out());
      Cli.run("verify", url, "--schema", name).expect(0);
    }
  }
}
