package dev.agentstore.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.Backend;
import dev.agentstore.CorruptStoreException;
import dev.agentstore.Entry;
import dev.agentstore.InvalidInputException;
import dev.agentstore.Recall;
import dev.agentstore.RecallFilter;
import dev.agentstore.RecallHit;
import dev.agentstore.SchemaMismatchException;
import dev.agentstore.StaleVector;
import dev.agentstore.WriterLog;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * {@link Recall}: vectors beside entries, searched exactly by cosine similarity. Rankings are
 * checked against answers known by construction or computed here independently, in double
 * precision, from the same floats.
 */
public abstract class RecallContract extends BackendContract {
  private static final String MODEL = "test-model";
  private static final float[] X = {1, 0, 0};

  @BeforeEach
  void createVectorTable() {
    Recall.ensureSchema(store);
  }

  /** Appends one entry with a text payload and returns it. */
  private Entry append(String stream, String writer, String text) {
    return WriterLog.append(store, stream, writer, utf8(text));
  }

  private static String key(Entry entry) {
    return entry.stream() + "/" + entry.writer() + "#" + entry.seq();
  }

  private static List<String> keys(List<RecallHit> hits) {
    return hits.stream().map(hit -> key(hit.entry())).toList();
  }

  private static InvalidInputException refused(Executable call, String... fragments) {
    InvalidInputException e = assertThrows(InvalidInputException.class, call);
    for (String fragment : fragments) {
      assertTrue(e.getMessage().contains(fragment), () -> e.getMessage() + " lacks " + fragment);
    }
    return e;
  }

  @Test
  void searchRanksByCosineAndBreaksTiesByStreamWriterSeq() {
    Entry same = append("conv", "bob", "same direction");
    Entry diagonal = append("conv", "alice", "diagonal");
    Entry orthogonal = append("conv", "alice", "orthogonal");
    Entry opposite = append("conv", "alice", "opposite");
    Entry longer = append("conv", "alice", "same direction, longer");
    Recall.index(store, same, MODEL, new float[] {1, 0, 0});
    Recall.index(store, diagonal, MODEL, new float[] {1, 1, 0});
    Recall.index(store, orthogonal, MODEL, new float[] {0, 0, 5});
    Recall.index(store, opposite, MODEL, new float[] {-2, 0, 0});
    Recall.index(store, longer, MODEL, new float[] {3, 0, 0});

    List<RecallHit> hits = Recall.search(store, MODEL, X, 5);

    // Equal scores of 1: conv/alice#4 before conv/bob#1 (writer order), whatever the insert order.
    assertEquals(
        List.of("conv/alice#4", "conv/bob#1", "conv/alice#1", "conv/alice#2", "conv/alice#3"),
        keys(hits));
    assertEquals(List.of(1.0, 1.0, 1 / Math.sqrt(2), 0.0, -1.0), scores(hits));
    assertEquals(longer, hits.get(0).entry());
    assertEquals(List.of("conv/alice#4", "conv/bob#1"), keys(Recall.search(store, MODEL, X, 2)));
  }

  private static List<Double> scores(List<RecallHit> hits) {
    return hits.stream().map(RecallHit::score).toList();
  }

  @Test
  void searchMatchesAnIndependentRankingOfRandomVectors() {
    Random random = new Random(42);
    int dimension = 24;
    List<Entry> entries = new ArrayList<>();
    List<float[]> vectors = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      entries.add(append("s" + (i % 3), "w" + (i % 5), "entry " + i));
      float[] v = new float[dimension];
      for (int d = 0; d < dimension; d++) {
        v[d] = (float) random.nextGaussian();
      }
      vectors.add(v);
    }
    assertEquals(150, Recall.indexAll(store, MODEL, entries, vectors));
    float[] query = new float[dimension];
    for (int d = 0; d < dimension; d++) {
      query[d] = (float) random.nextGaussian();
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      order.add(i);
    }
    order.sort(
        Comparator.comparingDouble((Integer i) -> -cosine(query, vectors.get(i)))
            .thenComparing(i -> key(entries.get(i))));

    List<RecallHit> hits = Recall.search(store, MODEL, query, 10);

    assertEquals(10, hits.size());
    for (int rank = 0; rank < 10; rank++) {
      int i = order.get(rank);
      assertEquals(entries.get(i), hits.get(rank).entry(), "rank " + rank);
      assertEquals(cosine(query, vectors.get(i)), hits.get(rank).score(), 1e-9, "rank " + rank);
    }
  }

  private static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / (Math.sqrt(na) * Math.sqrt(nb));
  }

  @Test
  void filtersKeepOneStreamWriterChainOrSeqRange() {
    for (String stream : List.of("a", "b")) {
      for (String writer : List.of("x", "y")) {
        for (int i = 1; i <= 4; i++) {
          Entry entry = append(stream, writer, stream + writer + i);
          // Later seqs point closer to X, so each filter's ranking is known.
          Recall.index(store, entry, MODEL, new float[] {i, 4 - i + 0.5f, 0});
        }
      }
    }
    assertEquals(
        List.of("a/x#4", "a/y#4", "a/x#3"),
        keys(Recall.search(store, MODEL, X, 3, RecallFilter.stream("a"))));
    assertEquals(
        List.of("a/y#4", "b/y#4", "a/y#3"),
        keys(Recall.search(store, MODEL, X, 3, RecallFilter.writer("y"))));
    assertEquals(
        List.of("b/x#4", "b/x#3", "b/x#2", "b/x#1"),
        keys(Recall.search(store, MODEL, X, 10, RecallFilter.chain("b", "x"))));
    assertEquals(
        List.of("b/x#3", "b/x#2"),
        keys(Recall.search(store, MODEL, X, 10, RecallFilter.chain("b", "x").withSeqs(2, 3))));
    assertEquals(
        List.of("a/x#4", "a/y#4", "b/x#4", "b/y#4", "a/x#3"),
        keys(Recall.search(store, MODEL, X, 5, RecallFilter.all().withSeqsFrom(3))));
    assertEquals(List.of(), Recall.search(store, MODEL, X, 5, RecallFilter.stream("nobody")));
  }

  @Test
  void aHugeKReturnsEveryVectorOnce() {
    for (int i = 1; i <= 7; i++) {
      Recall.index(store, append("conv", "alice", "t" + i), MODEL, new float[] {i, 1, 0});
    }
    List<RecallHit> hits = Recall.search(store, MODEL, X, Integer.MAX_VALUE);
    assertEquals(
        List.of(
            "conv/alice#7",
            "conv/alice#6",
            "conv/alice#5",
            "conv/alice#4",
            "conv/alice#3",
            "conv/alice#2",
            "conv/alice#1"),
        keys(hits));
    assertEquals(List.of(), Recall.search(store, "other-model", X, Integer.MAX_VALUE));
  }

  @Test
  void aDimensionOtherThanTheModelsIsRefusedNamingBoth() {
    Entry first = append("conv", "alice", "one");
    Entry second = append("conv", "alice", "two");
    Recall.index(store, first, MODEL, X);
    assertEquals(OptionalInt.of(3), Recall.dimension(store, MODEL));

    refused(
        () -> Recall.index(store, second, MODEL, new float[] {1, 2}),
        "vector has 2 dimensions but the stored vectors of model \"test-model\" have 3",
        "conv/alice seq 2");
    refused(
        () -> Recall.search(store, MODEL, new float[] {1, 2, 3, 4}, 3),
        "query vector has 4 dimensions but the stored vectors of model \"test-model\" have 3");
    refused(
        () ->
            Recall.indexAll(
                store,
                MODEL,
                List.of(first, second),
                List.of(new float[] {1, 0, 0}, new float[] {1, 0})),
        "vector at index 1 (conv/alice seq 2",
        "has 2 dimensions where the vectors before it have 3");
    // Another model has its own dimension.
    Recall.index(store, second, "wide", new float[] {0, 0, 0, 1});
    assertEquals(OptionalInt.of(4), Recall.dimension(store, "wide"));
    assertEquals(List.of("conv/alice#1"), keys(Recall.search(store, MODEL, X, 5)));
  }

  @Test
  void aRewrittenEntrysVectorIsStaleAndNeverReturned() {
    Entry kept = append("conv", "alice", "kept");
    Entry rewritten = append("conv", "alice", "to be rewritten");
    Entry deleted = append("conv", "bob", "to be deleted");
    Recall.index(store, kept, MODEL, new float[] {1, 1, 0});
    Recall.index(store, rewritten, MODEL, new float[] {1, 0, 0});
    Recall.index(store, deleted, MODEL, new float[] {1, 0.1f, 0});
    byte[] forged = utf8("forged");
    byte[] forgedHash = expectedHash(rewritten.prevHash(), forged);
    store.exec(
        "UPDATE _agent_store_log SET payload = ?, content_hash = ?"
            + " WHERE stream = ? AND writer = ? AND seq = ?",
        forged,
        forgedHash,
        "conv",
        "alice",
        2L);
    store.exec("DELETE FROM _agent_store_log WHERE stream = ? AND writer = ?", "conv", "bob");

    List<RecallHit> hits = Recall.search(store, MODEL, X, 3);

    assertEquals(List.of("conv/alice#1"), keys(hits));
    assertEquals(kept, hits.get(0).entry());
    assertEquals(
        List.of(
            new StaleVector("conv", "alice", 2, MODEL), new StaleVector("conv", "bob", 1, MODEL)),
        Recall.stale(store, MODEL, 10));
    // The rewritten entry is unindexed again; indexing the old Entry object is refused.
    List<Entry> unindexed = Recall.unindexed(store, MODEL, RecallFilter.all(), 10);
    assertEquals(1, unindexed.size());
    assertArrayEquals(forged, unindexed.get(0).payload());
    refused(
        () -> Recall.index(store, rewritten, MODEL, X),
        "cannot index conv/alice seq 2 for model test-model",
        "(the entry was rewritten after it was read)");
    assertEquals(2, Recall.forgetStale(store, MODEL));
    assertEquals(List.of(), Recall.stale(store, MODEL, 10));
    Recall.index(store, unindexed.get(0), MODEL, new float[] {1, 0, 0});
    assertEquals(List.of("conv/alice#2", "conv/alice#1"), keys(Recall.search(store, MODEL, X, 3)));
  }

  @Test
  void forgetRemovesAnEntrysVectorsOfEveryModel() {
    Entry first = append("conv", "alice", "one");
    Entry second = append("conv", "alice", "two");
    Recall.index(store, first, MODEL, X);
    Recall.index(store, "conv", "alice", 1, "other", new float[] {0, 1});
    Recall.index(store, second, MODEL, new float[] {1, 1, 0});

    assertEquals(2, Recall.forget(store, "conv", "alice", 1));
    assertEquals(0, Recall.forget(store, "conv", "alice", 1));

    assertEquals(List.of("conv/alice#2"), keys(Recall.search(store, MODEL, X, 5)));
    assertEquals(List.of(), Recall.search(store, "other", new float[] {0, 1}, 5));
    assertEquals(2, WriterLog.head(store, "conv", "alice").orElseThrow().seq());
  }

  @Test
  void indexingTheSameEntryAgainReplacesItsVector() {
    Entry entry = append("conv", "alice", "one");
    Recall.index(store, entry, MODEL, new float[] {0, 1, 0});
    Recall.index(store, "conv", "alice", 1, MODEL, new float[] {1, 0, 0});
    List<RecallHit> hits = Recall.search(store, MODEL, X, 5);
    assertEquals(List.of("conv/alice#1"), keys(hits));
    assertEquals(1.0, hits.get(0).score());
  }

  @Test
  void indexingAMissingEntryNamesItAndIndexAllStoresNothingOnError() {
    Entry first = append("conv", "alice", "one");
    refused(
        () -> Recall.index(store, "conv", "alice", 9, MODEL, X),
        "cannot index conv/alice seq 9 for model test-model",
        "there is no such entry");
    Entry ghost = new Entry("conv", "ghost", 1, null, blake3(utf8("x")), utf8("x"));
    refused(
        () -> Recall.indexAll(store, MODEL, List.of(first, ghost), List.of(X, X)),
        "cannot index conv/ghost seq 1",
        "there is no such entry");
    assertEquals(List.of(), Recall.search(store, MODEL, X, 5));
    assertEquals(OptionalInt.empty(), Recall.dimension(store, MODEL));
  }

  @Test
  void unindexedListsEntriesWithoutAVectorInOrder() {
    List<Entry> entries = new ArrayList<>();
    for (String writer : List.of("bob", "alice")) {
      for (int i = 1; i <= 3; i++) {
        entries.add(append("conv", writer, writer + i));
      }
    }
    append("other", "alice", "elsewhere");
    Recall.index(store, entries.get(1), MODEL, X); // conv/bob#2
    Recall.index(store, entries.get(3), MODEL, X); // conv/alice#1
    Recall.index(store, entries.get(4), "another", X); // conv/alice#2, another model

    assertEquals(
        List.of("conv/alice#2", "conv/alice#3", "conv/bob#1", "conv/bob#3", "other/alice#1"),
        entryKeys(Recall.unindexed(store, MODEL, RecallFilter.all(), 100)));
    assertEquals(
        List.of("conv/alice#2", "conv/alice#3"),
        entryKeys(Recall.unindexed(store, MODEL, RecallFilter.stream("conv"), 2)));
    assertEquals(
        List.of("conv/bob#3"),
        entryKeys(
            Recall.unindexed(store, MODEL, RecallFilter.chain("conv", "bob").withSeqsFrom(2), 9)));
    assertEquals(entries.get(4), Recall.unindexed(store, MODEL, RecallFilter.all(), 1).get(0));
  }

  private static List<String> entryKeys(List<Entry> entries) {
    return entries.stream().map(RecallContract::key).toList();
  }

  @Test
  void badInputIsRefusedSayingWhatAndWhere() {
    Entry entry = append("conv", "alice", "one");
    refused(
        () -> Recall.index(store, entry, MODEL, new float[] {1, Float.NaN, 0}),
        "vector has NaN at index 1; every value must be finite",
        "conv/alice seq 1");
    refused(
        () -> Recall.index(store, entry, MODEL, new float[] {Float.POSITIVE_INFINITY}),
        "vector has Infinity at index 0");
    refused(() -> Recall.index(store, entry, MODEL, new float[0]), "vector must not be empty");
    refused(
        () -> Recall.index(store, entry, MODEL, new float[3]),
        "vector is all zeros; a zero vector has no direction to compare by cosine");
    refused(
        () -> Recall.index(store, entry, MODEL, new float[Recall.MAX_DIMENSION + 1]),
        "vector has",
        "dimensions; the limit is");
    refused(() -> Recall.index(store, entry, "", X), "model must not be empty");
    refused(
        () -> Recall.index(store, entry, "m".repeat(Recall.MAX_MODEL_BYTES + 1), X),
        "is 129 bytes in UTF-8; the limit is 128 bytes");
    refused(() -> Recall.index(store, entry, null, X), "model must not be null");
    refused(() -> Recall.index(store, entry, MODEL, null), "vector must not be null");
    Recall.index(store, entry, MODEL, X);
    refused(
        () -> Recall.search(store, MODEL, new float[] {Float.NaN, 0, 0}, 3),
        "query vector has NaN at index 0",
        "searching model test-model");
    refused(() -> Recall.search(store, MODEL, new float[0], 3), "query vector must not be empty");
    refused(() -> Recall.search(store, MODEL, new float[3], 3), "query vector is all zeros");
    refused(() -> Recall.search(store, MODEL, X, 0), "k must be 1 or more, got 0 (searching model");
    refused(() -> Recall.search(store, MODEL, X, -5), "k must be 1 or more, got -5");
    refused(() -> Recall.search(store, MODEL, X, 3, null), "filter must not be null");
    refused(
        () -> Recall.unindexed(store, MODEL, RecallFilter.all(), 0), "limit must be 1 to 100000");
    refused(() -> RecallFilter.all().withSeqs(5, 2), "1 <= fromSeq <= toSeq, got 5..2");
    refused(
        () -> Recall.indexAll(store, MODEL, List.of(entry), List.of()),
        "one vector per entry, got 1 entries and 0 vectors");
    // Nothing was stored by the refused calls; the one good vector is intact.
    assertEquals(List.of("conv/alice#1"), keys(Recall.search(store, MODEL, X, 10)));
  }

  @Test
  void concurrentIndexersAndSearchersSeeOnlyWholeVectors() {
    int indexers = 3;
    int perIndexer = 40;
    int searchers = 2;
    List<List<Entry>> chains = new ArrayList<>();
    for (int t = 0; t < indexers; t++) {
      List<Entry> chain = new ArrayList<>();
      for (int i = 0; i < perIndexer; i++) {
        chain.add(append("conv", "w" + t, "turn " + i));
      }
      chains.add(chain);
    }
    ExecutorService pool = threads(indexers + searchers);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> indexing = new ArrayList<>();
    for (int t = 0; t < indexers; t++) {
      List<Entry> chain = chains.get(t);
      indexing.add(
          pool.submit(
              () -> {
                start.await(WAIT_SECONDS, TimeUnit.SECONDS);
                for (int i = 0; i < chain.size(); i++) {
                  Recall.index(store, chain.get(i), MODEL, new float[] {1, i, 0});
                }
                return chain.size();
              }));
    }
    List<Future<Integer>> searching = new ArrayList<>();
    for (int s = 0; s < searchers; s++) {
      searching.add(
          pool.submit(
              () -> {
                start.await(WAIT_SECONDS, TimeUnit.SECONDS);
                int searches = 0;
                while (!indexing.stream().allMatch(Future::isDone) || searches < 5) {
                  List<RecallHit> hits = Recall.search(store, MODEL, X, 5);
                  for (int h = 0; h < hits.size(); h++) {
                    RecallHit hit = hits.get(h);
                    // The vector of turn i is (1, i, 0): its cosine with X is 1 / sqrt(1 + i^2).
                    long i = hit.entry().seq() - 1;
                    assertEquals(1 / Math.sqrt(1 + i * i), hit.score(), 1e-9);
                    if (h > 0) {
                      assertTrue(hits.get(h - 1).score() >= hit.score(), "best first");
                    }
                  }
                  searches++;
                }
                return searches;
              }));
    }
    start.countDown();
    assertEquals(List.of(perIndexer, perIndexer, perIndexer), awaitAll(indexing));
    for (int searches : awaitAll(searching)) {
      assertTrue(searches >= 5);
    }
    List<RecallHit> all = Recall.search(store, MODEL, X, 1_000);
    assertEquals(indexers * perIndexer, all.size());
    assertEquals(List.of("conv/w0#1", "conv/w1#1", "conv/w2#1"), keys(all.subList(0, 3)));
    assertEquals(List.of(), Recall.unindexed(store, MODEL, RecallFilter.all(), 10));
  }

  @Test
  void firstVectorsOfANewModelRacingWithTwoDimensionsStoreOnlyOne() {
    Entry a = append("conv", "alice", "a");
    Entry b = append("conv", "bob", "b");
    ExecutorService pool = threads(2);
    for (int round = 0; round < 20; round++) {
      String model = "race-" + round;
      CountDownLatch start = new CountDownLatch(1);
      List<Future<String>> racers = new ArrayList<>();
      for (Entry entry : List.of(a, b)) {
        float[] vector = entry == a ? new float[] {1, 0} : new float[] {1, 0, 0};
        racers.add(
            pool.submit(
                () -> {
                  start.await(WAIT_SECONDS, TimeUnit.SECONDS);
                  try {
                    Recall.index(store, entry, model, vector);
                    return "stored";
                  } catch (InvalidInputException e) {
                    assertTrue(
                        e.getMessage().contains("dimensions but the stored vectors of model"));
                    return "refused";
                  }
                }));
      }
      start.countDown();
      List<String> outcomes = new ArrayList<>(awaitAll(racers));
      outcomes.sort(null);
      assertEquals(List.of("refused", "stored"), outcomes, model);
      int dimension = Recall.dimension(store, model).orElseThrow();
      assertEquals(
          List.of((long) dimension),
          store.query(
              "SELECT DISTINCT dimension FROM _agent_store_vec WHERE model = ?",
              row -> row.getLong(1),
              model));
    }
  }

  @Test
  void aVectorOfTheWrongLengthIsCorruptAndAZeroVectorIsSkipped() {
    Entry first = append("conv", "alice", "one");
    Entry second = append("conv", "alice", "two");
    Recall.index(store, first, MODEL, X);
    Recall.index(store, second, MODEL, new float[] {1, 1, 0});
    // Twelve zero bytes: three floats, all zero, which has no cosine with anything.
    store.exec(
        "UPDATE _agent_store_vec SET vector = ? WHERE seq = ? AND model = ?",
        new byte[12],
        1L,
        MODEL);
    assertEquals(List.of("conv/alice#2"), keys(Recall.search(store, MODEL, X, 5)));

    store.exec(
        "UPDATE _agent_store_vec SET vector = ? WHERE seq = ? AND model = ?",
        new byte[5],
        1L,
        MODEL);
    // An index (pgvector's HNSW) answers without reading the vectors it does not return, so a
    // malformed one is reported by the exact scan, which every search inside a transaction runs.
    CorruptStoreException e =
        assertThrows(
            CorruptStoreException.class,
            () -> store.inTransaction(tx -> Recall.search(tx, MODEL, X, 5)));
    assertTrue(
        e.getMessage()
            .contains(
                "the test-model vector of conv/alice seq 1 in "
                    + store.describe()
                    + " is 5 bytes where the model's 3 dimensions take 12 bytes"),
        e.getMessage());
    assertEquals(1, Recall.forget(store, "conv", "alice", 1));
    assertEquals(List.of("conv/alice#2"), keys(Recall.search(store, MODEL, X, 5)));
  }

  @Test
  void aStoreWithoutTheVectorTableNamesTheCallThatCreatesIt() {
    Backend fresh = open();
    SchemaMismatchException check =
        assertThrows(SchemaMismatchException.class, () -> Recall.checkSchema(fresh));
    assertTrue(check.getMessage().contains("Recall.ensureSchema"), check.getMessage());
    Entry entry = WriterLog.append(fresh, "conv", "alice", utf8("one"));
    SchemaMismatchException index =
        assertThrows(SchemaMismatchException.class, () -> Recall.index(fresh, entry, MODEL, X));
    assertTrue(index.getMessage().contains("Recall.ensureSchema creates it"), index.getMessage());
    Recall.ensureSchema(fresh);
    Recall.ensureSchema(fresh);
    Recall.checkSchema(fresh);
    Recall.index(fresh, entry, MODEL, X);
    assertEquals(
        List.of(entry), Recall.search(fresh, MODEL, X, 1).stream().map(RecallHit::entry).toList());
  }
}
