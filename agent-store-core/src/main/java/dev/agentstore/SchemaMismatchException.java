package dev.agentstore;

/**
 * A table agent-store owns exists with a different layout (another application's table of the same
 * name, or a damaged schema). agent-store refuses to touch it.
 */
public final class SchemaMismatchException extends StoreException {
  private static final long serialVersionUID = 1L;

  /** The table whose layout is not the expected one. */
  private final String table;

  /** {@code table} exists with another layout, as {@code message} describes. */
  public SchemaMismatchException(String table, String message) {
    super(message);
    this.table = table;
  }

  /** The table whose layout is not the expected one. */
  public String table() {
    return table;
  }
}
