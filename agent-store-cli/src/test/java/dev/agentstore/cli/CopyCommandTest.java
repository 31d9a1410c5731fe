package dev.agentstore.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentstore.Generation;
import dev.agentstore.WriterLog;
import dev.agentstore.postgres.PostgresBackend;
import dev.agentstore.sqlite.SqliteBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CopyCommandTest {
  @TempDir Path dir;

  private static List<String> rows(Path store) {
    try (SqliteBackend db = SqliteBackend.open(store)) {
      return TestStores.logRows(db);
    }
  }

  private static List<String> generations(Path store) {
    try (SqliteBackend db = SqliteBackend.open(store)) {
      return TestStores.generations(db, "_agent_store_meta");
    }
  }

  @Test
  void sqliteToPostgresAndBackKeepsEveryRowHashAndGeneration() {
    Path source = TestStores.sample(dir.resolve("laptop.db"));
    Path back = dir.resolve("back.db");
    try (TestStores.Schema schema = TestStores.schema()) {
      Cli.Result there =
          Cli.run(
                  "copy",
                  "--create",
                  source.toString(),
                  TestStores.PG_URL,
                  "--to-schema",
                  schema.name())
              .expect(0);
      assertTrue(
          there.out().contains("Copied 12 of 12 entries in 3 chains (0 already there) and 2 of 2"),
          there.out());
      assertTrue(
          there.out().contains("Every chain verified on the destination; entry counts and heads"),
          there.out());
      try (PostgresBackend db = schema.open()) {
        assertEquals(rows(source), TestStores.logRows(db, schema.table("_agent_store_log")));
        assertEquals(
            generations(source), TestStores.generations(db, schema.table("_agent_store_meta")));
        assertEquals(TestStores.BEYOND_DOUBLE, new Generation("big").current(db));
      }

      Cli.Result home =
          Cli.run(
                  "copy",
                  "--create",
                  TestStores.PG_URL,
                  "--from-schema",
                  schema.name(),
                  back.toString())
              .expect(0);
      assertTrue(home.out().contains("Copied 12 of 12 entries"), home.out());
    }
    assertEquals(rows(source), rows(back), "every row, byte for byte and type for type");
    assertEquals(generations(source), generations(back));
    assertEquals(
        Cli.run("heads", source.toString(), "--json").json().get("heads"),
        Cli.run("heads", back.toString(), "--json").json().get("heads"));
    Cli.run("verify", back.toString()).expect(0);
  }

  @Test
  void fileToFileCopyPrintsBothSidesOfEveryChain() {
    Path source = TestStores.sample(dir.resolve("a.db"));
    Path copy = dir.resolve("b.db");
    Cli.Result run = Cli.run("copy", "--create", source.toString(), copy.toString()).expect(0);
    assertTrue(
        run.out()
            .startsWith(
                "From: SQLite store "
                    + source.toAbsolutePath().normalize()
                    + "\n"
                    + "To:   SQLite store "
                    + copy.toAbsolutePath().normalize()
                    + "\n"),
        run.out());
    assertTrue(
        run.out()
            .contains(
                "STREAM     WRITER    SRC ENTRIES  SRC HEAD      COPIED  DST ENTRIES  DST HEAD      STATUS"),
        run.out());
    assertTrue(
        run.out()
            .matches(
                "(?s).*conv:demo  alice               5  ([0-9a-f]{12})       5            5  \\1  copied.*"),
        run.out());
    assertTrue(
        run.out().contains("GENERATION             SRC VALUE         DST VALUE  STATUS"),
        run.out());
    assertTrue(
        run.out().contains("big             9007199254740993  9007199254740993  copied"),
        run.out());
    assertEquals(rows(source), rows(copy));
    assertEquals(generations(source), generations(copy));
  }

  @Test
  void copyJsonHasTheDocumentedShape() {
    Path source = TestStores.sample(dir.resolve("a.db"));
    JsonNode json =
        Cli.run("copy", "--create", source.toString(), dir.resolve("b.db").toString(), "--json")
            .expect(0)
            .json();
    JsonNode alice = json.get("chains").get(0);
    assertEquals("alice", alice.get("writer").asText());
    assertEquals(5, alice.get("source_entries").asLong());
    assertEquals(5, alice.get("source_head_seq").asLong());
    assertEquals(5, alice.get("copied").asLong());
    assertEquals(5, alice.get("destination_entries").asLong());
    assertEquals(5, alice.get("destination_head_seq").asLong());
    assertEquals(alice.get("source_head_hash"), alice.get("destination_head_hash"));
    assertEquals(64, alice.get("source_head_hash").asText().length());
    assertEquals("copied", alice.get("status").asText());
    JsonNode big = json.get("generations").get(0);
    assertEquals("big", big.get("key").asText());
    assertEquals(TestStores.BEYOND_DOUBLE, big.get("source_value").longValue());
    assertEquals(TestStores.BEYOND_DOUBLE, big.get("destination_value").longValue());
    assertTrue(json.get("summary").get("match").asBoolean());
    assertEquals(12, json.get("summary").get("entries_copied").asLong());
  }

  @Test
  void rerunningAfterTheSourceGrewCopiesOnlyTheNewEntries() {
    Path source = TestStores.sample(dir.resolve("a.db"));
    Path copy = dir.resolve("b.db");
    Cli.run("copy", "--create", source.toString(), copy.toString()).expect(0);
    TestStores.modify(
        source,
        db -> {
          WriterLog.append(db, "conv:demo", "alice", "alice 6".getBytes(UTF_8));
          WriterLog.append(db, "conv:demo", "carol", "hello".getBytes(UTF_8));
          new Generation("report.nightly").bump(db);
        });

    JsonNode json =
        Cli.run("copy", "--create", source.toString(), copy.toString(), "--json").expect(0).json();
    assertEquals(2, json.get("summary").get("entries_copied").asLong());
    assertEquals("copied", json.get("chains").get(0).get("status").asText());
    assertEquals(1, json.get("chains").get(0).get("copied").asLong());
    assertEquals("unchanged", json.get("chains").get(1).get("status").asText());
    assertEquals("carol", json.get("chains").get(2).get("writer").asText());
    assertEquals(rows(source), rows(copy));
    assertEquals(generations(source), generations(copy));

    JsonNode again =
        Cli.run("copy", "--create", source.toString(), copy.toString(), "--json").expect(0).json();
    assertEquals(0, again.get("summary").get("entries_copied").asLong());
    assertEquals(rows(source), rows(copy), "a re-run never duplicates");
  }

  @Test
  void anInterruptedCopyIntoPostgresResumesWhereItStopped() {
    Path source = TestStores.sample(dir.resolve("a.db"));
    try (TestStores.Schema schema = TestStores.schema()) {
      Cli.run(
              "copy",
              "--create",
              source.toString(),
              TestStores.PG_URL,
              "--to-schema",
              schema.name(),
              "--batch",
              "2")
          .expect(0);
      // What an interruption leaves: whole batches of some chains, nothing of others.
      try (PostgresBackend db = schema.open()) {
        db.exec(
            "DELETE FROM "
                + schema.table("_agent_store_log")
                + " WHERE writer = 'alice' AND seq > 2");
        db.exec("DELETE FROM " + schema.table("_agent_store_log") + " WHERE stream = 'jobs'");
        db.exec("DELETE FROM " + schema.table("_agent_store_meta"));
      }
      JsonNode json =
          Cli.run(
                  "copy",
                  "--create",
                  source.toString(),
                  TestStores.PG_URL,
                  "--to-schema",
                  schema.name(),
                  "--batch",
                  "2",
                  "--json")
              .expect(0)
              .json();
      assertEquals(3 + 4, json.get("summary").get("entries_copied").asLong());
      assertEquals(3, json.get("chains").get(0).get("copied").asLong());
      assertEquals("unchanged", json.get("chains").get(1).get("status").asText());
      assertEquals(4, json.get("chains").get(2).get("copied").asLong());
      try (PostgresBackend db = schema.open()) {
        assertEquals(rows(source), TestStores.logRows(db, schema.table("_agent_store_log")));
        assertEquals(
            generations(source), TestStores.generations(db, schema.table("_agent_store_meta")));
      }
    }
  }

  @Test
  void aGenerationSetToZeroIsCopiedAsARow() {
    Path source = TestStores.sample(dir.resolve("a.db"));
    TestStores.modify(source, db -> new Generation("zero").set(db, 0));
    Path copy = dir.resolve("b.db");

    JsonNode json =
        Cli.run("copy", "--create", source.toString(), copy.toString(), "--json").expect(0).json();
    JsonNode zero = json.get("generations").get(2);
    assertEquals("zero", zero.get("key").asText());
    assertEquals(0, zero.get("destination_value").asLong());
    assertEquals("copied", zero.get("status").asText());
    assertEquals(3, json.get("summary").get("generations_copied").asLong());
    assertEquals(List.of("big=9007199254740993", "report.nightly=3", "zero=0"), generations(copy));

    JsonNode again =
        Cli.run("copy", "--create", source.toString(), copy.toString(), "--json").expect(0).json();
    assertEquals("unchanged", again.get("generations").get(2).get("status").asText());
    assertEquals(0, again.get("summary").get("generations_copied").asLong());
  }

  @Test
  void aNegativeGenerationIsCopiedAsItsRowNotReportedAsDestinationAhead() {
    Path source = TestStores.sample(dir.resolve("a.db"));
    // Generation.set refuses to create a counter below 0; the reference layout holds one.
    TestStores.modify(
        source,
        db -> db.exec("INSERT INTO _agent_store_meta (key, ival) VALUES (?, ?)", "neg", -7L));
    Path copy = dir.resolve("b.db");

    JsonNode json =
        Cli.run("copy", "--create", source.toString(), copy.toString(), "--json").expect(0).json();
    JsonNode neg = json.get("generations").get(1);
    assertEquals("neg", neg.get("key").asText());
    assertEquals(-7, neg.get("source_value").asLong());
    assertEquals(-7, neg.get("destination_value").asLong());
    assertEquals("copied", neg.get("status").asText());
    assertEquals(3, json.get("summary").get("generations_copied").asLong());
    assertEquals(generations(source), generations(copy));
    assertTrue(generations(copy).contains("neg=-7"), generations(copy).toString());

    JsonNode again =
        Cli.run("copy", "--create", source.toString(), copy.toString(), "--json").expect(0).json();
    assertEquals("unchanged", again.get("generations").get(1).get("status").asText());
    assertEquals(0, again.get("summary").get("generations_copied").asLong());
    assertEquals(generations(source), generations(copy));
  }

  @Test
  void aConflictingDestinationIsRefusedAndLeftUntouched() {
    Path source = TestStores.sample(dir.resolve("a.db"));
    Path other = dir.resolve("other.db");
    TestStores.modify(
        other,
        db -> {
          WriterLog.ensureSchema(db);
          Generation.ensureSchema(db);
          WriterLog.append(db, "conv:demo", "alice", "alice 1".getBytes(UTF_8));
          WriterLog.append(db, "conv:demo", "alice", "a different second turn".getBytes(UTF_8));
        });
    List<String> before = rows(other);

    Cli.Result run =
        Cli.run("copy", "--create", source.toString(), other.toString()).expect(Main.EXIT_BROKEN);
    assertEquals(1, run.err().lines().count(), run.err());
    assertTrue(
        run.err()
            .startsWith(
                "agent-store: refusing to copy: destination chain conv:demo/alice conflicts with the"
                    + " source at seq 2: the destination's content_hash is "),
        run.err());
    assertTrue(run.err().endsWith("; nothing was copied\n"), run.err());
    assertEquals(before, rows(other));
    assertEquals(List.of(), generations(other));
  }

  @Test
  void aDestinationAheadOfTheSourceIsReportedAndKept() {
    Path source = TestStores.sample(dir.resolve("a.db"));
    Path copy = dir.resolve("b.db");
    Cli.run("copy", "--create", source.toString(), copy.toString()).expect(0);
    TestStores.modify(
        copy,
        db -> {
          WriterLog.append(db, "conv:demo", "bob", "only in the copy".getBytes(UTF_8));
          new Generation("report.nightly").set(db, 50);
        });
    JsonNode json =
        Cli.run("copy", "--create", source.toString(), copy.toString(), "--json").expect(0).json();
    JsonNode bob = json.get("chains").get(1);
    assertEquals("destination_ahead", bob.get("status").asText());
    assertEquals(4, bob.get("destination_entries").asLong());
    JsonNode report = json.get("generations").get(1);
    assertEquals("report.nightly", report.get("key").asText());
    assertEquals("destination_ahead", report.get("status").asText());
    assertEquals(50, report.get("destination_value").asLong());
    try (SqliteBackend db = SqliteBackend.open(copy)) {
      assertEquals(50, new Generation("report.nightly").current(db), "never moved backwards");
    }
  }

  @Test
  void aBrokenSourceIsRefusedBeforeTheDestinationIsCreated() {
    Path source = TestStores.sample(dir.resolve("a.db"));
    TestStores.modify(
        source,
        db ->
            db.exec(
                "UPDATE _agent_store_log SET payload = ? WHERE stream = 'jobs' AND seq = 3",
                new byte[] {1, 2, 3}));
    Path copy = dir.resolve("b.db");
    Cli.Result run =
        Cli.run("copy", "--create", source.toString(), copy.toString()).expect(Main.EXIT_BROKEN);
    assertEquals(
        "agent-store: refusing to copy: source chain jobs/worker-1 is broken at seq 3"
            + " (HASH_MISMATCH): content_hash does not match BLAKE3(prev_hash || payload);"
            + " nothing was copied\n",
        run.err());
    assertFalse(Files.exists(copy));
  }

  @Test
  void aBrokenDestinationChainIsRefused() {
    Path source = TestStores.sample(dir.resolve("a.db"));
    Path copy = dir.resolve("b.db");
    Cli.run("copy", "--create", source.toString(), copy.toString()).expect(0);
    TestStores.modify(
        copy, db -> db.exec("DELETE FROM _agent_store_log WHERE writer = 'bob' AND seq = 1"));
    Cli.Result run =
        Cli.run("copy", "--create", source.toString(), copy.toString()).expect(Main.EXIT_BROKEN);
    assertTrue(
        run.err().contains("destination chain conv:demo/bob is broken at seq 2 (GAP)"), run.err());
  }

  @Test
  void badCopyArgumentsAreUsageErrors() {
    Path source = TestStores.sample(dir.resolve("a.db"));
    Cli.Result same = Cli.run("copy", source.toString(), source.toString()).expect(Main.EXIT_USAGE);
    assertTrue(same.err().contains("SRC and DST are the same store"), same.err());
    Cli.Result one = Cli.run("copy", source.toString()).expect(Main.EXIT_USAGE);
    assertTrue(one.err().contains("missing DST"), one.err());
    Cli.run("copy", source.toString(), "b.db", "--batch", "0").expect(Main.EXIT_USAGE);
    Cli.Result missing =
        Cli.run("copy", dir.resolve("nope.db").toString(), dir.resolve("b.db").toString())
            .expect(Main.EXIT_STORE);
    assertTrue(missing.err().contains("the file does not exist"), missing.err());
    assertFalse(Files.exists(dir.resolve("b.db")));
  }

  @Test
  void policiesNameEitherSide() throws java.io.IOException {
    TestStores.sample(dir.resolve("a.db"));
    Path from = Files.writeString(dir.resolve("from.toml"), "[store]\npath = \"a.db\"\n");
    Path to = Files.writeString(dir.resolve("to.toml"), "[store]\npath = \"b.db\"\n");
    Cli.run("copy", "--create", "--from-policy", from.toString(), "--to-policy", to.toString())
        .expect(0);
    assertEquals(rows(dir.resolve("a.db")), rows(dir.resolve("b.db")));
    Cli.run("copy", "--create", "--from-policy", from.toString(), dir.resolve("c.db").toString())
        .expect(0);
    assertEquals(rows(dir.resolve("a.db")), rows(dir.resolve("c.db")));
    Cli.run("copy", "--from-policy", from.toString(), "--to-policy", to.toString(), "extra.db")
        .expect(Main.EXIT_USAGE);
  }
}
