package dev.agentstore;

import org.jspecify.annotations.Nullable;

/**
 * A store could not be opened: the path is in a missing directory or is a directory, the file is
 * not a database, a server cannot be reached or refuses the login. The message names the path or
 * the server (never a password).
 */
public final class StoreOpenException extends StoreException {
  private static final long serialVersionUID = 1L;

  /**
   * A store that cannot be opened, as {@code message} explains.
   *
   * @param message what went wrong, naming what was wrong and where
   * @param cause the underlying failure (often a {@code SQLException}), or null when there is none
   */
  public StoreOpenException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
