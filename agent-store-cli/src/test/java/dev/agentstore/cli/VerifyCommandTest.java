package dev.agentstore.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentstore.WriterLog;
import dev.agentstore.postgres.PostgresBackend;
import dev.agentstore.sqlite.SqliteBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class VerifyCommandTest {
  @TempDir Path dir;

  @Test
  void anIntactStoreVerifiesWithATableOfEveryChain() {
    Path store = TestStores.sample(dir.resolve("a.db"));
    Cli.Result run = Cli.run("verify", store.toString()).expect(0);
    assertTrue(run.out().contains("STREAM     WRITER    ENTRIES  HEAD SEQ  HEAD HASH"), run.out());
    assertTrue(
        run.out().matches("(?s).*conv:demo  alice           5         5  [0-9a-f]{12}  intact.*"),
        run.out());
    assertTrue(run.out().contains("jobs       worker-1        4         4"), run.out());
    assertTrue(run.out().contains("3 chains, 12 entries: 3 intact, 0 broken."), run.out());
    assertEquals("", run.err());
  }

  @Test
  void jsonHasTheDocumentedShape() {
    Path store = TestStores.sample(dir.resolve("a.db"));
    JsonNode json = Cli.run("verify", store.toString(), "--json").expect(0).json();
    assertTrue(json.get("store").asText().startsWith("SQLite store "), json.toString());
    assertEquals(3, json.get("chains").size());
    JsonNode alice = json.get("chains").get(0);
    assertEquals("conv:demo", alice.get("stream").asText());
    assertEquals("alice", alice.get("writer").asText());
    assertEquals(5, alice.get("entries").asLong());
    assertEquals(5, alice.get("head_seq").asLong());
    assertEquals("intact", alice.get("status").asText());
    try (SqliteBackend db = SqliteBackend.open(store)) {
      assertEquals(
          WriterLog.head(db, "conv:demo", "alice").orElseThrow().contentHashHex(),
          alice.get("head_hash").asText());
    }
    JsonNode summary = json.get("summary");
    assertEquals(3, summary.get("chains").asLong());
    assertEquals(12, summary.get("entries").asLong());
    assertEquals(3, summary.get("intact").asLong());
    assertEquals(0, summary.get("broken").asLong());
  }

  static Stream<Arguments> tamperings() {
    return Stream.of(
        Arguments.of(
            "a payload byte flipped",
            (Consumer<SqliteBackend>)
                db ->
                    db.exec(
                        "UPDATE _agent_store_log SET payload = ? WHERE writer = 'alice' AND seq = 3",
                        "alice 3!".getBytes(UTF_8)),
            3L,
            "HASH_MISMATCH"),
        Arguments.of(
            "an entry deleted",
            (Consumer<SqliteBackend>)
                db -> db.exec("DELETE FROM _agent_store_log WHERE writer = 'alice' AND seq = 2"),
            3L,
            "GAP"),
        Arguments.of(
            "a prev_hash rewritten",
            (Consumer<SqliteBackend>)
                db ->
                    db.exec(
                        "UPDATE _agent_store_log SET prev_hash = ? WHERE writer = 'alice' AND seq = 4",
                        new byte[32]),
            4L,
            "PREV_HASH_MISMATCH"),
        Arguments.of(
            "a content_hash truncated",
            (Consumer<SqliteBackend>)
                db ->
                    db.exec(
                        "UPDATE _agent_store_log SET content_hash = substr(content_hash, 1, 31)"
                            + " WHERE writer = 'alice' AND seq = 2"),
            2L,
            "MALFORMED_HASH"),
        Arguments.of(
            "a payload stored as text",
            (Consumer<SqliteBackend>)
                db ->
                    db.exec(
                        "UPDATE _agent_store_log SET payload = 'alice 2'"
                            + " WHERE writer = 'alice' AND seq = 2"),
            2L,
            "MALFORMED_PAYLOAD"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tamperings")
  void aTamperedChainExitsOneNamingItsFirstBrokenSeq(
      String what, Consumer<SqliteBackend> tamper, long seq, String reason) {
    Path store = TestStores.sample(dir.resolve("a.db"));
    TestStores.modify(store, tamper);

    Cli.Result run = Cli.run("verify", store.toString()).expect(Main.EXIT_BROKEN);
    assertTrue(run.out().contains("BROKEN at seq " + seq + ":"), run.out());
    assertTrue(run.out().contains("3 chains, "), run.out());
    assertTrue(run.out().contains("2 intact, 1 broken."), run.out());
    assertTrue(
        run.out().contains("Broken: conv:demo/alice at seq " + seq + " (" + reason + ")"),
        run.out());
    assertEquals(1, run.err().lines().count(), run.err());
    assertTrue(
        run.err()
            .startsWith("agent-store: 1 of 3 chains broken; first: conv:demo/alice at seq " + seq),
        run.err());

    JsonNode json = Cli.run("verify", store.toString(), "--json").expect(1).json();
    JsonNode alice = json.get("chains").get(0);
    assertEquals("broken", alice.get("status").asText());
    assertEquals(seq, alice.get("broken_seq").asLong());
    assertEquals(reason, alice.get("reason").asText());
    assertEquals("intact", json.get("chains").get(1).get("status").asText());
    assertEquals(1, json.get("summary").get("broken").asLong());
  }

  @Test
  void streamAndWriterSelectTheChainsToVerify() {
    Path store = TestStores.sample(dir.resolve("a.db"));
    TestStores.modify(
        store, db -> db.exec("DELETE FROM _agent_store_log WHERE writer = 'alice' AND seq = 1"));

    Cli.Result bob =
        Cli.run("verify", store.toString(), "--stream", "conv:demo", "--writer", "bob").expect(0);
    assertTrue(bob.out().contains("1 chain, 3 entries: 1 intact, 0 broken."), bob.out());
    Cli.Result jobs = Cli.run("verify", store.toString(), "--stream", "jobs").expect(0);
    assertTrue(jobs.out().contains("worker-1"), jobs.out());
    assertFalse(jobs.out().contains("alice"), jobs.out());
    Cli.run("verify", store.toString(), "--writer", "alice").expect(1);
  }

  @Test
  void anUnknownStreamOrWriterIsAUsageError() {
    Path store = TestStores.sample(dir.resolve("a.db"));
    Cli.Result stream = Cli.run("verify", store.toString(), "--stream", "nope").expect(2);
    assertEquals(1, stream.err().lines().count(), stream.err());
    assertTrue(stream.err().contains("no chain in stream \"nope\""), stream.err());
    Cli.Result writer =
        Cli.run("verify", store.toString(), "--stream", "jobs", "--writer", "alice").expect(2);
    assertTrue(
        writer.err().contains("no chain of writer \"alice\" in stream \"jobs\""), writer.err());
  }

  @Test
  void aMissingFileExitsThreeAndIsNotCreated() {
    Path missing = dir.resolve("missing.db");
    Cli.Result run = Cli.run("verify", missing.toString()).expect(Main.EXIT_STORE);
    assertEquals(
        "agent-store: cannot open SQLite store " + missing + ": the file does not exist\n",
        run.err());
    assertFalse(Files.exists(missing));
  }

  @Test
  void aFileThatIsNotADatabaseExitsThree() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("notes.txt"), "these are not the tables you want\n".repeat(200));
    Cli.Result run = Cli.run("verify", file.toString()).expect(Main.EXIT_STORE);
    assertEquals(1, run.err().lines().count(), run.err());
    assertTrue(run.err().contains("not a SQLite database"), run.err());
  }

  @Test
  void aDatabaseWithoutAgentStoreTablesExitsThree() {
    Path file = dir.resolve("other.db");
    TestStores.modify(file, db -> db.exec("CREATE TABLE notes (body TEXT)"));
    Cli.Result run = Cli.run("verify", file.toString()).expect(Main.EXIT_STORE);
    assertTrue(run.err().contains("holds no agent-store tables"), run.err());
  }

  @Test
  void aForeignTableWithOurNameExitsThree() {
    Path file = dir.resolve("foreign.db");
    TestStores.modify(file, db -> db.exec("CREATE TABLE _agent_store_log (id INTEGER)"));
    Cli.Result run = Cli.run("verify", file.toString()).expect(Main.EXIT_STORE);
    assertTrue(run.err().contains("is not agent-store's"), run.err());
  }

  @Test
  void verifyNeverWritesToTheStore() throws IOException {
    Path store = TestStores.sample(dir.resolve("a.db"));
    byte[] before = Files.readAllBytes(store);
    Cli.run("verify", store.toString()).expect(0);
    Cli.run("info", store.toString()).expect(0);
    assertArrayEquals(before, Files.readAllBytes(store));
  }

  @Test
  void aPolicyNamesTheStore() throws IOException {
    TestStores.sample(dir.resolve("data.db"));
    Path policy = Files.writeString(dir.resolve("agent.toml"), "[store]\npath = \"data.db\"\n");
    Cli.Result run = Cli.run("verify", "--policy", policy.toString()).expect(0);
    assertTrue(run.out().contains("3 chains, 12 entries: 3 intact"), run.out());
    Cli.Result both = Cli.run("verify", "x.db", "--policy", policy.toString()).expect(2);
    assertTrue(both.err().contains("either STORE or --policy"), both.err());
  }

  @Test
  void verifiesAndReportsATamperedChainOnPostgres() {
    try (TestStores.Schema schema = TestStores.schema()) {
      try (PostgresBackend db = schema.open()) {
        TestStores.fill(db);
      }
      Cli.Result intact = Cli.run("verify", TestStores.PG_URL, "--schema", schema.name()).expect(0);
      assertTrue(
          intact
                  .out()
                  .contains(
                      "Store: PostgreSQL store 127.0.0.1:5432/test (schema " + schema.name() + ")")
              || intact.out().contains("Store: PostgreSQL store"),
          intact.out());
      assertTrue(intact.out().contains("3 chains, 12 entries: 3 intact, 0 broken."), intact.out());

      try (PostgresBackend db = schema.open()) {
        db.exec(
            "UPDATE "
                + schema.table("_agent_store_log")
                + " SET payload = ? WHERE writer = 'bob' AND seq = 2",
            "tampered".getBytes(UTF_8));
      }
      Cli.Result broken =
          Cli.run("verify", TestStores.PG_URL, "--schema", schema.name(), "--json").expect(1);
      JsonNode bob = broken.json().get("chains").get(1);
      assertEquals("bob", bob.get("writer").asText());
      assertEquals(2, bob.get("broken_seq").asLong());
      assertEquals("HASH_MISMATCH", bob.get("reason").asText());
    }
  }
}
