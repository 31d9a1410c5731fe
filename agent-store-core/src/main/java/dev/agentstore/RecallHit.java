package dev.agentstore;

import dev.agentstore.internal.Args;

/**
 * One result of {@link Recall#search}: a current entry and how close its vector is to the query.
 * Immutable and thread-safe.
 *
 * @param entry the entry, exactly as the log holds it now (its content hash is the one its vector
 *     was indexed for)
 * @param score the cosine similarity of the entry's vector and the query, from -1 (opposite) to 1
 *     (same direction)
 */
public record RecallHit(Entry entry, double score) {
  /**
   * Checks that the entry is not null and the score is a number.
   *
   * @param entry the entry, exactly as the log holds it now
   * @param score the cosine similarity of the entry's vector and the query
   * @throws InvalidInputException when {@code entry} is null or {@code score} is NaN
   */
  public RecallHit {
    Args.notNull(entry, "entry");
    if (Double.isNaN(score)) {
      throw new InvalidInputException(
          "RecallHit score must be a number, got NaN ("
              + entry.stream()
              + "/"
              + entry.writer()
              + " seq "
              + entry.seq()
              + ")");
    }
  }
}
