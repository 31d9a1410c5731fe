package dev.agentstore;

/** Turns the current {@link Row} of a query into a value. */
@FunctionalInterface
public interface RowMapper<T> {
  T map(Row row);
}
