package dev.agentstore;

import dev.agentstore.internal.Args;

/**
 * The SQL dialect a {@link Backend} speaks, for consumers that write their own SQL, with the two
 * pieces of SQL text that differ between backends and that such SQL most often needs.
 */
public enum Dialect {
  /** SQLite 3 (the bundled sqlite-jdbc driver). */
  SQLITE {
    @Override
    public String orderByBytes(String expression) {
      // SQLite's default BINARY collation compares the UTF-8 bytes.
      return Args.notNull(expression, "expression");
    }
  },

  /** PostgreSQL 12 or later. */
  POSTGRES {
    @Override
    public String orderByBytes(String expression) {
      return Args.notNull(expression, "expression") + " COLLATE \"C\"";
    }
  };

  /**
   * {@code name} as a quoted SQL identifier ({@code "name"}, inner double quotes doubled), for a
   * schema or table whose name is not a plain lower-case word. Both dialects quote alike.
   *
   * @param name any identifier; PostgreSQL also limits its length, which this does not check
   * @return the quoted identifier
   * @throws InvalidInputException when {@code name} is null
   */
  public String quoteIdentifier(String name) {
    return "\"" + Args.notNull(name, "name").replace("\"", "\"\"") + "\"";
  }

  /**
   * {@code expression} as an {@code ORDER BY} term that sorts text by its UTF-8 bytes, the order in
   * which agent-store lists streams, writers and keys whatever the database's collation.
   *
   * @param expression a column name or other text-valued SQL expression
   * @return the term to put after {@code ORDER BY}
   * @throws InvalidInputException when {@code expression} is null
   */
  public abstract String orderByBytes(String expression);
}
