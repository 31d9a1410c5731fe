package dev.agentstore;

/**
 * Work that runs inside one transaction and returns a value. The {@link Backend} it receives is
 * bound to that transaction; everything done through it (and through the outer backend on the same
 * thread) commits together or not at all.
 */
@FunctionalInterface
public interface TransactionBody<T> {
  /**
   * The work, done through {@code tx}, the backend bound to the transaction; its result is what
   * {@link Backend#inTransaction} returns.
   *
   * @param tx the backend to run statements on inside the transaction; valid only until {@code run}
   *     returns
   * @return the result, returned by {@link Backend#inTransaction}
   */
  T run(Backend tx);
}
