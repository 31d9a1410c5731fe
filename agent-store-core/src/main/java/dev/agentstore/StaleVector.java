package dev.agentstore;

import dev.agentstore.internal.Args;

/**
 * A stored vector that no longer describes its entry: the entry at {@code (stream, writer, seq)}
 * was rewritten after the vector was indexed (its content hash differs from the one stored with the
 * vector) or is gone. {@link Recall#search} never returns such a vector; {@link Recall#stale} lists
 * them and {@link Recall#forgetStale} removes them. Immutable and thread-safe.
 *
 * @param stream the stream of the entry the vector was indexed for
 * @param writer the writer of that entry
 * @param seq the seq of that entry
 * @param model the model the vector belongs to
 */
public record StaleVector(String stream, String writer, long seq, String model) {
  /**
   * Checks that no name is null.
   *
   * @param stream the stream of the entry the vector was indexed for
   * @param writer the writer of that entry
   * @param seq the seq of that entry
   * @param model the model the vector belongs to
   * @throws InvalidInputException when a name is null
   */
  public StaleVector {
    Args.notNull(stream, "stream");
    Args.notNull(writer, "writer");
    Args.notNull(model, "model");
  }
}
