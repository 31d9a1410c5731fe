package dev.agentstore;

import org.jspecify.annotations.Nullable;

/**
 * A table agent-store owns is missing or exists with a different layout (another application's
 * table of the same name, or a damaged schema). A missing table's message names the call that
 * creates it ({@link AgentStore#ensureSchema}); agent-store refuses to touch a table of another
 * layout.
 */
public final class SchemaMismatchException extends StoreException {
  private static final long serialVersionUID = 1L;

  /** The table whose layout is not the expected one. */
  private final String table;

  /**
   * A mismatch of {@code table}, described by {@code message}.
   *
   * @param table the table whose layout does not match
   * @param message what went wrong, naming what was wrong and where
   */
  public SchemaMismatchException(String table, String message) {
    super(message);
    this.table = table;
  }

  /**
   * Like {@link #SchemaMismatchException(String, String)}, keeping the driver error underneath.
   *
   * @param table the table whose layout does not match
   * @param message what went wrong, naming what was wrong and where
   * @param cause the underlying failure (often a {@code SQLException}), or null when there is none
   */
  public SchemaMismatchException(String table, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.table = table;
  }

  /** {@return the table: {@code _agent_store_log} or {@code _agent_store_meta}} */
  public String table() {
    return table;
  }
}
