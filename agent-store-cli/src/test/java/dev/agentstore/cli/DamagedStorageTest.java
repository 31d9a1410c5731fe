package dev.agentstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentstore.postgres.PostgresBackend;
import dev.agentstore.sqlite.DamagedFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code verify} and {@code copy} on a SQLite file damaged below the rows: an index that lost rows
 * hides the end of a chain from every read, so without a storage check {@code verify} called the
 * cut chain intact. Now such a store is reported as damaged, with exit code 1, and never intact.
 */
class DamagedStorageTest {
  @TempDir Path dir;

  @Test
  void aSoundStoreSaysItsStorageWasChecked() {
    Path store = TestStores.sample(dir.resolve("a.db"));
    Cli.Result run = Cli.run("verify", store.toString()).expect(0);
    assertTrue(run.out().contains("\nStorage: ok (PRAGMA integrity_check)\n"), run.out());

    JsonNode storage =
        Cli.run("verify", store.toString(), "--json").expect(0).json().get("storage");
    assertEquals("ok", storage.get("status").asText());
    assertEquals("PRAGMA integrity_check", storage.get("check").asText());
    assertEquals(0, storage.get("problems").size());
    assertFalse(storage.get("more_problems").asBoolean(), storage.toString());
  }

  @Test
  void anIndexThatLostRowsIsReportedAsDamageNotIntact() {
    Path store = DamagedFiles.threeChains(dir.resolve("index.db"));
    DamagedFiles.renameDividerInIndexRoot(store, "bob", "fob");

    Cli.Result run = Cli.run("verify", store.toString()).expect(Main.EXIT_BROKEN);

    assertTrue(
        run.out()
            .contains(
                "\nStorage: DAMAGED: PRAGMA integrity_check reports 100 problems or more"
                    + " (first 10 shown):\n  row 5959 missing from index"),
        run.out());
    assertTrue(
        run.out().contains("row 5959 missing from index sqlite_autoindex__agent_store_log_1"),
        run.out());
    assertTrue(run.out().contains("Chains were not verified"), run.out());
    assertFalse(run.out().contains("intact"), run.out());
    assertTrue(
        run.err().startsWith("agent-store: storage damaged: SQLite store " + store), run.err());
    assertEquals(1, run.err().lines().count(), run.err());

    JsonNode json = Cli.run("verify", store.toString(), "--json").expect(Main.EXIT_BROKEN).json();
    JsonNode storage = json.get("storage");
    assertEquals("damaged", storage.get("status").asText());
    assertEquals("PRAGMA integrity_check", storage.get("check").asText());
    assertEquals(
        "row 5959 missing from index sqlite_autoindex__agent_store_log_1",
        storage.get("problems").get(0).asText());
    assertEquals(100, storage.get("problems").size());
    assertTrue(storage.get("more_problems").asBoolean(), storage.toString());
    assertEquals(0, json.get("chains").size());
    assertEquals(0, json.get("summary").get("intact").asLong());
  }

  @Test
  void withoutTheStorageCheckTheCutChainStillLooksIntact() {
    Path store = DamagedFiles.threeChains(dir.resolve("index.db"));
    DamagedFiles.renameDividerInIndexRoot(store, "bob", "fob");

    Cli.Result run = Cli.run("verify", store.toString(), "--no-storage-check").expect(0);

    // What the check is for: through the damaged index, bob's chain ends at 2,958 and verifies.
    assertTrue(run.out().contains("\nStorage: not checked (--no-storage-check)\n"), run.out());
    assertTrue(run.out().matches("(?s).*\nconv    bob +2958 +2958 .* intact\n.*"), run.out());
    JsonNode storage =
        Cli.run("verify", store.toString(), "--no-storage-check", "--json")
            .expect(0)
            .json()
            .get("storage");
    assertEquals("skipped", storage.get("status").asText());
    assertTrue(storage.get("check").isNull(), storage.toString());
  }

  /**
   * Random single-byte flips in table and index pages (not the header page): whenever SQLite's own
   * integrity check fails, {@code verify} exits non-zero and never prints "intact".
   */
  @Test
  void noRandomPageFlipThatIntegrityCheckSeesVerifiesIntact() throws IOException {
    Path original = DamagedFiles.threeChains(dir.resolve("original.db"));
    int pageSize = DamagedFiles.pageSize(original);
    int pages = DamagedFiles.pageCount(original);
    Random random = new Random(4_12_2026L);
    List<String> outcomes = new ArrayList<>();
    int damaged = 0;
    for (int round = 0; round < 20; round++) {
      Path copy = Files.copy(original, dir.resolve("flip-" + round + ".db"));
      long page = 2 + random.nextInt(pages - 1);
      long offset = (page - 1) * pageSize + random.nextInt(pageSize);
      DamagedFiles.flip(copy, offset, 1 + random.nextInt(255));
      boolean sound = DamagedFiles.integrityCheck(copy).equals(List.of("ok"));
      Cli.Result run = Cli.run("verify", copy.toString());
      outcomes.add(
          "page " + page + " offset " + offset + " sound " + sound + ": " + run.err().strip());
      if (!sound) {
        damaged++;
        assertNotEquals(0, run.exitCode(), () -> "damaged file passed: " + outcomes);
        assertFalse(run.out().contains("intact"), () -> "intact on a damaged file: " + outcomes);
      }
    }
    int seen = damaged;
    assertTrue(seen > 0, () -> "no round damaged the file: " + outcomes);
  }

  @Test
  void copyRefusesADamagedSourceBeforeTheDestinationIsCreated() {
    Path source = DamagedFiles.threeChains(dir.resolve("index.db"));
    DamagedFiles.renameDividerInIndexRoot(source, "bob", "fob");
    Path copy = dir.resolve("b.db");

    Cli.Result run = Cli.run("copy", source.toString(), copy.toString()).expect(Main.EXIT_BROKEN);

    assertTrue(
        run.err()
            .startsWith(
                "agent-store: refusing to copy: the source's storage damaged: SQLite store "
                    + source),
        run.err());
    assertTrue(run.err().strip().endsWith("; nothing was copied"), run.err());
    assertFalse(Files.exists(copy));
  }

  @Test
  void postgresSaysItsStorageIsNotChecked() {
    try (TestStores.Schema schema = TestStores.schema()) {
      try (PostgresBackend db = schema.open()) {
        TestStores.fill(db);
      }
      Cli.Result run = Cli.run("verify", TestStores.PG_URL, "--schema", schema.name()).expect(0);
      assertTrue(
          run.out().contains("\nStorage: not checked (PostgreSQL has no storage check)\n"),
          run.out());
      JsonNode storage =
          Cli.run("verify", TestStores.PG_URL, "--schema", schema.name(), "--json")
              .expect(0)
              .json()
              .get("storage");
      assertEquals("not_checked", storage.get("status").asText());
    }
  }
}
