package dev.agentstore.sqlite;

import static dev.agentstore.sqlite.DamagedFiles.ENTRIES;
import static dev.agentstore.sqlite.DamagedFiles.STREAM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.CorruptStoreException;
import dev.agentstore.DamagedStoreException;
import dev.agentstore.Head;
import dev.agentstore.StoreException;
import dev.agentstore.WriterLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damage below the rows — an index that disagrees with its table, a flipped byte in a page — which
 * a hash chain cannot see, since every read of a chain goes through the damaged index: {@link
 * WriterLog#checkStorage} reports it as a {@link DamagedStoreException} whenever SQLite's own
 * integrity check fails.
 */
class DamagedStorageIsDetectedTest {
  @TempDir Path dir;

  @Test
  void aSoundStorePassesTheCheck() {
    Path file = DamagedFiles.threeChains(dir.resolve("sound.db"));
    try (SqliteBackend db = SqliteBackend.open(file)) {
      assertTrue(WriterLog.checkStorage(db));
    }
    try (SqliteBackend db = SqliteBackend.inMemory()) {
      WriterLog.ensureSchema(db);
      assertTrue(WriterLog.checkStorage(db));
    }
  }

  @Test
  void anIndexDividerRenamedHidesAChainsTailFromVerifyButNotFromTheStorageCheck() {
    Path file = DamagedFiles.threeChains(dir.resolve("index.db"));
    DamagedFiles.renameDividerInIndexRoot(file, "bob", "fob");
    assertNotEquals(List.of("ok"), DamagedFiles.integrityCheck(file));

    try (SqliteBackend db = SqliteBackend.open(file, SqliteOptions.defaults().withReadOnly(true))) {
      // Every row is still in the table; reads through the index miss some of bob's.
      assertEquals(
          List.of((long) ENTRIES),
          db.query(
              "SELECT COUNT(*) FROM _agent_store_log NOT INDEXED WHERE writer = 'bob'",
              row -> row.getLong(1)));
      long seen = WriterLog.verify(db, STREAM, "bob").map(Head::seq).orElse(0L);
      assertTrue(seen < ENTRIES, "verify through the damaged index saw " + seen);

      DamagedStoreException e =
          assertThrows(DamagedStoreException.class, () -> WriterLog.checkStorage(db));

      assertEquals("PRAGMA integrity_check", e.check());
      assertTrue(e.store().contains(file.toString()), e.store());
      // The check stops after 100 problems and says that it found more.
      assertEquals(100, e.problems().size());
      assertTrue(e.stoppedEarly());
      assertTrue(e.getMessage().contains("(100 problems or more): "), e.getMessage());
      assertTrue(
          e.problems().stream().anyMatch(p -> p.contains(DamagedFiles.LOG_INDEX)),
          e.problems().toString());
      assertTrue(e.getMessage().startsWith("storage damaged: "), e.getMessage());
      assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
      assertTrue(e.getMessage().contains(e.problems().get(0)), e.getMessage());
      assertTrue(e instanceof CorruptStoreException);
    }
  }

  /**
   * Random single-byte flips in table and index pages (never the header page, which SQLite refuses
   * to open at all): whenever SQLite's integrity check through a plain connection fails, the
   * storage check fails too; otherwise the file is sound and the check passes.
   */
  @Test
  void everyRandomPageFlipThatIntegrityCheckSeesIsReportedAsDamage() throws IOException {
    Path original = DamagedFiles.threeChains(dir.resolve("original.db"));
    int pageSize = DamagedFiles.pageSize(original);
    int pages = DamagedFiles.pageCount(original);
    Random random = new Random(20_261_204L);
    int damaged = 0;
    List<String> outcomes = new ArrayList<>();
    for (int round = 0; round < 20; round++) {
      Path copy = Files.copy(original, dir.resolve("flip-" + round + ".db"));
      long page = 2 + random.nextInt(pages - 1);
      long offset = (page - 1) * pageSize + random.nextInt(pageSize);
      DamagedFiles.flip(copy, offset, 1 + random.nextInt(255));
      boolean sound = DamagedFiles.integrityCheck(copy).equals(List.of("ok"));
      String outcome = checkStorage(copy);
      outcomes.add("page " + page + " offset " + offset + ": " + outcome);
      if (sound) {
        assertEquals("ok", outcome, () -> "round with a sound file: " + outcomes);
      } else {
        damaged++;
        assertTrue(outcome.startsWith("damaged"), () -> "damaged file passed: " + outcomes);
      }
    }
    // The seed gives both kinds of round, so both branches above are exercised.
    int seen = damaged;
    assertTrue(seen > 0 && seen < 20, () -> seen + " damaged of 20: " + outcomes);
  }

  private static String checkStorage(Path file) {
    try (SqliteBackend db = SqliteBackend.open(file, SqliteOptions.defaults().withReadOnly(true))) {
      return WriterLog.checkStorage(db) ? "ok" : "not checked";
    } catch (DamagedStoreException e) {
      return "damaged: " + e.getMessage();
    } catch (StoreException e) {
      return "failed: " + e;
    }
  }
}
