package dev.agentstore.bench;

import dev.agentstore.embeddings.MiniLm;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Loads all-MiniLM-L6-v2 in a fresh JVM (the model loads once per JVM, so every measurement is a
 * fork of its own); the score is the time of the first load.
 *
 * <p>{@code ours}: {@code MiniLm.load}. {@code raw}: constructing langchain4j's {@code
 * AllMiniLmL6V2EmbeddingModel}, which loads the same model.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(3)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
public class EmbedLoad {

  /**
   * Keeps DJL off the network (it probes a cloud metadata address and reports usage when its
   * tokenizer starts) and its unpacked tokenizer library under the benchmark directory.
   */
  static void offline() {
    System.setProperty("ai.djl.offline", "true");
    System.setProperty("OPT_OUT_TRACKING", "true");
    if (System.getProperty("DJL_CACHE_DIR") == null) {
      System.setProperty("DJL_CACHE_DIR", Stores.benchDir().resolve("djl-cache").toString());
    }
  }

  /** {@code MiniLm.load} in a fresh JVM. */
  @Benchmark
  public Duration ours() {
    offline();
    return MiniLm.create().load();
  }

  /** {@code new AllMiniLmL6V2EmbeddingModel()} in a fresh JVM. */
  @Benchmark
  public Object raw() {
    offline();
    return new AllMiniLmL6V2EmbeddingModel();
  }
}
