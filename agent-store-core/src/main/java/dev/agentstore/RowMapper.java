package dev.agentstore;

/** Turns the current {@link Row} of a query into a value. */
@FunctionalInterface
public interface RowMapper<T> {
  /** Turns the current row into a value; called once per row. */
  T map(Row row);
}
