package dev.agentstore;

/** The SQL dialect a {@link Backend} speaks, for consumers that write their own SQL. */
public enum Dialect {
  SQLITE,
  POSTGRES
}
