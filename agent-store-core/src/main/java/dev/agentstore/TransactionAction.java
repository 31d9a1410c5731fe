package dev.agentstore;

/** Like {@link TransactionBody}, for work that returns nothing. */
@FunctionalInterface
public interface TransactionAction {
  void run(Backend tx);
}
