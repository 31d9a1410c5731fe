package dev.agentstore.internal;

import java.io.ByteArrayInputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A JDBC connection with a bounded cache of prepared statements. Used by one thread at a time: the
 * backend hands it out and takes it back.
 */
public final class Conn implements AutoCloseable {
  private static final int MAX_CACHED_STATEMENTS = 64;

  private final Connection connection;
  private final List<String> restores = new ArrayList<>();
  private final Map<String, PreparedStatement> statements =
      new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
          if (size() <= MAX_CACHED_STATEMENTS) {
            return false;
          }
          closeQuietly(eldest.getValue());
          return true;
        }
      };

  public Conn(Connection connection) {
    this.connection = connection;
  }

  public Connection jdbc() {
    return connection;
  }

  /** A prepared statement for {@code sql}, reused across calls; parameters are cleared. */
  public PreparedStatement prepare(String sql) throws SQLException {
    PreparedStatement cached = statements.get(sql);
    if (cached != null) {
      try {
        cached.clearParameters();
        return cached;
      } catch (SQLException unusable) {
        // sqlite-jdbc finalizes a statement whose step failed with anything but busy, locked or a
        // constraint (read-only, disk full, I/O error) yet still reports it open; replace it, or
        // every later use of this SQL on this connection would fail.
        statements.remove(sql);
        closeQuietly(cached);
      }
    }
    PreparedStatement statement = connection.prepareStatement(sql);
    statements.put(sql, statement);
    return statement;
  }

  /** Prepares {@code sql} and binds {@code params} in order. */
  public PreparedStatement prepare(String sql, @Nullable Object... params) throws SQLException {
    PreparedStatement statement = prepare(sql);
    bind(statement, params);
    return statement;
  }

  /**
   * Bytes bound as a stream over the array rather than with {@code setBytes}: for drivers whose
   * {@code setBytes} copies the array (PostgreSQL's does), which for a batch of large payloads
   * holds a second copy of every payload until the batch runs. The array must not change until the
   * statement has run.
   */
  public record StreamedBytes(byte[] bytes) {}

  /**
   * Binds positional parameters; {@code byte[]} as a BLOB, {@link StreamedBytes} as a BLOB read
   * from the array, {@code null} as SQL NULL.
   */
  public static void bind(PreparedStatement statement, @Nullable Object... params)
      throws SQLException {
    for (int i = 0; i < params.length; i++) {
      Object value = params[i];
      if (value == null) {
        statement.setNull(i + 1, Types.NULL);
      } else if (value instanceof byte[] bytes) {
        statement.setBytes(i + 1, bytes);
      } else if (value instanceof StreamedBytes streamed) {
        byte[] bytes = streamed.bytes();
        statement.setBinaryStream(i + 1, new ByteArrayInputStream(bytes), bytes.length);
      } else if (value instanceof String text) {
        statement.setString(i + 1, text);
      } else if (value instanceof Long || value instanceof Integer || value instanceof Short) {
        statement.setLong(i + 1, ((Number) value).longValue());
      } else {
        statement.setObject(i + 1, value);
      }
    }
  }

  /**
   * Runs {@code change}, a statement that alters a session setting for the current call, and
   * remembers {@code restore}, which {@link #restoreSettings} runs to put it back.
   */
  public void changeSetting(String change, String restore) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(change);
    }
    restores.add(restore);
  }

  /** Whether a setting changed by {@link #changeSetting} is still to be restored. */
  public boolean settingsChanged() {
    return !restores.isEmpty();
  }

  /** Puts back every setting changed by {@link #changeSetting}, the latest first. */
  public void restoreSettings() throws SQLException {
    while (!restores.isEmpty()) {
      String restore = restores.remove(restores.size() - 1);
      try (Statement statement = connection.createStatement()) {
        statement.execute(restore);
      }
    }
  }

  /** Forgets every cached statement (after the schema changed under them). */
  public void clearStatements() {
    statements.values().forEach(Conn::closeQuietly);
    statements.clear();
  }

  @Override
  public void close() {
    clearStatements();
    try {
      connection.close();
    } catch (SQLException ignored) {
      // Closing is best effort: the connection is discarded either way.
    }
  }

  private static void closeQuietly(PreparedStatement statement) {
    try {
      statement.close();
    } catch (SQLException ignored) {
      // A statement that cannot close is dropped with its connection.
    }
  }
}
