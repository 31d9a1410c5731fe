package dev.agentstore;

import org.jspecify.annotations.Nullable;

/**
 * The root of every exception agent-store throws. Unchecked, like the JDBC wrappers of the Java
 * ecosystem; the driver's {@code SQLException}, when there is one, is kept as the cause.
 *
 * <p>Subclasses say what kind of failure it is: {@link RetryableStoreException} (try again), {@link
 * CorruptStoreException} (the stored data is bad), {@link InvalidInputException} (the call was
 * wrong), and the rest (configuration, closed store, open failures).
 */
public class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * A failure described by {@code message}.
   *
   * @param message what went wrong, naming what was wrong and where
   */
  public StoreException(String message) {
    super(message);
  }

  /**
   * A failure described by {@code message}, caused by {@code cause}.
   *
   * @param message what went wrong, naming what was wrong and where
   * @param cause the underlying failure (often a {@code SQLException}), or null when there is none
   */
  public StoreException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
