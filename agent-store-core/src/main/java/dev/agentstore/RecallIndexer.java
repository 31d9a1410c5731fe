package dev.agentstore;

import dev.agentstore.internal.Args;
import dev.agentstore.internal.ThreadMaker;
import dev.agentstore.spi.Threads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Embeds the text entries of a store that have no vector yet for an {@link EmbeddingModel} and
 * stores their vectors through {@link Recall}, so that {@link Recall#search} finds them.
 *
 * <p>{@link #catchUp()} indexes what is missing now, chain by chain ({@link WriterLog#heads}), in
 * pages of {@link Options#batchSize()} entries read by {@link Recall#unindexed}. Each chain keeps a
 * seq cursor, so an entry without text ({@link EntryText} gives the empty string: binary, or JSON
 * without the chosen fields) is skipped once and not read again by this indexer. {@link #start}
 * does the same on a thread of its own, again after each commit the backend's {@link Doorbell}
 * announces (and at least every {@link Options#pollInterval()}, for the commits of other
 * processes), until closed.
 *
 * <p>The vector table is the truth: an indexer that stopped, cleanly or not, resumes by catching up
 * from what is not indexed yet; within one indexer no (entry, model) is embedded twice.
 * Thread-safe; runs of {@link #catchUp()} are serialised.
 */
public final class RecallIndexer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(RecallIndexer.class.getName());

  /**
   * What an indexer indexes and how: which entries (a {@link RecallFilter}), which of their text
   * ({@link EntryText}), how many per embedding call, where its thread comes from, and whom it
   * tells of its progress.
   */
  public static final class Options {
    private final RecallFilter filter;
    private final EntryText text;
    private final int batchSize;
    private final Duration pollInterval;
    private final @Nullable ThreadFactory threadFactory;
    private final @Nullable Consumer<Counts> progress;

    private Options(
        RecallFilter filter,
        EntryText text,
        int batchSize,
        Duration pollInterval,
        @Nullable ThreadFactory threadFactory,
        @Nullable Consumer<Counts> progress) {
      this.filter = filter;
      this.text = text;
      this.batchSize = batchSize;
      this.pollInterval = pollInterval;
      this.threadFactory = threadFactory;
      this.progress = progress;
    }

    /**
     * {@return every entry, {@link EntryText#defaults()}, batches of 32, a poll every second,
     * agent-store's own thread, no progress callback}
     */
    public static Options defaults() {
      return new Options(
          RecallFilter.all(), EntryText.defaults(), 32, Duration.ofSeconds(1), null, null);
    }

    /** {@return which entries are indexed} */
    public RecallFilter filter() {
      return filter;
    }

    /** {@return how the text of an entry is taken} */
    public EntryText text() {
      return text;
    }

    /** {@return how many entries are read and embedded at a time} */
    public int batchSize() {
      return batchSize;
    }

    /** {@return how often a started indexer looks for entries no doorbell announced} */
    public Duration pollInterval() {
      return pollInterval;
    }

    /** {@return the factory of the thread of {@link RecallIndexer#start}, when one is chosen} */
    public Optional<ThreadFactory> threadFactory() {
      return Optional.ofNullable(threadFactory);
    }

    /**
     * {@return these options indexing only the entries {@code filter} keeps}
     *
     * @param filter the entries to index
     * @throws InvalidInputException when {@code filter} is null
     */
    public Options withFilter(RecallFilter filter) {
      Args.notNull(filter, "filter");
      return new Options(filter, text, batchSize, pollInterval, threadFactory, progress);
    }

    /**
     * {@return these options taking the text of entries by {@code text}}
     *
     * @param text which text of an entry is embedded
     * @throws InvalidInputException when {@code text} is null
     */
    public Options withText(EntryText text) {
      Args.notNull(text, "text");
      return new Options(filter, text, batchSize, pollInterval, threadFactory, progress);
    }

    /**
     * {@return these options embedding {@code batchSize} entries at a time}
     *
     * @param batchSize from 1 to {@link Recall#MAX_LIST}
     * @throws InvalidInputException when {@code batchSize} is out of that range
     */
    public Options withBatchSize(int batchSize) {
      if (batchSize < 1 || batchSize > Recall.MAX_LIST) {
        throw new InvalidInputException(
            "RecallIndexer batch size must be from 1 to " + Recall.MAX_LIST + ", got " + batchSize);
      }
      return new Options(filter, text, batchSize, pollInterval, threadFactory, progress);
    }

    /**
     * {@return these options polling every {@code pollInterval} besides the doorbell}
     *
     * @param pollInterval a positive duration
     * @throws InvalidInputException when {@code pollInterval} is null, zero or negative
     */
    public Options withPollInterval(Duration pollInterval) {
      Args.notNull(pollInterval, "pollInterval");
      if (pollInterval.isZero() || pollInterval.isNegative()) {
        throw new InvalidInputException(
            "RecallIndexer poll interval must be positive, got " + pollInterval);
      }
      return new Options(filter, text, batchSize, pollInterval, threadFactory, progress);
    }

    /**
     * {@return these options taking the thread of {@link RecallIndexer#start} from {@code factory}}
     *
     * @param factory the thread factory
     * @throws InvalidInputException when {@code factory} is null
     */
    public Options withThreadFactory(ThreadFactory factory) {
      Args.notNull(factory, "factory");
      return new Options(filter, text, batchSize, pollInterval, factory, progress);
    }

    /**
     * {@return these options calling {@code progress} with the running totals after each batch}
     *
     * @param progress called on the indexing thread; must not block for long
     * @throws InvalidInputException when {@code progress} is null
     */
    public Options withProgress(Consumer<Counts> progress) {
      Args.notNull(progress, "progress");
      return new Options(filter, text, batchSize, pollInterval, threadFactory, progress);
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Options o
          && filter.equals(o.filter)
          && text.equals(o.text)
          && batchSize == o.batchSize
          && pollInterval.equals(o.pollInterval)
          && Objects.equals(threadFactory, o.threadFactory)
          && Objects.equals(progress, o.progress);
    }

    @Override
    public int hashCode() {
      return Objects.hash(filter, text, batchSize, pollInterval, threadFactory, progress);
    }

    @Override
    public String toString() {
      return "RecallIndexer.Options[filter="
          + filter
          + ", text="
          + text
          + ", batchSize="
          + batchSize
          + ", pollInterval="
          + pollInterval
          + "]";
    }
  }

  /**
   * Totals of an indexer since it was made.
   *
   * @param indexed entries embedded and stored
   * @param skipped entries passed over because they have no text
   */
  public record Counts(long indexed, long skipped) {}

  private record Chain(String stream, String writer) {}

  private final Backend backend;
  private final EmbeddingModel model;
  private final Options options;

  // Guarded by "this": the next seq to read of each chain, and the totals.
  private final Map<Chain, Long> next = new HashMap<>();
  private long indexed;
  private long skipped;

  // The thread of start(); guarded by "wake".
  private final Object wake = new Object();
  private boolean rung;
  private boolean closed;
  private @Nullable Thread thread;
  private Doorbell.@Nullable Subscription subscription;
  private long failures;

  private RecallIndexer(Backend backend, EmbeddingModel model, Options options) {
    this.backend = backend;
    this.model = model;
    this.options = options;
  }

  /**
   * Makes an indexer driven by its caller ({@link #catchUp()}); creates the vector table when
   * missing.
   *
   * @param backend the store
   * @param model the model that embeds the text
   * @param options which entries, which text, what batch size
   * @return the indexer; it has indexed nothing yet
   * @throws InvalidInputException when an argument is null
   * @throws StoreException when the vector table cannot be made
   */
  public static RecallIndexer create(Backend backend, EmbeddingModel model, Options options) {
    Args.notNull(backend, "backend");
    Args.notNull(model, "model");
    Args.notNull(options, "options");
    Recall.ensureSchema(backend);
    return new RecallIndexer(backend, model, options);
  }

  /**
   * Makes an indexer that catches up on its own thread at once, then again after each commit the
   * backend's doorbell announces and at least every poll interval, until closed. A failed run is
   * logged, counted in {@link #failures()} and tried again at the next wake-up.
   *
   * @param backend the store
   * @param model the model that embeds the text
   * @param options which entries, which text, what batch size, which thread
   * @return the running indexer
   * @throws InvalidInputException when an argument is null
   * @throws StoreException when the vector table cannot be made or no thread can be had
   */
  public static RecallIndexer start(Backend backend, EmbeddingModel model, Options options) {
    RecallIndexer indexer = create(backend, model, options);
    Thread worker =
        ThreadMaker.of(options.threadFactory)
            .make(indexer::run, "agent-store recall indexer of " + model.name());
    synchronized (indexer.wake) {
      indexer.thread = worker;
      indexer.rung = true;
      indexer.subscription = backend.doorbell().subscribe(event -> indexer.ring());
    }
    worker.start();
    return indexer;
  }

  private void ring() {
    synchronized (wake) {
      rung = true;
      wake.notifyAll();
    }
  }

  private void run() {
    long pollMillis = Math.max(1, options.pollInterval.toMillis());
    while (true) {
      synchronized (wake) {
        long deadline = System.nanoTime() + pollMillis * 1_000_000L;
        while (!rung && !closed) {
          long left = (deadline - System.nanoTime()) / 1_000_000L;
          if (left <= 0) {
            break;
          }
          try {
            wake.wait(left);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
        if (closed) {
          return;
        }
        rung = false;
      }
      try {
        catchUp();
      } catch (RuntimeException e) {
        synchronized (wake) {
          failures++;
        }
        LOG.log(
            System.Logger.Level.WARNING,
            "recall indexer of model " + model.name() + " on " + backend.describe() + " failed",
            e);
      }
    }
  }

  /**
   * Embeds and stores every entry the filter keeps that has no current vector for the model, chain
   * by chain, a batch at a time; entries without text are skipped and not read again by this
   * indexer.
   *
   * @return the totals of this indexer since it was made
   * @throws StoreException when the store cannot be read or written
   * @throws RuntimeException what the model throws when it cannot embed a text
   */
  public synchronized Counts catchUp() {
    RecallFilter filter = options.filter;
    List<Head> heads =
        filter.selectedStream().isPresent()
            ? WriterLog.heads(backend, filter.selectedStream().get())
            : WriterLog.heads(backend);
    for (Head head : heads) {
      if (filter.selectedWriter().isPresent()
          && !filter.selectedWriter().get().equals(head.writer())) {
        continue;
      }
      catchUp(new Chain(head.stream(), head.writer()), Math.min(head.seq(), filter.toSeq()));
    }
    return counts();
  }

  private void catchUp(Chain chain, long lastSeq) {
    String name = model.name();
    while (true) {
      long from = Math.max(next.getOrDefault(chain, 1L), options.filter.fromSeq());
      if (from > lastSeq) {
        return;
      }
      List<Entry> page =
          Recall.unindexed(
              backend,
              name,
              RecallFilter.chain(chain.stream(), chain.writer()).withSeqs(from, lastSeq),
              options.batchSize);
      if (page.isEmpty()) {
        next.put(chain, lastSeq + 1);
        return;
      }
      List<Entry> withText = new ArrayList<>(page.size());
      List<String> texts = new ArrayList<>(page.size());
      for (Entry entry : page) {
        String text = options.text.of(entry);
        if (text.isEmpty()) {
          skipped++;
        } else {
          withText.add(entry);
          texts.add(text);
        }
      }
      if (!withText.isEmpty()) {
        List<float[]> vectors = model.embedAll(texts);
        if (vectors.size() != texts.size()) {
          throw new StoreException(
              "model "
                  + name
                  + " returned "
                  + vectors.size()
                  + " vectors for "
                  + texts.size()
                  + " texts of "
                  + chain.stream()
                  + "/"
                  + chain.writer()
                  + " from seq "
                  + from);
        }
        Recall.indexAll(backend, name, withText, vectors);
        indexed += withText.size();
      }
      next.put(chain, page.get(page.size() - 1).seq() + 1);
      if (options.progress != null) {
        options.progress.accept(counts());
      }
    }
  }

  /** {@return the totals of this indexer since it was made} */
  public synchronized Counts counts() {
    return new Counts(indexed, skipped);
  }

  /** {@return how many runs of a started indexer failed} */
  public long failures() {
    synchronized (wake) {
      return failures;
    }
  }

  /**
   * Stops a started indexer: stops listening and waits for its thread (at most 60 s) to finish the
   * batch it is on. Idempotent; does nothing more for an indexer made by {@link #create}.
   */
  @Override
  public void close() {
    Thread worker;
    synchronized (wake) {
      if (closed) {
        return;
      }
      closed = true;
      if (subscription != null) {
        subscription.close();
      }
      worker = thread;
      wake.notifyAll();
    }
    Threads.awaitExit(worker, "the recall indexer of " + backend.describe());
  }
}
