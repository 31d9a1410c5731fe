package dev.agentstore;

import org.jspecify.annotations.Nullable;

/**
 * The current row of a query, as seen by a {@link RowMapper}. Columns are numbered from 1, as in
 * JDBC, or named. Valid only inside {@link RowMapper#map}.
 */
public interface Row {

  int columnCount();

  /** The column's integer value; 0 when it is NULL (check with {@link #isNull}). */
  long getLong(int column);

  long getLong(String column);

  double getDouble(int column);

  @Nullable String getString(int column);

  @Nullable String getString(String column);

  byte @Nullable [] getBytes(int column);

  byte @Nullable [] getBytes(String column);

  @Nullable Object getObject(int column);

  boolean isNull(int column);
}
