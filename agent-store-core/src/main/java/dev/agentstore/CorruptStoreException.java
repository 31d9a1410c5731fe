package dev.agentstore;

import org.jspecify.annotations.Nullable;

/**
 * The stored data is not what agent-store wrote: a chain does not verify, a row is malformed, or
 * the file is damaged. Retrying does not help; the data needs attention.
 */
public class CorruptStoreException extends StoreException {
  private static final long serialVersionUID = 1L;

  /**
   * Bad stored data, described by {@code message}.
   *
   * @param message what went wrong, naming what was wrong and where
   */
  public CorruptStoreException(String message) {
    super(message);
  }

  /**
   * Bad stored data, described by {@code message}, found through {@code cause}.
   *
   * @param message what went wrong, naming what was wrong and where
   * @param cause the underlying failure (often a {@code SQLException}), or null when there is none
   */
  public CorruptStoreException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
