package dev.agentstore;

import org.jspecify.annotations.Nullable;

/**
 * The current row of a query, as seen by a {@link RowMapper}. Columns are numbered from 1, as in
 * JDBC, or named. Valid only inside {@link RowMapper#map}.
 */
public interface Row {

  /** The number of columns of the result. */
  int columnCount();

  /** The column's integer value; 0 when it is NULL (check with {@link #isNull}). */
  long getLong(int column);

  /** Like {@link #getLong(int)}, for the column with that name. */
  long getLong(String column);

  /** The column's floating-point value; 0 when it is NULL. */
  double getDouble(int column);

  /** The column's text; null when it is NULL. */
  @Nullable String getString(int column);

  /** Like {@link #getString(int)}, for the column with that name. */
  @Nullable String getString(String column);

  /** The column's bytes; null when it is NULL. */
  byte @Nullable [] getBytes(int column);

  /** Like {@link #getBytes(int)}, for the column with that name. */
  byte @Nullable [] getBytes(String column);

  /** The column's value as the driver returns it; null when it is NULL. */
  @Nullable Object getObject(int column);

  /** Whether the column is NULL. */
  boolean isNull(int column);
}
