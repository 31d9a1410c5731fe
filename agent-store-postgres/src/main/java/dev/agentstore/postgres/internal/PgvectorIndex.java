package dev.agentstore.postgres.internal;

import dev.agentstore.RecallFilter;
import dev.agentstore.StoreException;
import dev.agentstore.internal.Blake3;
import dev.agentstore.internal.Conn;
import dev.agentstore.internal.JdbcBackend;
import dev.agentstore.internal.RecallSql;
import dev.agentstore.internal.TopK;
import dev.agentstore.internal.Vectors;
import dev.agentstore.postgres.HnswOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Recall's HNSW index on a PostgreSQL server with pgvector. The BYTEA table {@code
 * _agent_store_vec} stays the truth; beside it, {@code _agent_store_vec_hnsw} holds each vector as
 * pgvector's {@code vector}, kept in step by a trigger on the BYTEA table (so every writer keeps it
 * current, whatever its version) and emptied with it by a cascading foreign key. Each (model,
 * dimension) gets a partial HNSW index with {@code vector_cosine_ops} on {@code
 * embedding::vector(n)}, built when its first vector arrives (by the trigger) or by {@link #ensure}
 * for the vectors already stored.
 *
 * <p>A search asks the index for the {@code k + }{@value #SLACK} nearest candidates ({@code
 * hnsw.ef_search} raised to at least that, iterative scans on for filters), then scores them
 * exactly in Java from their BYTEA vectors like the exact scan, so scores and tie order are the
 * same; only which candidates are found is approximate. Searches for more than {@value
 * #MAX_CANDIDATES} minus the slack, of more than {@value #MAX_INDEXED_DIMENSION} dimensions, or
 * inside a caller's transaction scan exactly.
 *
 * <p>pgvector's objects are named with the extension's schema, since the backend's connections
 * search only their own schema. Thread-safe.
 */
final class PgvectorIndex {
  /** The side table of {@code vector} values. */
  static final String TABLE = "_agent_store_vec_hnsw";

  /** pgvector's HNSW indexes take {@code vector} values of up to this many dimensions. */
  static final int MAX_INDEXED_DIMENSION = 2000;

  /** Candidates beyond {@code k}: ties and float32 distance rounding at the edge of the k best. */
  static final int SLACK = 16;

  /** pgvector's largest {@code hnsw.ef_search}. */
  static final int MAX_CANDIDATES = 1000;

  private static final String INSTALL_LOCK = "recall-pgvector\0";

  /** What a search needs to know about the server, once found. */
  private record Found(String extensionSchema, boolean iterativeScans) {}

  private final String quotedSchema;
  private final String table;
  private final String vec;
  private final HnswOptions hnsw;
  private volatile @Nullable Found found;

  PgvectorIndex(String quotedSchema, HnswOptions hnsw) {
    this.quotedSchema = quotedSchema;
    this.table = quotedSchema + "." + TABLE;
    this.vec = quotedSchema + "." + RecallSql.VEC_TABLE;
    this.hnsw = hnsw;
  }

  // ---------------------------------------------------------------- schema

  /**
   * When the database has the pgvector extension: creates (or updates) the side table, its
   * functions and trigger, copies the vectors stored before, and builds the missing indexes. Does
   * nothing otherwise. Idempotent; concurrent callers wait for each other.
   */
  void ensure(JdbcBackend backend) {
    Found result;
    try {
      result = ensureOrFail(backend);
    } catch (StoreException e) {
      if (e.getCause() instanceof SQLException cause && "42501".equals(cause.getSQLState())) {
        // A role that may not create or replace these objects (an administrator installs them,
        // see installStatements): searches use them when they exist, and scan exactly otherwise.
        return;
      }
      throw e;
    }
    if (result != null) {
      found = result;
    }
  }

  private @Nullable Found ensureOrFail(JdbcBackend backend) {
    return backend.write(
        "setting up the pgvector index of " + vec,
        true,
        tx -> {
          Connection jdbc = tx.conn().jdbc();
          Found extension = extension(jdbc);
          if (extension == null) {
            return null;
          }
          try (PreparedStatement lock = jdbc.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
            lock.setLong(1, installLockKey());
            lock.execute();
          }
          try (Statement statement = jdbc.createStatement()) {
            for (String sql : installStatements(extension.extensionSchema())) {
              statement.execute(sql);
            }
          }
          // The indexes of the models stored before, one call each: a CREATE INDEX run by a
          // query that still reads the table fails ("being used by active queries").
          List<Object[]> models = new ArrayList<>();
          try (Statement statement = jdbc.createStatement();
              ResultSet rows =
                  statement.executeQuery("SELECT DISTINCT model, dimension FROM " + table)) {
            while (rows.next()) {
              models.add(new Object[] {rows.getString(1), rows.getInt(2)});
            }
          }
          try (PreparedStatement index =
              jdbc.prepareStatement(
                  "SELECT " + quotedSchema + "._agent_store_vec_hnsw_index(?, ?)")) {
            for (Object[] model : models) {
              index.setString(1, (String) model[0]);
              index.setInt(2, (Integer) model[1]);
              index.execute();
            }
          }
          return extension;
        });
  }

  /** The extension's schema (quoted) and whether it has iterative scans (0.8+); null without. */
  private static @Nullable Found extension(Connection jdbc) throws SQLException {
    try (Statement statement = jdbc.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT n.nspname, e.extversion FROM pg_extension e"
                    + " JOIN pg_namespace n ON n.oid = e.extnamespace"
                    + " WHERE e.extname = 'vector'")) {
      if (!rows.next()) {
        return null;
      }
      return new Found(PostgresDialect.quote(rows.getString(1)), atLeast(rows.getString(2), 0, 8));
    }
  }

  private static boolean atLeast(String version, int major, int minor) {
    String[] parts = version.split("\\.");
    try {
      int a = Integer.parseInt(parts[0]);
      int b = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
      return a > major || (a == major && b >= minor);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private long installLockKey() {
    byte[] name = (INSTALL_LOCK + quotedSchema).getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.wrap(Blake3.hash(name)).getLong();
  }

  /** The statements {@link #ensure} runs, with pgvector in schema {@code ext} (quoted). */
  List<String> installStatements(String ext) {
    String embedding = quotedSchema + "._agent_store_vec_embedding";
    String indexFunction = quotedSchema + "._agent_store_vec_hnsw_index";
    String sync = quotedSchema + "._agent_store_vec_hnsw_sync";
    List<String> out = new ArrayList<>();
    out.add(
        "CREATE TABLE IF NOT EXISTS "
            + table
            + " (stream TEXT NOT NULL, writer TEXT NOT NULL, seq BIGINT NOT NULL,"
            + " model TEXT NOT NULL, dimension INTEGER NOT NULL, embedding "
            + ext
            + ".vector NOT NULL, PRIMARY KEY (stream, writer, seq, model),"
            + " FOREIGN KEY (stream, writer, seq, model) REFERENCES "
            + vec
            + " (stream, writer, seq, model) ON DELETE CASCADE)");
    // Little-endian float32 bytes to a vector, exactly: sign, exponent and mantissa taken apart
    // in float8 (no float4-from-bits cast exists). NULL for NaN or infinity, which a vector cannot
    // hold; such a row stays out of the index (the exact scan skips it too).
    String words =
        "SELECT i, get_byte(b, 4 * i)::bigint | (get_byte(b, 4 * i + 1)::bigint << 8)"
            + " | (get_byte(b, 4 * i + 2)::bigint << 16) | (get_byte(b, 4 * i + 3)::bigint << 24)"
            + " AS w FROM generate_series(0, n - 1) AS i";
    String value =
        "(CASE WHEN (w >> 31) & 1 = 1 THEN -1.0 ELSE 1.0 END)::float8"
            + " * CASE WHEN (w >> 23) & 255 = 0 THEN (w & 8388607)::float8 * 2::float8 ^ (-149)"
            + " ELSE ((w & 8388607) | 8388608)::float8 * 2::float8 ^ (((w >> 23) & 255) - 150) END";
    out.add(
        function(
            "CREATE OR REPLACE FUNCTION "
                + embedding
                + "(b bytea, n integer) RETURNS "
                + ext
                + ".vector LANGUAGE sql IMMUTABLE STRICT AS ",
            "SELECT CASE WHEN bool_or((w >> 23) & 255 = 255) THEN NULL ELSE CAST(CAST(array_agg("
                + value
                + " ORDER BY i) AS real[]) AS "
                + ext
                + ".vector) END FROM ("
                + words
                + ") AS words"));
    // A format() pattern: %I, %s and %L are its placeholders, so a % in a name is doubled.
    String create =
        "CREATE INDEX IF NOT EXISTS %I ON "
            + table.replace("%", "%%")
            + " USING hnsw ((CAST(embedding AS "
            + ext.replace("%", "%%")
            + ".vector(%s))) "
            + ext.replace("%", "%%")
            + ".vector_cosine_ops) WITH (m = "
            + hnsw.m()
            + ", ef_construction = "
            + hnsw.efConstruction()
            + ") WHERE model = %L AND dimension = %s";
    out.add(
        function(
            "CREATE OR REPLACE FUNCTION "
                + indexFunction
                + "(p_model text, p_dimension integer) RETURNS void LANGUAGE plpgsql AS ",
            "DECLARE name text := '_agent_store_hnsw_' || left(md5(p_model || '/' || p_dimension),"
                + " 24); BEGIN IF p_dimension < 1 OR p_dimension > "
                + MAX_INDEXED_DIMENSION
                + " OR to_regclass("
                + literal(quotedSchema + ".")
                + " || quote_ident(name)) IS NOT NULL THEN RETURN; END IF; EXECUTE format("
                + literal(create)
                + ", name, p_dimension, p_model, p_dimension); END"));
    out.add(
        function(
            "CREATE OR REPLACE FUNCTION " + sync + "() RETURNS trigger LANGUAGE plpgsql AS ",
            "DECLARE e "
                + ext
                + ".vector; BEGIN IF NEW.dimension >= 1 AND octet_length(NEW.vector) = 4 *"
                + " NEW.dimension THEN e := "
                + embedding
                + "(NEW.vector, NEW.dimension); END IF; IF e IS NULL THEN DELETE FROM "
                + table
                + " WHERE stream = NEW.stream AND writer = NEW.writer AND seq = NEW.seq"
                + " AND model = NEW.model; RETURN NULL; END IF; INSERT INTO "
                + table
                + " (stream, writer, seq, model, dimension, embedding) VALUES (NEW.stream,"
                + " NEW.writer, NEW.seq, NEW.model, NEW.dimension, e) ON CONFLICT (stream, writer,"
                + " seq, model) DO UPDATE SET dimension = excluded.dimension,"
                + " embedding = excluded.embedding; PERFORM "
                + indexFunction
                + "(NEW.model, NEW.dimension); RETURN NULL; END"));
    out.add(
        "CREATE OR REPLACE TRIGGER _agent_store_vec_hnsw_sync AFTER INSERT OR UPDATE OF vector,"
            + " dimension ON "
            + vec
            + " FOR EACH ROW EXECUTE FUNCTION "
            + sync
            + "()");
    // Vectors stored before the trigger existed.
    out.add(
        "INSERT INTO "
            + table
            + " (stream, writer, seq, model, dimension, embedding)"
            + " SELECT stream, writer, seq, model, dimension, e FROM (SELECT v.*, "
            + embedding
            + "(v.vector, v.dimension) AS e FROM "
            + vec
            + " v WHERE v.dimension >= 1 AND octet_length(v.vector) = 4 * v.dimension) AS c"
            + " WHERE e IS NOT NULL ON CONFLICT (stream, writer, seq, model) DO NOTHING");
    return out;
  }

  /** {@code head} then {@code body} dollar-quoted with a tag the body does not contain. */
  private static String function(String head, String body) {
    String tag = "$agent_store$";
    for (int i = 0; body.contains(tag); i++) {
      tag = "$agent_store" + i + "$";
    }
    return head + tag + " " + body + " " + tag;
  }

  private static String literal(String text) {
    return "'" + text.replace("'", "''") + "'";
  }

  // ---------------------------------------------------------------- search

  /** The best candidates by the index, scored exactly; null to scan exactly instead. */
  @Nullable TopK search(
      Conn conn,
      String model,
      int dimension,
      float[] query,
      double queryNorm,
      int k,
      RecallFilter filter)
      throws SQLException {
    long candidates = (long) k + SLACK;
    Connection jdbc = conn.jdbc();
    if (dimension > MAX_INDEXED_DIMENSION || candidates > MAX_CANDIDATES || !jdbc.getAutoCommit()) {
      return null;
    }
    Found server = found(jdbc);
    if (server == null) {
      return null;
    }
    String ext = server.extensionSchema();
    String typed = ext + ".vector(" + dimension + ")";
    String sql =
        "SELECT v.vector, v.stream, v.writer, v.seq, v.content_hash FROM "
            + table
            + " h JOIN "
            + vec
            + " v ON v.stream = h.stream AND v.writer = h.writer AND v.seq = h.seq"
            + " AND v.model = h.model WHERE h.model = ? AND h.dimension = "
            + dimension
            + PostgresRecallSql.filterConditions("h", filter)
            + " ORDER BY CAST(h.embedding AS "
            + typed
            + ") OPERATOR("
            + ext
            + ".<=>) CAST(? AS "
            + typed
            + ") LIMIT ?";
    List<Object> params = new ArrayList<>();
    params.add(model);
    params.addAll(RecallSql.filterParameters(filter));
    params.add(text(query));
    params.add(candidates);
    int bytes = dimension * Float.BYTES;
    TopK top = new TopK(k);
    jdbc.setAutoCommit(false);
    try {
      try (Statement settings = jdbc.createStatement()) {
        // SET LOCAL: the settings end with this read-only transaction. A custom plan sees the
        // model's value, which the partial index's predicate needs.
        settings.execute(
            "SET LOCAL hnsw.ef_search = " + Math.max(hnsw.efSearch(), (int) candidates));
        settings.execute("SET LOCAL plan_cache_mode = force_custom_plan");
        if (server.iterativeScans()) {
          // With filters the index keeps scanning until enough rows pass them.
          settings.execute("SET LOCAL hnsw.iterative_scan = strict_order");
        }
      }
      PreparedStatement statement = conn.prepare(sql, params.toArray());
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          byte[] vector = rs.getBytes(1);
          if (vector == null || vector.length != bytes) {
            // Malformed: the exact scan reports it with the entry's name.
            return null;
          }
          double score = Vectors.cosine(query, queryNorm, vector);
          if (!Double.isNaN(score) && top.admits(score)) {
            top.offer(rs.getString(2), rs.getString(3), rs.getLong(4), rs.getBytes(5), score);
          }
        }
      }
      return top;
    } finally {
      jdbc.rollback();
      jdbc.setAutoCommit(true);
    }
  }

  /** What {@link #ensure} found, or, when it has not run here, whether the side table exists. */
  private @Nullable Found found(Connection jdbc) throws SQLException {
    Found known = found;
    if (known != null) {
      return known;
    }
    try (PreparedStatement statement = jdbc.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
      statement.setString(1, table);
      try (ResultSet rows = statement.executeQuery()) {
        if (!rows.next() || !rows.getBoolean(1)) {
          return null;
        }
      }
    }
    known = extension(jdbc);
    found = known;
    return known;
  }

  /** pgvector's text form, {@code [x,y,...]}: Java's shortest round-tripping float text. */
  private static String text(float[] vector) {
    StringBuilder out = new StringBuilder(vector.length * 12).append('[');
    for (int i = 0; i < vector.length; i++) {
      if (i > 0) {
        out.append(',');
      }
      out.append(vector[i]);
    }
    return out.append(']').toString();
  }
}
