package dev.agentstore;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns text into a vector for semantic recall. agent-store keeps and searches vectors; computing
 * them stays with whatever the agent already uses: a local model (the {@code
 * agent-store-embeddings} module ships one), a hosted API, or a test's hand-made vectors.
 *
 * <p>An implementation must be thread-safe, return vectors of exactly {@link #dimension()} finite
 * floats, and return the same vector for the same text (a vector is stored under the model's {@link
 * #name()}, and vectors of one name are compared with each other).
 */
public interface EmbeddingModel {

  /**
   * {@return the name vectors of this model are stored under, for example {@code all-minilm-l6-v2};
   * at most 128 bytes of UTF-8, stable across releases of the implementation unless its vectors
   * change}
   */
  String name();

  /** {@return the number of floats in every vector this model returns} */
  int dimension();

  /**
   * Embeds one text.
   *
   * @param text the text to embed; never null, may be empty
   * @return a new array of {@link #dimension()} floats
   */
  float[] embed(String text);

  /**
   * Embeds several texts; models that batch override this for speed.
   *
   * @param texts the texts to embed, in order
   * @return one new array of {@link #dimension()} floats per text, in the same order
   */
  default List<float[]> embedAll(List<String> texts) {
    List<float[]> vectors = new ArrayList<>(texts.size());
    for (String text : texts) {
      vectors.add(embed(text));
    }
    return vectors;
  }
}
