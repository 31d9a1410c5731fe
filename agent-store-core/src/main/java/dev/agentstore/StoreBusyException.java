package dev.agentstore;

import org.jspecify.annotations.Nullable;

/**
 * The store stayed locked by another connection or process for longer than the configured busy
 * timeout, after the library's own bounded retries. Nothing was written; the call may be retried.
 */
public final class StoreBusyException extends RetryableStoreException {
  private static final long serialVersionUID = 1L;

  public StoreBusyException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
