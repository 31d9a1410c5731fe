package dev.agentstore;

/**
 * Work that runs inside one transaction and returns a value. The {@link Backend} it receives is
 * bound to that transaction; everything done through it (and through the outer backend on the same
 * thread) commits together or not at all.
 */
@FunctionalInterface
public interface TransactionBody<T> {
  T run(Backend tx);
}
