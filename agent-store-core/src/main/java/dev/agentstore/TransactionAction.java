package dev.agentstore;

/** Like {@link TransactionBody}, for work that returns nothing. */
@FunctionalInterface
public interface TransactionAction {
  /** The work, done through {@code tx}, the backend bound to the transaction. */
  void run(Backend tx);
}
