package dev.agentstore.postgres.internal;

import dev.agentstore.internal.Blake3;
import dev.agentstore.internal.Conn;
import dev.agentstore.internal.RecallOps;
import dev.agentstore.internal.RecallSql;
import dev.agentstore.internal.SqlDialect;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.List;

/**
 * PostgreSQL's {@code _agent_store_vec}, for a server without pgvector: vectors as BYTEA, scanned
 * exactly in Java. A scan streams: pgjdbc fetches rows in batches only inside a transaction, so one
 * is opened for a scan made outside the caller's. A server with pgvector would use a subclass that
 * adds a {@code vector(n)} column with an HNSW index and answers {@link #indexedSearch}.
 */
public class PostgresRecallSql extends RecallSql {
  private final String quotedSchema;

  /**
   * @param dialect the schema's dialect
   * @param quotedSchema the schema, quoted as an identifier
   */
  public PostgresRecallSql(SqlDialect dialect, String quotedSchema) {
    super(dialect, quotedSchema + "." + VEC_TABLE, quotedSchema + "." + SqlDialect.LOG_TABLE);
    this.quotedSchema = quotedSchema;
  }

  @Override
  public List<String> createStatements() {
    return List.of(
        "CREATE TABLE IF NOT EXISTS "
            + quotedSchema
            + "."
            + VEC_TABLE
            + " (stream TEXT NOT NULL, writer TEXT NOT NULL, seq BIGINT NOT NULL,"
            + " model TEXT NOT NULL, content_hash BYTEA NOT NULL, dimension INTEGER NOT NULL,"
            + " vector BYTEA NOT NULL, PRIMARY KEY (stream, writer, seq, model))",
        "CREATE INDEX IF NOT EXISTS "
            + MODEL_INDEX
            + " ON "
            + quotedSchema
            + "."
            + VEC_TABLE
            + " (model, dimension)");
  }

  @Override
  public List<SqlDialect.Column> expected() {
    return List.of(
        new SqlDialect.Column("stream", "TEXT", true, 1),
        new SqlDialect.Column("writer", "TEXT", true, 2),
        new SqlDialect.Column("seq", "BIGINT", true, 3),
        new SqlDialect.Column("model", "TEXT", true, 4),
        new SqlDialect.Column("content_hash", "BYTEA", true, 0),
        new SqlDialect.Column("dimension", "INTEGER", true, 0),
        new SqlDialect.Column("vector", "BYTEA", true, 0));
  }

  @Override
  public void lockNewModel(Conn conn, String model) throws SQLException {
    // Transaction-scoped, so it is released at the commit that makes the first vectors visible;
    // under READ COMMITTED the waiting writer's next statement then sees them.
    try (var statement = conn.jdbc().prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
      statement.setLong(1, modelLockKey(model));
      statement.execute();
    }
  }

  /** The advisory-lock key of a model's first vectors in this schema. */
  private long modelLockKey(String model) {
    byte[] name = ("recall\0" + quotedSchema + '\0' + model).getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.wrap(Blake3.hash(name)).getLong();
  }

  @Override
  public boolean beginScan(Conn conn) throws SQLException {
    if (!conn.jdbc().getAutoCommit()) {
      return false;
    }
    conn.jdbc().setAutoCommit(false);
    return true;
  }

  @Override
  public int fetchSize() {
    return RecallOps.SCAN_FETCH_SIZE;
  }

  @Override
  public void endScan(Conn conn, boolean changed) throws SQLException {
    if (changed) {
      // The scan only read: rolling back ends its transaction without a commit record.
      conn.jdbc().rollback();
      conn.jdbc().setAutoCommit(true);
    }
  }
}
