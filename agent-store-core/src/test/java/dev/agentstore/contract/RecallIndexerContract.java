package dev.agentstore.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.EmbeddingModel;
import dev.agentstore.Entry;
import dev.agentstore.EntryText;
import dev.agentstore.Recall;
import dev.agentstore.RecallFilter;
import dev.agentstore.RecallHit;
import dev.agentstore.RecallIndexer;
import dev.agentstore.WriterLog;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link RecallIndexer}: which entries it embeds, which it skips, that it keeps the index current
 * as entries commit, and that a new indexer resumes from what is not indexed without embedding
 * anything twice. The model hashes words into a small vector, so a text shares dimensions with the
 * texts that share its words.
 */
public abstract class RecallIndexerContract extends BackendContract {

  /** A deterministic model that remembers every text it embedded. */
  static final class HashingModel implements EmbeddingModel {
    final List<String> embedded = new ArrayList<>();

    @Override
    public String name() {
      return "hash-8";
    }

    @Override
    public int dimension() {
      return 8;
    }

    @Override
    public synchronized float[] embed(String text) {
      embedded.add(text);
      float[] vector = new float[8];
      for (String word : text.toLowerCase(java.util.Locale.ROOT).split("\\W+")) {
        if (!word.isEmpty()) {
          vector[Math.floorMod(word.hashCode(), 8)] += 1;
        }
      }
      vector[7] += 0.01f; // no zero vector for a text of no words
      return vector;
    }

    synchronized List<String> embedded() {
      return List.copyOf(embedded);
    }
  }

  private static final byte[] BINARY = {0, (byte) 0xff, (byte) 0xfe, 7};

  private Entry text(String stream, String writer, String text) {
    return WriterLog.append(store, stream, writer, utf8(text));
  }

  @Test
  void catchUpIndexesTextEntriesAndSkipsEntriesWithoutText() {
    text("conv", "alice", "the cat sat on the mat");
    WriterLog.append(store, "conv", "alice", BINARY);
    text("conv", "alice", "{\"role\":\"user\",\"text\":\"dogs bark loudly\"}");
    text("conv", "alice", "{\"role\":\"tool\",\"status\":3}");
    text("conv", "bob", "   ");
    text("other", "bob", "rain falls in spain");
    HashingModel model = new HashingModel();
    List<RecallIndexer.Counts> progress = new ArrayList<>();
    RecallIndexer indexer =
        RecallIndexer.create(
            store,
            model,
            RecallIndexer.Options.defaults().withBatchSize(2).withProgress(progress::add));

    assertEquals(new RecallIndexer.Counts(3, 3), indexer.catchUp());
    assertEquals(
        List.of("the cat sat on the mat", "dogs bark loudly", "rain falls in spain"),
        model.embedded());
    assertEquals(new RecallIndexer.Counts(3, 3), progress.get(progress.size() - 1));
    assertEquals(4, progress.size(), "alice: 2 pages of 2; bob: 1; other/bob: 1");

    // A second run reads nothing again: the skipped entries are behind the cursors.
    assertEquals(new RecallIndexer.Counts(3, 3), indexer.catchUp());
    assertEquals(3, model.embedded().size());
    assertEquals(4, progress.size());

    List<RecallHit> hits = Recall.search(store, "hash-8", model.embed("dogs bark"), 1);
    assertEquals(3, hits.get(0).entry().seq());
    assertEquals("conv", hits.get(0).entry().stream());
  }

  @Test
  void filterAndFieldsChooseWhatIsIndexed() {
    text("conv", "alice", "{\"body\":\"first\",\"text\":\"ignored\"}");
    text("conv", "bob", "{\"body\":\"second\"}");
    text("logs", "alice", "{\"body\":\"third\"}");
    HashingModel model = new HashingModel();
    RecallIndexer indexer =
        RecallIndexer.create(
            store,
            model,
            RecallIndexer.Options.defaults()
                .withFilter(RecallFilter.stream("conv").withWriter("alice"))
                .withText(EntryText.fields("body")));
    assertEquals(new RecallIndexer.Counts(1, 0), indexer.catchUp());
    assertEquals(List.of("first"), model.embedded());
  }

  @Test
  void aNewIndexerResumesWithoutEmbeddingAnythingTwice() {
    text("conv", "alice", "one");
    text("conv", "alice", "two");
    HashingModel model = new HashingModel();
    RecallIndexer.create(store, model, RecallIndexer.Options.defaults()).catchUp();
    text("conv", "alice", "three");
    text("conv", "bob", "four");

    RecallIndexer again = RecallIndexer.create(store, model, RecallIndexer.Options.defaults());
    assertEquals(new RecallIndexer.Counts(2, 0), again.catchUp());
    assertEquals(List.of("one", "two", "three", "four"), model.embedded());
    assertEquals(List.of(), Recall.unindexed(store, "hash-8", RecallFilter.all(), Recall.MAX_LIST));
  }

  @Test
  void aStartedIndexerIndexesWhatIsAppendedAfterItStartedAndStopsOnClose()
      throws InterruptedException {
    text("conv", "alice", "before start");
    HashingModel model = new HashingModel();
    LinkedBlockingQueue<RecallIndexer.Counts> progress = new LinkedBlockingQueue<>();
    AtomicInteger threads = new AtomicInteger();
    RecallIndexer.Options options =
        RecallIndexer.Options.defaults()
            .withProgress(progress::add)
            .withThreadFactory(
                task -> {
                  threads.incrementAndGet();
                  Thread thread = new Thread(task, "test indexer");
                  thread.setDaemon(true);
                  return thread;
                });
    try (RecallIndexer indexer = RecallIndexer.start(store, model, options)) {
      assertEquals(new RecallIndexer.Counts(1, 0), next(progress));
      text("conv", "bob", "after start");
      assertEquals(new RecallIndexer.Counts(2, 0), next(progress));
      WriterLog.append(store, "conv", "bob", BINARY);
      text("conv", "bob", "later still");
      RecallIndexer.Counts last = next(progress);
      while (last.indexed() < 3) {
        last = next(progress);
      }
      assertEquals(new RecallIndexer.Counts(3, 1), last);
      assertEquals(0, indexer.failures());
    }
    assertEquals(1, threads.get());
    assertEquals(List.of("before start", "after start", "later still"), model.embedded());

    // Closed: nothing more is indexed; a new indexer catches up on what came since.
    text("conv", "bob", "after close");
    assertEquals(List.of("before start", "after start", "later still"), model.embedded());
    try (RecallIndexer resumed = RecallIndexer.start(store, model, options)) {
      RecallIndexer.Counts counts = next(progress);
      assertEquals(1, counts.indexed());
      assertEquals(counts, resumed.counts());
    }
    assertEquals(
        List.of("before start", "after start", "later still", "after close"), model.embedded());
  }

  private static RecallIndexer.Counts next(LinkedBlockingQueue<RecallIndexer.Counts> queue)
      throws InterruptedException {
    RecallIndexer.Counts counts = queue.poll(WAIT_SECONDS, TimeUnit.SECONDS);
    assertTrue(counts != null, "the indexer reported no progress within " + WAIT_SECONDS + " s");
    return counts;
  }
}
