package dev.agentstore;

/**
 * The call itself was wrong: a null, empty or too long name, a name the backend cannot store, an
 * oversized payload, a bad argument. Nothing was written. The message names the argument and the
 * stream, writer or key it concerns.
 */
public final class InvalidInputException extends StoreException {
  private static final long serialVersionUID = 1L;

  /**
   * A wrong argument, named with what is wrong with it in {@code message}.
   *
   * @param message what went wrong, naming what was wrong and where
   */
  public InvalidInputException(String message) {
    super(message);
  }
}
