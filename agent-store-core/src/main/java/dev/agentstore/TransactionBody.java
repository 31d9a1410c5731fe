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
   */
  T run(Backend tx);
}
