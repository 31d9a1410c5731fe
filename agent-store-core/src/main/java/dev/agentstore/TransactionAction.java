package dev.agentstore;

/** Like {@link TransactionBody}, for work that returns nothing. */
@FunctionalInterface
public interface TransactionAction {
  /**
   * The work, done through {@code tx}, the backend bound to the transaction.
   *
   * @param tx the backend to run statements on inside the transaction; valid only until {@code run}
   *     returns
   */
  void run(Backend tx);
}
