package dev.agentstore;

import org.jspecify.annotations.Nullable;

/**
 * A failure that may succeed when the same call is made again: the store was busy, a concurrent
 * writer won a race the caller asked to be told about, a server-side timeout struck, or a
 * connection was lost. Nothing was written by the failed call — with one exception no client of a
 * server can rule out: when the connection broke while the server was committing, the write may
 * have been committed without the answer arriving. Before repeating a write that must not happen
 * twice after a lost connection, re-read (for an append, the chain after the last seq you know).
 */
public class RetryableStoreException extends StoreException {
  private static final long serialVersionUID = 1L;

  /**
   * A failure worth trying again, described by {@code message}.
   *
   * @param message what went wrong, naming what was wrong and where
   */
  public RetryableStoreException(String message) {
    super(message);
  }

  /**
   * A failure worth trying again, described by {@code message}, caused by {@code cause}.
   *
   * @param message what went wrong, naming what was wrong and where
   * @param cause the underlying failure (often a {@code SQLException}), or null when there is none
   */
  public RetryableStoreException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
