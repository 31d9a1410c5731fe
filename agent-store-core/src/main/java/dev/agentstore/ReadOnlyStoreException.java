package dev.agentstore;

import org.jspecify.annotations.Nullable;

/** A write was attempted on a store that can only be read (opened read-only, or not writable). */
public final class ReadOnlyStoreException extends StoreException {
  private static final long serialVersionUID = 1L;

  /**
   * A write refused because the store is read-only, as {@code message} explains.
   *
   * @param message what went wrong, naming what was wrong and where
   * @param cause the underlying failure (often a {@code SQLException}), or null when there is none
   */
  public ReadOnlyStoreException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
