package dev.agentstore;

/** Turns the current {@link Row} of a query into a value. */
@FunctionalInterface
public interface RowMapper<T> {
  /**
   * Turns the current row into a value; called once per row.
   *
   * @param row the current row; valid only during this call
   * @return the value for this row
   */
  T map(Row row);
}
