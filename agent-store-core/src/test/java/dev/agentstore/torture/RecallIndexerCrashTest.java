package dev.agentstore.torture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.agentstore.Recall;
import dev.agentstore.RecallFilter;
import dev.agentstore.RecallIndexer;
import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An indexer killed with SIGKILL in the middle of a batch loses that batch only; a new indexer then
 * indexes exactly the entries without a vector and leaves none behind.
 */
class RecallIndexerCrashTest {
  @TempDir Path dir;

  @Test
  void anIndexerKilledMidBatchIsCompletedByTheNextOneWithoutEmbeddingTwice() throws Exception {
    Path file = dir.resolve("recall.db");
    try (SqliteBackend db = SqliteBackend.open(file)) {
      WriterLog.ensureSchema(db);
      Recall.ensureSchema(db);
      for (int i = 0; i < 60; i++) {
        WriterLog.append(db, "conv", "alice", "alice says thing " + i);
      }
      for (int i = 0; i < 40; i++) {
        WriterLog.append(db, "conv", "bob", "bob says thing " + i);
      }
    }
    // Batches of 10 in (stream, writer, seq) order: three of alice's commit, the fourth is cut.
    try (ChildJvm child =
        ChildJvm.start(RecallIndexWorker.class, dir.resolve("child.log"), file.toString(), "35")) {
      child.awaitLine("blocked", 120);
      child.kill();
    }
    try (SqliteBackend db = SqliteBackend.open(file)) {
      assertEquals(70, Recall.unindexed(db, "words-8", RecallFilter.all(), Recall.MAX_LIST).size());
      List<String> embedded = new ArrayList<>();
      RecallIndexWorker.WordModel counting =
          new RecallIndexWorker.WordModel() {
            @Override
            public float[] embed(String text) {
              embedded.add(text);
              return super.embed(text);
            }
          };
      RecallIndexer.Counts counts =
          RecallIndexer.create(db, counting, RecallIndexer.Options.defaults().withBatchSize(10))
              .catchUp();
      assertEquals(new RecallIndexer.Counts(70, 0), counts);
      assertEquals(70, embedded.size());
      assertEquals("alice says thing 30", embedded.get(0));
      assertEquals(List.of(), Recall.unindexed(db, "words-8", RecallFilter.all(), Recall.MAX_LIST));
    }
  }
}
