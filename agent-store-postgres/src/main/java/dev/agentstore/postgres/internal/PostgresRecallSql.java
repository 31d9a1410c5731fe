package dev.agentstore.postgres.internal;

import dev.agentstore.RecallFilter;
import dev.agentstore.internal.Blake3;
import dev.agentstore.internal.Conn;
import dev.agentstore.internal.JdbcBackend;
import dev.agentstore.internal.RecallOps;
import dev.agentstore.internal.RecallSql;
import dev.agentstore.internal.SqlDialect;
import dev.agentstore.internal.TopK;
import dev.agentstore.postgres.HnswOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * PostgreSQL's {@code _agent_store_vec}: vectors as BYTEA, scanned exactly in Java. A scan streams:
 * pgjdbc fetches rows in batches only inside a transaction, so one is opened for a scan made
 * outside the caller's.
 *
 * <p>When the database has the pgvector extension at {@code Recall.ensureSchema} time, {@link
 * PgvectorIndex} adds a side table of {@code vector} values kept in step with this one by a
 * trigger, with one HNSW index per model and dimension, and searches go through it ({@link
 * #indexedSearch}); the BYTEA table stays the truth, the exact scan the fallback.
 */
public class PostgresRecallSql extends RecallSql {
  private final String quotedSchema;
  private final PgvectorIndex pgvector;

  /**
   * @param dialect the schema's dialect
   * @param quotedSchema the schema, quoted as an identifier
   * @param hnsw the HNSW parameters for a server with pgvector
   */
  public PostgresRecallSql(SqlDialect dialect, String quotedSchema, HnswOptions hnsw) {
    super(dialect, quotedSchema + "." + VEC_TABLE, quotedSchema + "." + SqlDialect.LOG_TABLE);
    this.quotedSchema = quotedSchema;
    this.pgvector = new PgvectorIndex(quotedSchema, hnsw);
  }

  /** {@link RecallSql#conditions} for {@link PgvectorIndex}'s search. */
  static String filterConditions(String alias, RecallFilter filter) {
    return conditions(alias, filter);
  }

  @Override
  public void ensureIndexes(JdbcBackend backend) {
    pgvector.ensure(backend);
  }

  @Override
  public @Nullable TopK indexedSearch(
      Conn conn,
      String model,
      int dimension,
      float[] query,
      double queryNorm,
      int k,
      RecallFilter filter)
      throws SQLException {
    return pgvector.search(conn, model, dimension, query, queryNorm, k, filter);
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
