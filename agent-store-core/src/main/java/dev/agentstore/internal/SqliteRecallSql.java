package dev.agentstore.internal;

import java.util.List;

/** SQLite's {@code _agent_store_vec}: vectors as BLOBs, scanned in table order. */
final class SqliteRecallSql extends RecallSql {
  SqliteRecallSql(SqlDialect dialect) {
    super(dialect, VEC_TABLE, SqlDialect.LOG_TABLE);
  }

  @Override
  public List<String> createStatements() {
    return List.of(
        "CREATE TABLE IF NOT EXISTS "
            + VEC_TABLE
            + " (stream TEXT NOT NULL, writer TEXT NOT NULL, seq INTEGER NOT NULL,"
            + " model TEXT NOT NULL, content_hash BLOB NOT NULL, dimension INTEGER NOT NULL,"
            + " vector BLOB NOT NULL, PRIMARY KEY (stream, writer, seq, model))",
        "CREATE INDEX IF NOT EXISTS " + MODEL_INDEX + " ON " + VEC_TABLE + " (model, dimension)");
  }

  @Override
  public List<SqlDialect.Column> expected() {
    return List.of(
        new SqlDialect.Column("stream", "TEXT", true, 1),
        new SqlDialect.Column("writer", "TEXT", true, 2),
        new SqlDialect.Column("seq", "INTEGER", true, 3),
        new SqlDialect.Column("model", "TEXT", true, 4),
        new SqlDialect.Column("content_hash", "BLOB", true, 0),
        new SqlDialect.Column("dimension", "INTEGER", true, 0),
        new SqlDialect.Column("vector", "BLOB", true, 0));
  }

  @Override
  protected String modelTerm(String alias) {
    // The unary plus keeps SQLite from reading a whole model through the (model, dimension) index
    // and looking every row up again in the table: a search reads every vector of the model
    // anyway, and the table's own order reads them in one sequential pass. A stream filter still
    // uses the primary key.
    return "+" + alias + ".model = ?";
  }
}
