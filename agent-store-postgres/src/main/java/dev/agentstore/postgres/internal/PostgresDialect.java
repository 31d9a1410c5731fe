package dev.agentstore.postgres.internal;

import dev.agentstore.Dialect;
import dev.agentstore.internal.Blake3;
import dev.agentstore.internal.Conn;
import dev.agentstore.internal.RecallSql;
import dev.agentstore.internal.SqlDialect;
import dev.agentstore.postgres.HnswOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** PostgreSQL's SQL: the reference layout with BIGINT and BYTEA, in a chosen schema. */
public final class PostgresDialect extends SqlDialect {
  private final String schema;
  private final String quotedSchema;
  private final RecallSql recall;

  public PostgresDialect(String schema) {
    this(schema, HnswOptions.defaults());
  }

  /** The dialect of {@code schema}, with these HNSW parameters for a server with pgvector. */
  public PostgresDialect(String schema, HnswOptions hnsw) {
    super(
        quote(schema) + "." + LOG_TABLE,
        quote(schema) + "." + META_TABLE,
        quote(schema) + "." + SIG_TABLE);
    this.schema = schema;
    this.quotedSchema = quote(schema);
    this.recall = new PostgresRecallSql(this, quotedSchema, hnsw);
  }

  @Override
  public RecallSql recall() {
    return recall;
  }

  /** {@code name} as a quoted identifier. */
  public static String quote(String name) {
    return Dialect.POSTGRES.quoteIdentifier(name);
  }

  public String schema() {
    return schema;
  }

  @Override
  public List<String> prepareSchema() {
    // Checked first: CREATE SCHEMA IF NOT EXISTS still needs the CREATE privilege on the database,
    // which a user limited to an existing schema does not have.
    String literal = "'" + schema.replace("'", "''") + "'";
    String body =
        "BEGIN IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = "
            + literal
            + ") THEN CREATE SCHEMA "
            + quotedSchema
            + "; END IF; END";
    return List.of("DO " + dollarQuoted(" " + body + " "));
  }

  /**
   * {@code body} between dollar quotes whose tag it does not contain, so that no name inside it (a
   * schema called {@code fleet$fn$a}, say) can end the quoted text early.
   */
  public static String dollarQuoted(String body) {
    String tag = "$agent_store$";
    for (int i = 1; body.contains(tag); i++) {
      tag = "$agent_store" + i + "$";
    }
    return tag + body + tag;
  }

  /**
   * The advisory-lock key of a chain in this schema: both its appenders' lock and the one-statement
   * guard. Advisory locks are shared by the whole database, so the schema is part of the key: two
   * fleets in different schemas with the same chain names never wait for each other.
   */
  public long chainLockKey(String stream, String writer) {
    byte[] name = (schema + '\0' + stream + '\0' + writer).getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.wrap(Blake3.hash(name)).getLong();
  }

  @Override
  protected String chainFree() {
    // Fails (and the insert does nothing) while a transaction holds the chain's advisory lock;
    // taken, it lasts only as long as the one-statement append's own transaction.
    return "pg_try_advisory_xact_lock(?)";
  }

  @Override
  public String lockedHead() {
    // pgjdbc sends both statements before it waits for a reply; under READ COMMITTED the second
    // takes its snapshot after the first returned, so it sees the previous lock holder's commit.
    return "SELECT pg_advisory_xact_lock(?); " + head();
  }

  @Override
  public List<Object> lockedHeadParameters(String stream, String writer) {
    return List.<Object>of(chainLockKey(stream, writer), stream, writer);
  }

  @Override
  public String insertCommitting() {
    // The COMMIT rides with the INSERT: the chain's lock is held one round trip less. pgjdbc sees
    // the transaction end in the server's reply, and its own commit() then sends nothing.
    return insert() + "; COMMIT";
  }

  /** pgjdbc's setBytes copies the array; a stream over it is read only when the batch is sent. */
  @Override
  public Object payloadParameter(byte[] payload) {
    return new Conn.StreamedBytes(payload);
  }

  @Override
  public List<Object> chainFreeParameters(String stream, String writer) {
    return List.<Object>of(chainLockKey(stream, writer));
  }

  @Override
  public String createMeta() {
    return "CREATE TABLE IF NOT EXISTS "
        + quotedSchema
        + "."
        + META_TABLE
        + " (key TEXT PRIMARY KEY, ival BIGINT NOT NULL)";
  }

  @Override
  public String createLog() {
    return "CREATE TABLE IF NOT EXISTS "
        + quotedSchema
        + "."
        + LOG_TABLE
        + " (stream TEXT NOT NULL, writer TEXT NOT NULL, seq BIGINT NOT NULL, prev_hash BYTEA,"
        + " content_hash BYTEA NOT NULL, payload BYTEA NOT NULL, PRIMARY KEY (stream, writer, seq))";
  }

  @Override
  public String createSig() {
    return "CREATE TABLE IF NOT EXISTS "
        + quotedSchema
        + "."
        + SIG_TABLE
        + " (stream TEXT NOT NULL, writer TEXT NOT NULL, seq BIGINT NOT NULL,"
        + " public_key BYTEA NOT NULL, signature BYTEA NOT NULL, PRIMARY KEY (stream, writer, seq))";
  }

  @Override
  public List<Column> expectedSig() {
    return List.of(
        new Column("stream", "TEXT", true, 1),
        new Column("writer", "TEXT", true, 2),
        new Column("seq", "BIGINT", true, 3),
        new Column("public_key", "BYTEA", true, 0),
        new Column("signature", "BYTEA", true, 0));
  }

  @Override
  public String tableExists() {
    return "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        + " WHERE n.nspname = '"
        + schema.replace("'", "''")
        + "' AND c.relname = ? AND c.relkind IN ('r', 'p')";
  }

  @Override
  public List<Column> expectedMeta() {
    return List.of(new Column("key", "TEXT", true, 1), new Column("ival", "BIGINT", true, 0));
  }

  @Override
  public List<Column> expectedLog() {
    return List.of(
        new Column("stream", "TEXT", true, 1),
        new Column("writer", "TEXT", true, 2),
        new Column("seq", "BIGINT", true, 3),
        new Column("prev_hash", "BYTEA", false, 0),
        new Column("content_hash", "BYTEA", true, 0),
        new Column("payload", "BYTEA", true, 0));
  }

  @Override
  public List<Column> columns(Conn conn, String table) throws SQLException {
    // From pg_catalog, which every role may read: the information_schema views hide the
    // constraints of tables a role holds no privilege on beyond SELECT, so a reader would see no
    // primary key at all.
    String sql =
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,"
            + " COALESCE((SELECT k.position FROM pg_index i,"
            + "   unnest(i.indkey) WITH ORDINALITY AS k(attnum, position)"
            + "   WHERE i.indrelid = c.oid AND i.indisprimary AND k.attnum = a.attnum), 0)"
            + " FROM pg_class c"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
            + " WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')"
            + " ORDER BY a.attnum";
    PreparedStatement statement = conn.prepare(sql, schema, table);
    List<Column> columns = new ArrayList<>();
    try (ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        columns.add(
            new Column(
                rows.getString(1),
                rows.getString(2).toUpperCase(Locale.ROOT),
                rows.getBoolean(3),
                rows.getInt(4)));
      }
    }
    return columns;
  }

  @Override
  protected String wellFormed() {
    // BYTEA columns hold nothing but bytes, and hash lengths are checked on the bytes read.
    return "1";
  }

  @Override
  public String byteOrder(String column) {
    return Dialect.POSTGRES.orderByBytes(column);
  }
}
