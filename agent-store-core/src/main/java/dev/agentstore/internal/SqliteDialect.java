package dev.agentstore.internal;

import dev.agentstore.Dialect;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** SQLite's SQL: exactly the reference crate's table definitions. */
public final class SqliteDialect extends SqlDialect {
  public static final SqliteDialect INSTANCE = new SqliteDialect();

  private final RecallSql recall = new SqliteRecallSql(this);

  private SqliteDialect() {
    super(LOG_TABLE, META_TABLE, SIG_TABLE);
  }

  @Override
  public RecallSql recall() {
    return recall;
  }

  @Override
  public String createMeta() {
    return "CREATE TABLE IF NOT EXISTS _agent_store_meta (key TEXT PRIMARY KEY, ival INTEGER NOT"
        + " NULL)";
  }

  @Override
  public String createLog() {
    return "CREATE TABLE IF NOT EXISTS _agent_store_log (stream TEXT NOT NULL, writer TEXT NOT"
        + " NULL, seq INTEGER NOT NULL, prev_hash BLOB, content_hash BLOB NOT NULL, payload BLOB"
        + " NOT NULL, PRIMARY KEY (stream, writer, seq))";
  }

  @Override
  public String createSig() {
    return "CREATE TABLE IF NOT EXISTS _agent_store_sig (stream TEXT NOT NULL, writer TEXT NOT"
        + " NULL, seq INTEGER NOT NULL, public_key BLOB NOT NULL, signature BLOB NOT NULL,"
        + " PRIMARY KEY (stream, writer, seq))";
  }

  @Override
  public List<Column> expectedSig() {
    return List.of(
        new Column("stream", "TEXT", true, 1),
        new Column("writer", "TEXT", true, 2),
        new Column("seq", "INTEGER", true, 3),
        new Column("public_key", "BLOB", true, 0),
        new Column("signature", "BLOB", true, 0));
  }

  @Override
  public String tableExists() {
    return "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?";
  }

  @Override
  public List<Column> expectedMeta() {
    return List.of(new Column("key", "TEXT", false, 1), new Column("ival", "INTEGER", true, 0));
  }

  @Override
  public List<Column> expectedLog() {
    return List.of(
        new Column("stream", "TEXT", true, 1),
        new Column("writer", "TEXT", true, 2),
        new Column("seq", "INTEGER", true, 3),
        new Column("prev_hash", "BLOB", false, 0),
        new Column("content_hash", "BLOB", true, 0),
        new Column("payload", "BLOB", true, 0));
  }

  @Override
  public List<Column> columns(Conn conn, String table) throws SQLException {
    List<Column> columns = new ArrayList<>();
    // PRAGMA takes no bind parameters; table names here are our own constants.
    try (Statement statement = conn.jdbc().createStatement();
        ResultSet rows = statement.executeQuery("PRAGMA table_info(" + table + ")")) {
      while (rows.next()) {
        columns.add(
            new Column(
                rows.getString("name"),
                rows.getString("type").toUpperCase(java.util.Locale.ROOT),
                rows.getInt("notnull") != 0,
                rows.getInt("pk")));
      }
    }
    return columns;
  }

  @Override
  protected String wellFormed() {
    // BLOB sorts after every other storage class, so a comparison with the empty blob tells a BLOB
    // without a function call per column, which costs a fifth of reading a row.
    return "(prev_hash IS NULL OR prev_hash >= x'') AND content_hash >= x'' AND payload >= x''";
  }

  @Override
  public String storageCheck(int maxProblems) {
    // integrity_check, not quick_check: only it compares every index with its table, and an index
    // missing rows hides the tail of a chain from every read that goes through it.
    return "PRAGMA integrity_check(" + maxProblems + ")";
  }

  @Override
  public String storageCheckName() {
    return "PRAGMA integrity_check";
  }

  @Override
  public String byteOrder(String column) {
    return Dialect.SQLITE.orderByBytes(column);
  }

  @Override
  protected String storedAsInteger(String column) {
    return " AND typeof(" + column + ") = 'integer'";
  }
}
