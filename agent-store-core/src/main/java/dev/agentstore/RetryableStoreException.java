package dev.agentstore;

import org.jspecify.annotations.Nullable;

/**
 * A failure that may succeed when the same call is made again: the store was busy, a concurrent
 * writer won a race the caller asked to be told about, or a connection was lost. Nothing was
 * written by the failed call.
 */
public class RetryableStoreException extends StoreException {
  private static final long serialVersionUID = 1L;

  public RetryableStoreException(String message) {
    super(message);
  }

  public RetryableStoreException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
