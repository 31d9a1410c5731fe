package dev.agentstore;

import org.jspecify.annotations.Nullable;

/**
 * The current row of a query, as seen by a {@link RowMapper}. Columns are numbered from 1, as in
 * JDBC, or named. Valid only inside {@link RowMapper#map}.
 */
public interface Row {

  /** {@return the number of columns of the result} */
  int columnCount();

  /**
   * The column's integer value; 0 when it is NULL (check with {@link #isNull}).
   *
   * @param column the 1-based column index
   * @return the value; 0 for SQL NULL
   */
  long getLong(int column);

  /**
   * Like {@link #getLong(int)}, for the column with that name.
   *
   * @param column the column name
   * @return the value; 0 for SQL NULL
   */
  long getLong(String column);

  /**
   * The column's floating-point value; 0 when it is NULL.
   *
   * @param column the 1-based column index
   * @return the value; 0 for SQL NULL
   */
  double getDouble(int column);

  /**
   * The column's text; null when it is NULL.
   *
   * @param column the 1-based column index
   * @return the value, or null for SQL NULL
   */
  @Nullable String getString(int column);

  /**
   * Like {@link #getString(int)}, for the column with that name.
   *
   * @param column the column name
   * @return the value, or null for SQL NULL
   */
  @Nullable String getString(String column);

  /**
   * The column's bytes; null when it is NULL.
   *
   * @param column the 1-based column index
   * @return the value, or null for SQL NULL
   */
  byte @Nullable [] getBytes(int column);

  /**
   * Like {@link #getBytes(int)}, for the column with that name.
   *
   * @param column the column name
   * @return the value, or null for SQL NULL
   */
  byte @Nullable [] getBytes(String column);

  /**
   * The column's value as the driver returns it; null when it is NULL.
   *
   * @param column the 1-based column index
   * @return the value as the driver returns it, or null for SQL NULL
   */
  @Nullable Object getObject(int column);

  /**
   * Whether the column is NULL.
   *
   * @param column the 1-based column index
   * @return whether the value is SQL NULL
   */
  boolean isNull(int column);
}
