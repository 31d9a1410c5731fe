package dev.agentstore;

/** A backend (or a transaction that has ended) was used after it was closed. */
public final class StoreClosedException extends StoreException {
  private static final long serialVersionUID = 1L;

  /**
   * A use after close, naming what was closed in {@code message}.
   *
   * @param message what went wrong, naming what was wrong and where
   */
  public StoreClosedException(String message) {
    super(message);
  }
}
