package dev.agentstore.cli;

import dev.agentstore.Backend;
import dev.agentstore.Dialect;
import dev.agentstore.Durability;
import dev.agentstore.Generation;
import dev.agentstore.WriterLog;
import dev.agentstore.postgres.PostgresBackend;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An open store, with the catalog queries the command needs and the library does not offer: chains
 * with their entry counts, every generation, table presence and row counts. The queries read the
 * reference layout directly, so they also describe chains whose rows are malformed.
 */
final class Store implements AutoCloseable {
  static final String LOG = "_agent_store_log";
  static final String META = "_agent_store_meta";

  /** A chain as stored: its entry count and the seq and content hash of its last row. */
  record Chain(String stream, String writer, long entries, long headSeq, byte[] headHash) {
    String name() {
      return stream + "/" + writer;
    }
  }

  /** A generation counter and its value. */
  record Counter(String key, long value) {}

  private final Backend db;
  private final @Nullable Durability durability;
  private final Map<String, Boolean> tables = new HashMap<>();

  Store(Backend db, @Nullable Durability durability) {
    this.db = db;
    this.durability = durability;
  }

  Backend db() {
    return db;
  }

  String describe() {
    return db.describe();
  }

  boolean isPostgres() {
    return db.dialect() == Dialect.POSTGRES;
  }

  /** The {@code synchronous} setting agent-store's SQLite writers use; null for PostgreSQL. */
  @Nullable Durability durability() {
    return durability;
  }

  /** The PostgreSQL schema, or null for SQLite. */
  @Nullable String schema() {
    return db instanceof PostgresBackend postgres ? postgres.schema() : null;
  }

  /** {@code table} as statements must name it. */
  String table(String table) {
    String schema = schema();
    return schema == null ? table : db.dialect().quoteIdentifier(schema) + "." + table;
  }

  /** {@code column} ordered by its UTF-8 bytes, the library's order for names. */
  private String byteOrder(String column) {
    return db.dialect().orderByBytes(column);
  }

  boolean hasTable(String table) {
    return tables.computeIfAbsent(
        table,
        name -> {
          String schema = schema();
          List<Long> found =
              schema == null
                  ? db.query(
                      "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
                      row -> row.getLong(1),
                      name)
                  : db.query(
                      // pg_catalog, not information_schema: the latter hides tables on which
                      // the role holds no privilege, and says nothing of why.
                      "SELECT COUNT(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                          + " WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')",
                      row -> row.getLong(1),
                      schema,
                      name);
          return found.get(0) > 0;
        });
  }

  /**
   * Checks that this is an agent-store store: at least one of the two tables exists, and those that
   * exist have the reference layout.
   *
   * @throws CliException (store) when neither table exists
   * @throws dev.agentstore.SchemaMismatchException when a table has another layout
   */
  void requireTables() {
    boolean log = hasTable(LOG);
    boolean meta = hasTable(META);
    if (!log && !meta) {
      throw CliException.store(
          describe() + " holds no agent-store tables (" + LOG + " and " + META + " are missing)");
    }
    // Checks only: a command that reads must not need (or use) the rights to change the store.
    if (log) {
      WriterLog.checkSchema(db);
    }
    if (meta) {
      Generation.checkSchema(db);
    }
  }

  /** Creates the tables where missing, for commands that write. */
  void ensureTables() {
    WriterLog.ensureSchema(db);
    Generation.ensureSchema(db);
    tables.clear();
  }

  /** Every chain (of {@code stream}, when given), ordered by stream and writer in byte order. */
  List<Chain> chains(@Nullable String stream) {
    if (!hasTable(LOG)) {
      return List.of();
    }
    String log = table(LOG);
    String sql =
        "SELECT h.stream, h.writer, h.n, h.seq, l.content_hash FROM"
            + " (SELECT stream, writer, COUNT(*) AS n, MAX(seq) AS seq FROM "
            + log
            + (stream == null ? "" : " WHERE stream = ?")
            + " GROUP BY stream, writer) h JOIN "
            + log
            + " l ON l.stream = h.stream AND l.writer = h.writer AND l.seq = h.seq"
            + " ORDER BY "
            + byteOrder("h.stream")
            + ", "
            + byteOrder("h.writer");
    Object[] params = stream == null ? new Object[0] : new Object[] {stream};
    return db.query(
        sql,
        row -> {
          byte[] hash = row.getBytes(5);
          return new Chain(
              String.valueOf(row.getString(1)),
              String.valueOf(row.getString(2)),
              row.getLong(3),
              row.getLong(4),
              hash == null ? new byte[0] : hash);
        },
        params);
  }

  /** The chain {@code stream/writer}, or null when it has no entries. */
  @Nullable Chain chain(String stream, String writer) {
    for (Chain chain : chains(stream)) {
      if (chain.writer().equals(writer)) {
        return chain;
      }
    }
    return null;
  }

  /** Every generation counter, ordered by key in byte order. */
  List<Counter> counters() {
    if (!hasTable(META)) {
      return List.of();
    }
    List<String> keys =
        db.query(
            "SELECT key FROM " + table(META) + " ORDER BY " + byteOrder("key"),
            row -> String.valueOf(row.getString(1)));
    // Each value through Generation.current, which reads it exactly or names the malformed row.
    List<Counter> counters = new ArrayList<>(keys.size());
    for (String key : keys) {
      counters.add(new Counter(key, new Generation(key).current(db)));
    }
    return counters;
  }

  /**
   * Inserts the counter {@code key} at {@code value}, any value, when it has no row; returns
   * whether it did. {@link Generation#set} cannot create a counter below 0: an absent one reads 0.
   */
  boolean addCounter(String key, long value) {
    return db.exec(
            "INSERT INTO "
                + table(META)
                + " (key, ival) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
            key,
            value)
        > 0;
  }

  /**
   * Raises the counter {@code key} to {@code value} when it is below; returns whether it did. Plain
   * SQL rather than {@link Generation#set}: a copy writes back keys it read, which may be empty or
   * longer than the limit on keys the library creates.
   */
  boolean raiseCounter(String key, long value) {
    return db.exec(
            "UPDATE " + table(META) + " SET ival = ? WHERE key = ? AND ival < ?", value, key, value)
        > 0;
  }

  /** The rows of {@code table}; 0 when it does not exist. */
  long rows(String table) {
    if (!hasTable(table)) {
      return 0;
    }
    return db.query("SELECT COUNT(*) FROM " + table(table), row -> row.getLong(1)).get(0);
  }

  /** Streams in byte order with their chains, from {@link #chains}. */
  static List<List<Chain>> byStream(List<Chain> chains) {
    List<List<Chain>> streams = new ArrayList<>();
    for (Chain chain : chains) {
      if (streams.isEmpty()
          || !streams.get(streams.size() - 1).get(0).stream().equals(chain.stream())) {
        streams.add(new ArrayList<>());
      }
      streams.get(streams.size() - 1).add(chain);
    }
    return streams;
  }

  @Override
  public void close() {
    db.close();
  }
}
