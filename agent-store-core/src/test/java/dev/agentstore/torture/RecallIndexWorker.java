package dev.agentstore.torture;

import dev.agentstore.EmbeddingModel;
import dev.agentstore.RecallIndexer;
import dev.agentstore.sqlite.SqliteBackend;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The indexing side of {@link RecallIndexerCrashTest}, in a child JVM: indexes the SQLite file
 * {@code args[0]} in batches of 10 with {@link WordModel}, and when asked for its text number
 * {@code args[1]} prints {@code blocked} and waits for the SIGKILL that ends it, mid-batch.
 */
public final class RecallIndexWorker {
  private RecallIndexWorker() {}

  public static void main(String[] args) throws Exception {
    int blockAt = Integer.parseInt(args[1]);
    CountDownLatch never = new CountDownLatch(1);
    EmbeddingModel model =
        new WordModel() {
          private int calls;

          @Override
          public synchronized float[] embed(String text) {
            if (++calls == blockAt) {
              System.out.println("blocked");
              System.out.flush();
              try {
                never.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
            return super.embed(text);
          }
        };
    try (SqliteBackend db = SqliteBackend.open(Path.of(args[0]))) {
      RecallIndexer.create(db, model, RecallIndexer.Options.defaults().withBatchSize(10)).catchUp();
    }
    System.out.println("finished without blocking");
  }

  /** Hashes words into 8 dimensions: deterministic and cheap. */
  static class WordModel implements EmbeddingModel {
    @Override
    public String name() {
      return "words-8";
    }

    @Override
    public int dimension() {
      return 8;
    }

    @Override
    public float[] embed(String text) {
      float[] vector = new float[8];
      for (String word : text.split("\\W+")) {
        if (!word.isEmpty()) {
          vector[Math.floorMod(word.hashCode(), 8)] += 1;
        }
      }
      vector[7] += 0.01f;
      return vector;
    }
  }
}
