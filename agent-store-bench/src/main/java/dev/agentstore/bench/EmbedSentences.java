package dev.agentstore.bench;

import dev.agentstore.embeddings.MiniLm;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Embeds short sentences (9 to 14 words, like turns of an agent conversation) with
 * all-MiniLM-L6-v2, the model loaded; the score is calls per second, each call embedding {@code
 * batch} sentences.
 *
 * <p>{@code ours}: {@code MiniLm.embed} for a batch of 1, {@code MiniLm.embedAll} otherwise (the
 * texts one after the other on the calling thread). {@code raw}: langchain4j's {@code
 * AllMiniLmL6V2EmbeddingModel} called directly, {@code embed} or {@code embedAll} with its default
 * executor (a pool that runs the texts of a batch in parallel).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Threads(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class EmbedSentences {
  @Param({"1", "32"})
  public int batch;

  private final MiniLm ours = MiniLm.create();
  private AllMiniLmL6V2EmbeddingModel raw;
  private List<List<String>> batches;
  private List<List<TextSegment>> segments;
  private int next;

  @Setup(Level.Trial)
  public void setup() {
    EmbedLoad.offline();
    ours.load();
    raw = new AllMiniLmL6V2EmbeddingModel();
    List<String> sentences = sentences(batch * 8);
    batches = new ArrayList<>();
    segments = new ArrayList<>();
    for (int i = 0; i < sentences.size(); i += batch) {
      List<String> texts = sentences.subList(i, i + batch);
      batches.add(texts);
      segments.add(texts.stream().map(TextSegment::from).toList());
    }
  }

  /** {@code count} distinct sentences built from fixed parts: the same on every run. */
  static List<String> sentences(int count) {
    String[] who = {
      "The build", "Our release", "The migration", "Alice's review", "The nightly job"
    };
    String[] what = {
      "failed again on the integration server", "was moved to Friday after the planning meeting",
      "locked the orders table for almost a minute", "needs a second look before we merge it",
      "took four seconds at the 99th percentile", "passed once we pinned the runner image"
    };
    String[] why = {
      "so we should tell the team today.", "because the cache was cold.",
      "and nobody noticed until the alert fired.", "as we agreed in the last retrospective."
    };
    List<String> sentences = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      sentences.add(
          who[i % who.length]
              + " "
              + what[(i / 5) % what.length]
              + " "
              + why[(i / 30) % why.length]);
    }
    return sentences;
  }

  private int index() {
    int i = next;
    next = (next + 1) % batches.size();
    return i;
  }

  /** {@code MiniLm.embed} of one sentence, or {@code MiniLm.embedAll} of {@code batch}. */
  @Benchmark
  public Object ours() {
    List<String> texts = batches.get(index());
    return batch == 1 ? ours.embed(texts.get(0)) : ours.embedAll(texts);
  }

  /** The langchain4j model itself: {@code embed}, or {@code embedAll} on its default pool. */
  @Benchmark
  public Object raw() {
    List<TextSegment> texts = segments.get(index());
    return batch == 1 ? raw.embed(texts.get(0)).content() : raw.embedAll(texts).content();
  }
}
