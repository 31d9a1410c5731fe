package dev.agentstore.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentstore.postgres.PostgresBackend;
import dev.agentstore.sqlite.SqliteBackend;
import dev.agentstore.sqlite.SqliteOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code agent-store copy} of (a copy of) the store the reference Rust crate wrote, to a new SQLite
 * file, and to PostgreSQL and back: read back with plain SQL, the destination has the manifest of
 * {@code reference.json} entry for entry — every stream, writer, seq, prev_hash, content hash and
 * payload byte, every head and every generation row — and verifies.
 */
class CopyReferenceStoreTest {
  private static final JsonNode MANIFEST = ReferenceFixtures.manifest();

  @TempDir Path dir;

  /** The copy's JSON report: every chain copied whole, every generation row written. */
  private static void assertCopiedEverything(JsonNode report) {
    JsonNode heads = MANIFEST.get("heads");
    JsonNode chains = report.get("chains");
    assertEquals(heads.size(), chains.size());
    for (int i = 0; i < heads.size(); i++) {
      JsonNode head = heads.get(i);
      JsonNode chain = chains.get(i);
      String name = head.get("stream").textValue() + "/" + head.get("writer").textValue();
      assertEquals(head.get("stream"), chain.get("stream"), name);
      assertEquals(head.get("writer"), chain.get("writer"), name);
      assertEquals(head.get("count").longValue(), chain.get("copied").longValue(), name);
      assertEquals(head.get("seq").longValue(), chain.get("destination_head_seq").longValue());
      assertEquals(head.get("content_hash"), chain.get("destination_head_hash"), name);
      assertEquals("copied", chain.get("status").textValue(), name);
    }
    JsonNode generations = report.get("generations");
    assertEquals(MANIFEST.get("generations").size(), generations.size());
    for (int i = 0; i < generations.size(); i++) {
      JsonNode expected = MANIFEST.get("generations").get(i);
      JsonNode generation = generations.get(i);
      assertEquals(expected.get("key"), generation.get("key"));
      assertEquals(
          expected.get("value").longValue(), generation.get("destination_value").longValue());
      assertEquals("copied", generation.get("status").textValue(), generation.toString());
    }
    JsonNode summary = report.get("summary");
    assertEquals(279, summary.get("entries_copied").longValue());
    assertEquals(4, summary.get("generations_copied").longValue());
    assertTrue(summary.get("match").booleanValue());
  }

  /** {@code verify} on the destination: exit 0, and the manifest's heads and counts. */
  private static void assertVerifies(String... store) {
    String[] args = new String[store.length + 2];
    args[0] = "verify";
    System.arraycopy(store, 0, args, 1, store.length);
    args[args.length - 1] = "--json";
    JsonNode json = Cli.run(args).expect(0).json();
    JsonNode heads = MANIFEST.get("heads");
    assertEquals(heads.size(), json.get("chains").size());
    for (int i = 0; i < heads.size(); i++) {
      JsonNode chain = json.get("chains").get(i);
      assertEquals(heads.get(i).get("content_hash"), chain.get("head_hash"));
      assertEquals(heads.get(i).get("count").longValue(), chain.get("entries").longValue());
      assertEquals("intact", chain.get("status").textValue());
    }
    assertEquals(279, json.at("/summary/entries").longValue());
  }

  private static void assertSameManifest(JsonNode copied) {
    assertEquals(MANIFEST.get("entries"), copied.get("entries"), "every entry");
    assertEquals(MANIFEST.get("heads"), copied.get("heads"), "every head");
    assertEquals(MANIFEST.get("generations"), copied.get("generations"), "every generation row");
  }

  @Test
  void aCopyToANewSqliteFileHasTheManifestOfTheReferenceStore() throws IOException {
    Path source = ReferenceFixtures.copy("reference.db", dir);
    byte[] before = Files.readAllBytes(source);
    Path destination = dir.resolve("copy.db");

    JsonNode report =
        Cli.run("copy", "--create", source.toString(), destination.toString(), "--json")
            .expect(0)
            .json();
    assertCopiedEverything(report);
    assertArrayEquals(before, Files.readAllBytes(source), "the source file is never written");

    try (SqliteBackend db = SqliteBackend.open(destination)) {
      assertSameManifest(ReferenceFixtures.manifestOf(db, Store.LOG, Store.META));
      List<String> rows = TestStores.logRows(db);
      try (SqliteBackend reference =
          SqliteBackend.open(source, SqliteOptions.defaults().withReadOnly(true))) {
        assertEquals(
            TestStores.logRows(reference), rows, "the same bytes, stored as the same types");
      }
    }
    assertVerifies(destination.toString());

    JsonNode again =
        Cli.run("copy", "--create", source.toString(), destination.toString(), "--json")
            .expect(0)
            .json();
    assertEquals(0, again.at("/summary/entries_copied").longValue());
    assertEquals(0, again.at("/summary/generations_copied").longValue());
    for (JsonNode chain : again.get("chains")) {
      assertEquals("unchanged", chain.get("status").textValue());
    }
  }

  @Test
  void aCopyToPostgresHasTheManifestOfTheReferenceStore() {
    Path source = ReferenceFixtures.copy("reference.db", dir);
    try (TestStores.Schema schema = TestStores.schema()) {
      JsonNode report =
          Cli.run(
                  "copy",
                  "--create",
                  source.toString(),
                  TestStores.PG_URL,
                  "--to-schema",
                  schema.name(),
                  "--json")
              .expect(0)
              .json();
      assertCopiedEverything(report);

      try (PostgresBackend db = schema.open()) {
        assertSameManifest(
            ReferenceFixtures.manifestOf(db, schema.table(Store.LOG), schema.table(Store.META)));
      }
      assertVerifies(TestStores.PG_URL, "--schema", schema.name());

      // And back: PostgreSQL to a new SQLite file gives the reference crate's rows, byte for byte.
      Path back = dir.resolve("back.db");
      JsonNode returned =
          Cli.run(
                  "copy",
                  "--create",
                  TestStores.PG_URL,
                  "--from-schema",
                  schema.name(),
                  back.toString(),
                  "--json")
              .expect(0)
              .json();
      assertCopiedEverything(returned);
      try (SqliteBackend db = SqliteBackend.open(back);
          SqliteBackend reference =
              SqliteBackend.open(source, SqliteOptions.defaults().withReadOnly(true))) {
        assertSameManifest(ReferenceFixtures.manifestOf(db, Store.LOG, Store.META));
        assertEquals(TestStores.logRows(reference), TestStores.logRows(db), "the same rows");
      }
      assertVerifies(back.toString());
    }
  }
}
