package dev.agentstore.internal;

import dev.agentstore.InvalidInputException;
import dev.agentstore.Row;
import dev.agentstore.StoreException;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/** A {@link Row} over the current row of a JDBC result set, with driver errors translated. */
final class JdbcRow implements Row {
  private final ResultSet resultSet;

  JdbcRow(ResultSet resultSet) {
    this.resultSet = resultSet;
  }

  @FunctionalInterface
  private interface Getter<T> {
    T get() throws SQLException;
  }

  private <T> T get(Object column, Getter<T> getter) {
    try {
      return getter.get();
    } catch (SQLException e) {
      throw new InvalidInputException("cannot read column " + column + ": " + e.getMessage());
    }
  }

  @Override
  public int columnCount() {
    try {
      return resultSet.getMetaData().getColumnCount();
    } catch (SQLException e) {
      throw new StoreException("cannot read result metadata: " + e.getMessage(), e);
    }
  }

  @Override
  public long getLong(int column) {
    return get(column, () -> resultSet.getLong(column));
  }

  @Override
  public long getLong(String column) {
    return get(column, () -> resultSet.getLong(column));
  }

  @Override
  public double getDouble(int column) {
    return get(column, () -> resultSet.getDouble(column));
  }

  @Override
  public @Nullable String getString(int column) {
    return get(column, () -> resultSet.getString(column));
  }

  @Override
  public @Nullable String getString(String column) {
    return get(column, () -> resultSet.getString(column));
  }

  @Override
  public byte @Nullable [] getBytes(int column) {
    return get(column, () -> resultSet.getBytes(column));
  }

  @Override
  public byte @Nullable [] getBytes(String column) {
    return get(column, () -> resultSet.getBytes(column));
  }

  @Override
  public @Nullable Object getObject(int column) {
    return get(column, () -> resultSet.getObject(column));
  }

  @Override
  public boolean isNull(int column) {
    return get(
        column,
        () -> {
          resultSet.getObject(column);
          return resultSet.wasNull();
        });
  }
}
