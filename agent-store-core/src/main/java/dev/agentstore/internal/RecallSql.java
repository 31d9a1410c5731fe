package dev.agentstore.internal;

import dev.agentstore.RecallFilter;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The SQL of {@code Recall} for one backend: the vector side table {@code _agent_store_vec} and the
 * statements on it. Statements common to every backend are written here once; a backend's subclass
 * supplies the types, and may change how a scan runs ({@link #beginScan}) or answer searches with
 * an index of its own ({@link #indexedSearch}), which is where a PostgreSQL server with pgvector
 * plugs in a {@code vector(n)} column and an HNSW index.
 *
 * <p>Vectors are keyed like entries plus the model, {@code (stream, writer, seq, model)}, and carry
 * the content hash of the entry they were computed from: a vector whose entry was rewritten no
 * longer matches it and is never returned as current. The two reference tables are never altered.
 */
public abstract class RecallSql {
  /** The vector side table. */
  public static final String VEC_TABLE = "_agent_store_vec";

  /** The index on {@code (model, dimension)}, for a model's dimension and for per-model scans. */
  public static final String MODEL_INDEX = "_agent_store_vec_model";

  private final SqlDialect dialect;
  private final String vec;
  private final String log;

  /**
   * @param dialect the backend's dialect, for the log's statements
   * @param vec the vector table as statements name it (schema-qualified where the backend needs it)
   * @param log the log table as statements name it
   */
  protected RecallSql(SqlDialect dialect, String vec, String log) {
    this.dialect = dialect;
    this.vec = vec;
    this.log = log;
  }

  /** {@code CREATE TABLE IF NOT EXISTS} for the vector table, then its index; idempotent. */
  public abstract List<String> createStatements();

  /** The layout {@link #createStatements()} makes, as {@link SqlDialect#columns} reports it. */
  public abstract List<SqlDialect.Column> expected();

  /** The condition that keeps the rows of one model (binds the model) on the row {@code alias}. */
  protected String modelTerm(String alias) {
    return alias + ".model = ?";
  }

  /**
   * Stores (or replaces) the vector of one entry for one model, taking the entry's content hash
   * from the log: binds model, dimension, vector, stream, writer, seq and, {@code withHash}, the
   * content hash the entry must have. Changes no row when there is no such entry.
   */
  public String upsert(boolean withHash) {
    return "INSERT INTO "
        + vec
        + " (stream, writer, seq, model, content_hash, dimension, vector)"
        + " SELECT stream, writer, seq, ?, content_hash, CAST(? AS INTEGER), ? FROM "
        + log
        + " WHERE stream = ? AND writer = ? AND seq = ?"
        + (withHash ? " AND content_hash = ?" : "")
        + " ON CONFLICT (stream, writer, seq, model) DO UPDATE SET"
        + " content_hash = excluded.content_hash, dimension = excluded.dimension,"
        + " vector = excluded.vector";
  }

  /** The content hash of one entry (binds stream, writer, seq); no row when there is none. */
  public String entryHash() {
    return "SELECT content_hash FROM " + log + " WHERE stream = ? AND writer = ? AND seq = ?";
  }

  /** The dimension of a model's stored vectors (binds model); no row when it has none. */
  public String modelDimension() {
    return "SELECT dimension FROM " + vec + " WHERE model = ? LIMIT 1";
  }

  /**
   * The scan of a search: vector, stream, writer, seq and content hash of every vector of a model
   * (binds model, then {@link #filterParameters}). With {@code current}, only vectors whose entry
   * still has the content hash they were indexed for; without, every stored vector (the caller then
   * checks its best hits against the log).
   */
  public String scan(RecallFilter filter, boolean current) {
    String select = "SELECT v.vector, v.stream, v.writer, v.seq, v.content_hash FROM " + vec + " v";
    if (current) {
      select +=
          " JOIN "
              + log
              + " l ON l.stream = v.stream AND l.writer = v.writer AND l.seq = v.seq"
              + " AND l.content_hash = v.content_hash";
    }
    return select + " WHERE " + modelTerm("v") + conditions("v", filter);
  }

  /** One entry, with the columns {@code ChainReader.read} expects: binds stream, writer, seq. */
  public String entry() {
    return dialect.pageThrough();
  }

  /** The parameters of {@link #entry()} for one entry. */
  public static Object[] entryParameters(String stream, String writer, long seq) {
    return new Object[] {stream, writer, seq - 1, seq, 1};
  }

  /** Deletes every vector of one entry, of every model: binds stream, writer, seq. */
  public String forget() {
    return "DELETE FROM " + vec + " WHERE stream = ? AND writer = ? AND seq = ?";
  }

  /**
   * Entries of the log with no current vector for a model (none at all, or one indexed for another
   * content hash), in (stream, writer, seq) order: the {@code ChainReader.read} columns then stream
   * and writer. Binds {@link #filterParameters}, the model and the limit.
   */
  public String unindexed(RecallFilter filter) {
    return "SELECT seq, prev_hash, content_hash, payload, "
        + dialect.wellFormed()
        + ", stream, writer FROM "
        + log
        + " l WHERE 1 = 1"
        + conditions("l", filter)
        + " AND NOT EXISTS (SELECT 1 FROM "
        + vec
        + " v WHERE v.stream = l.stream AND v.writer = l.writer AND v.seq = l.seq"
        + " AND v.model = ? AND v.content_hash = l.content_hash) ORDER BY "
        + dialect.byteOrder("l.stream")
        + ", "
        + dialect.byteOrder("l.writer")
        + ", l.seq LIMIT ?";
  }

  /** A condition on the vector row {@code v}: its entry is gone or has another content hash. */
  private String staleCondition(String v) {
    return " AND NOT EXISTS (SELECT 1 FROM "
        + log
        + " l WHERE l.stream = "
        + v
        + ".stream AND l.writer = "
        + v
        + ".writer AND l.seq = "
        + v
        + ".seq AND l.content_hash = "
        + v
        + ".content_hash)";
  }

  /** Stale vectors of a model, in key order (binds model, limit): stream, writer, seq. */
  public String stale() {
    return "SELECT v.stream, v.writer, v.seq FROM "
        + vec
        + " v WHERE v.model = ?"
        + staleCondition("v")
        + " ORDER BY "
        + dialect.byteOrder("v.stream")
        + ", "
        + dialect.byteOrder("v.writer")
        + ", v.seq LIMIT ?";
  }

  /** Deletes the stale vectors of a model (binds model). */
  public String forgetStale() {
    // The table's own name, unqualified, is how PostgreSQL and SQLite both let a subquery of a
    // DELETE refer to the row being deleted.
    return "DELETE FROM " + vec + " WHERE model = ?" + staleCondition(VEC_TABLE);
  }

  /**
   * {@code AND} conditions for {@code filter} on the row {@code alias}, in the order of {@link
   * #filterParameters}.
   */
  protected static String conditions(String alias, RecallFilter filter) {
    StringBuilder out = new StringBuilder();
    if (filter.selectedStream().isPresent()) {
      out.append(" AND ").append(alias).append(".stream = ?");
    }
    if (filter.selectedWriter().isPresent()) {
      out.append(" AND ").append(alias).append(".writer = ?");
    }
    if (filter.fromSeq() > 1) {
      out.append(" AND ").append(alias).append(".seq >= ?");
    }
    if (filter.toSeq() < Long.MAX_VALUE) {
      out.append(" AND ").append(alias).append(".seq <= ?");
    }
    return out.toString();
  }

  /** The values the conditions of {@code filter} bind, in order. */
  public static List<Object> filterParameters(RecallFilter filter) {
    List<Object> out = new java.util.ArrayList<>(4);
    filter.selectedStream().ifPresent(out::add);
    filter.selectedWriter().ifPresent(out::add);
    if (filter.fromSeq() > 1) {
      out.add(filter.fromSeq());
    }
    if (filter.toSeq() < Long.MAX_VALUE) {
      out.add(filter.toSeq());
    }
    return out;
  }

  /**
   * Called inside the write transaction that stores the first vectors of a model which had none,
   * before it checks the dimension again: takes a lock that makes concurrent first writers of the
   * same model wait for each other, so they cannot store two dimensions. The default does nothing:
   * SQLite's write transactions already exclude each other.
   */
  public void lockNewModel(Conn conn, String model) throws SQLException {}

  /**
   * Prepares {@code conn} for a scan that streams its rows; returns whether it changed something
   * {@link #endScan} must undo. The default does nothing: SQLite steps through rows as they are
   * read.
   */
  public boolean beginScan(Conn conn) throws SQLException {
    return false;
  }

  /** The fetch size a scan's statement gets; 0 leaves the driver's default. */
  public int fetchSize() {
    return 0;
  }

  /** Undoes {@link #beginScan} when it returned true. */
  public void endScan(Conn conn, boolean changed) throws SQLException {}

  /**
   * Binds the parameters of {@link #upsert}: model, dimension, the stored bytes of {@code vector},
   * stream, writer, seq and, when not null, the expected content hash. A subclass whose {@link
   * #upsert} also writes the vector in another form (a pgvector column) overrides both.
   */
  public void bindUpsert(
      PreparedStatement upsert,
      String model,
      float[] vector,
      byte[] stored,
      String stream,
      String writer,
      long seq,
      byte @Nullable [] expectedHash)
      throws SQLException {
    if (expectedHash == null) {
      Conn.bind(upsert, model, vector.length, stored, stream, writer, seq);
    } else {
      Conn.bind(upsert, model, vector.length, stored, stream, writer, seq, expectedHash);
    }
  }

  /**
   * Called by {@code Recall.ensureSchema} once the vector table exists: where a backend sets up the
   * index its {@link #indexedSearch} uses, when the server has what it needs. The default does
   * nothing.
   */
  public void ensureIndexes(JdbcBackend backend) {}

  /**
   * The best candidates of a search, found with an index of the backend's own, scored exactly and
   * kept in a {@link TopK} of {@code k}; or null (the default) to scan every vector instead. Runs
   * inside the search's read on {@code conn}; the caller reads the hits' entries and falls back to
   * the exact scan when one of them is stale.
   *
   * @param dimension the model's stored dimension, equal to {@code query.length}
   */
  public @Nullable TopK indexedSearch(
      Conn conn,
      String model,
      int dimension,
      float[] query,
      double queryNorm,
      int k,
      RecallFilter filter)
      throws SQLException {
    return null;
  }
}
