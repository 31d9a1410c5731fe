package dev.agentstore.postgres;

import dev.agentstore.InvalidInputException;

/**
 * The parameters of the HNSW indexes {@code Recall} uses on a PostgreSQL server with pgvector: the
 * graph's {@code m} and {@code ef_construction}, fixed when an index is built, and {@code
 * ef_search}, set for each search. See docs/recall.md.
 *
 * @param m connections per node in the graph: 2 to 100 (pgvector's default 16)
 * @param efConstruction candidates kept while building: at least {@code 2 * m}, at most 1,000
 *     (pgvector's default 64)
 * @param efSearch candidates kept while searching: 1 to 1,000 (pgvector's default 40); a search for
 *     more hits than this raises it for that search
 */
public record HnswOptions(int m, int efConstruction, int efSearch) {
  /**
   * Checks the parameters against pgvector's limits.
   *
   * @param m connections per node: 2 to 100
   * @param efConstruction candidates while building: {@code 2 * m} to 1,000
   * @param efSearch candidates while searching: 1 to 1,000
   * @throws InvalidInputException naming the parameter out of range and its value
   */
  public HnswOptions {
    if (m < 2 || m > 100) {
      throw new InvalidInputException("HNSW m must be 2 to 100, got " + m);
    }
    if (efConstruction < 2 * m || efConstruction > 1000) {
      throw new InvalidInputException(
          "HNSW efConstruction must be 2 * m (" + 2 * m + ") to 1000, got " + efConstruction);
    }
    if (efSearch < 1 || efSearch > 1000) {
      throw new InvalidInputException("HNSW efSearch must be 1 to 1000, got " + efSearch);
    }
  }

  /**
   * pgvector's defaults: {@code m} 16, {@code ef_construction} 64, {@code ef_search} 40.
   *
   * @return the defaults
   */
  public static HnswOptions defaults() {
    return new HnswOptions(16, 64, 40);
  }
}
