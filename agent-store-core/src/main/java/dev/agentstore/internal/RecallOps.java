package dev.agentstore.internal;

import dev.agentstore.CorruptStoreException;
import dev.agentstore.Entry;
import dev.agentstore.InvalidInputException;
import dev.agentstore.RecallFilter;
import dev.agentstore.RecallHit;
import dev.agentstore.StaleVector;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * The logic of {@code Recall}, written once for every backend: checks, indexing and the exact
 * search. The search streams a model's vectors once, scores each in place ({@link Vectors#cosine})
 * and keeps the best {@code k} in a bounded heap ({@link TopK}); memory is {@code O(k)} plus what
 * the driver buffers.
 *
 * <p>The scan reads the vector table alone, without joining the log: the best hits are then read
 * from the log one by one, and only when one of them turns out stale (its entry rewritten or gone,
 * which takes a rewrite by raw SQL) is the scan repeated with the join that keeps current vectors
 * only. A store without stale vectors pays for one table scan and {@code k} lookups.
 */
public final class RecallOps {
  /** The most rows {@link #unindexed} and {@link #stale} return in one call. */
  public static final int MAX_LIST = 100_000;

  /** Rows sent per {@code executeBatch} by {@link #indexAll}. */
  private static final int BATCH = 1_000;

  /** Rows PostgreSQL sends per round trip of a streamed scan. */
  public static final int SCAN_FETCH_SIZE = 512;

  private RecallOps() {}

  // ---------------------------------------------------------------- schema

  public static void ensureSchema(JdbcBackend backend) {
    RecallSql sql = backend.sql().recall();
    LogOps.ensureTable(backend, RecallSql.VEC_TABLE, sql.createStatements(), sql.expected());
    sql.ensureIndexes(backend);
  }

  public static void checkSchema(JdbcBackend backend) {
    LogOps.checkTable(
        backend, RecallSql.VEC_TABLE, backend.sql().recall().expected(), "Recall.ensureSchema");
  }

  // ---------------------------------------------------------------- indexing

  /**
   * Stores {@code vector} as the {@code model} vector of the entry {@code (stream, writer, seq)},
   * replacing the one it had; with {@code expectedHash}, only when the stored entry has that
   * content hash.
   */
  public static void index(
      JdbcBackend backend,
      String stream,
      String writer,
      long seq,
      String model,
      float[] vector,
      byte @Nullable [] expectedHash) {
    boolean nul = backend.storesNulInText();
    Names.accept("stream", stream, "", nul);
    Names.accept("writer", writer, "", nul);
    String where = " (indexing " + stream + "/" + writer + " seq " + seq + " for model " + model;
    if (seq < 1) {
      throw new InvalidInputException("seq must be 1 or more, got " + seq + where + ")");
    }
    Vectors.checkModel(model, nul);
    Vectors.check(vector, "vector", where + ")");
    byte[] blob = Vectors.encode(vector);
    RecallSql sql = backend.sql().recall();
    backend.write(
        "indexing " + stream + "/" + writer + " seq " + seq + " for model " + model,
        false,
        tx -> {
          Conn conn = tx.conn();
          requireDimension(conn, sql, model, vector.length, where + ")");
          PreparedStatement upsert = conn.prepare(sql.upsert(expectedHash != null));
          sql.bindUpsert(upsert, model, vector, blob, stream, writer, seq, expectedHash);
          if (upsert.executeUpdate() == 0) {
            throw notIndexable(backend, conn, sql, stream, writer, seq, model, expectedHash);
          }
          return Boolean.TRUE;
        });
  }

  /**
   * Stores the {@code model} vector of each entry in one transaction: all or none. Every entry must
   * still be stored with its content hash.
   */
  public static int indexAll(
      JdbcBackend backend, String model, List<Entry> entries, List<float[]> vectors) {
    Args.notNull(entries, "entries");
    Args.notNull(vectors, "vectors");
    boolean nul = backend.storesNulInText();
    Vectors.checkModel(model, nul);
    if (entries.size() != vectors.size()) {
      throw new InvalidInputException(
          "indexAll needs one vector per entry, got "
              + entries.size()
              + " entries and "
              + vectors.size()
              + " vectors (model "
              + model
              + ")");
    }
    if (entries.isEmpty()) {
      return 0;
    }
    int dimension = -1;
    for (int i = 0; i < entries.size(); i++) {
      Entry entry = Args.notNull(entries.get(i), "entries[" + i + "]");
      Names.accept("stream", entry.stream(), "", nul);
      Names.accept("writer", entry.writer(), "", nul);
      String where =
          " at index " + i + " (" + describe(entry.stream(), entry.writer(), entry.seq());
      float[] vector = Vectors.check(vectors.get(i), "vector", where + ", model " + model + ")");
      if (dimension < 0) {
        dimension = vector.length;
      } else if (vector.length != dimension) {
        throw new InvalidInputException(
            "vector"
                + where
                + ") has "
                + vector.length
                + " dimensions where the vectors before it have "
                + dimension
                + " (model "
                + model
                + ")");
      }
    }
    int dim = dimension;
    RecallSql sql = backend.sql().recall();
    return backend.write(
        "indexing " + entries.size() + " vectors for model " + model,
        false,
        tx -> {
          Conn conn = tx.conn();
          requireDimension(conn, sql, model, dim, " (indexing " + entries.size() + " vectors)");
          PreparedStatement upsert = conn.prepare(sql.upsert(true));
          int from = 0;
          for (int i = 0; i < entries.size(); i++) {
            Entry entry = entries.get(i);
            float[] vector = vectors.get(i);
            sql.bindUpsert(
                upsert,
                model,
                vector,
                Vectors.encode(vector),
                entry.stream(),
                entry.writer(),
                entry.seq(),
                entry.contentHash());
            upsert.addBatch();
            if (i + 1 - from == BATCH || i + 1 == entries.size()) {
              int[] counts = upsert.executeBatch();
              for (int j = 0; j < counts.length; j++) {
                Entry sent = entries.get(from + j);
                if (counts[j] == 0
                    || (counts[j] == Statement.SUCCESS_NO_INFO
                        && !hasHash(conn, sql, sent, sent.contentHash()))) {
                  throw notIndexable(
                      backend,
                      conn,
                      sql,
                      sent.stream(),
                      sent.writer(),
                      sent.seq(),
                      model,
                      sent.contentHash());
                }
              }
              from = i + 1;
            }
          }
          return entries.size();
        });
  }

  private static boolean hasHash(Conn conn, RecallSql sql, Entry entry, byte[] hash)
      throws SQLException {
    byte[] stored = entryHash(conn, sql, entry.stream(), entry.writer(), entry.seq());
    return stored != null && Arrays.equals(stored, hash);
  }

  private static byte @Nullable [] entryHash(
      Conn conn, RecallSql sql, String stream, String writer, long seq) throws SQLException {
    try (ResultSet rs = conn.prepare(sql.entryHash(), stream, writer, seq).executeQuery()) {
      return rs.next() ? rs.getBytes(1) : null;
    }
  }

  /** Why an entry's vector could not be stored: the entry is missing, or has another hash. */
  private static InvalidInputException notIndexable(
      JdbcBackend backend,
      Conn conn,
      RecallSql sql,
      String stream,
      String writer,
      long seq,
      String model,
      byte @Nullable [] expectedHash)
      throws SQLException {
    byte[] stored = entryHash(conn, sql, stream, writer, seq);
    String what =
        "cannot index "
            + describe(stream, writer, seq)
            + " for model "
            + model
            + " in "
            + backend.describe();
    if (stored == null) {
      return new InvalidInputException(what + ": there is no such entry");
    }
    return new InvalidInputException(
        what
            + ": the stored entry has content hash "
            + Hex.encode(stored)
            + ", not the given entry's "
            + (expectedHash == null ? "?" : Hex.encode(expectedHash))
            + " (the entry was rewritten after it was read)");
  }

  /** Refuses a vector whose dimension differs from the model's stored vectors. */
  private static void requireDimension(
      Conn conn, RecallSql sql, String model, int dimension, String where) throws SQLException {
    OptionalInt stored = dimension(conn, sql, model);
    if (stored.isEmpty()) {
      // Where writers do not exclude each other, two first writers could each see no vectors
      // and store two dimensions; the lock orders them, and the second then sees the first's.
      sql.lockNewModel(conn, model);
      stored = dimension(conn, sql, model);
    }
    if (stored.isPresent() && stored.getAsInt() != dimension) {
      throw dimensionMismatch("vector", dimension, model, stored.getAsInt(), where);
    }
  }

  private static InvalidInputException dimensionMismatch(
      String what, int dimension, String model, int stored, String where) {
    return new InvalidInputException(
        String.format(
            Locale.ROOT,
            "%s has %d dimensions but the stored vectors of model %s have %d%s",
            what,
            dimension,
            Names.quote(model),
            stored,
            where));
  }

  private static OptionalInt dimension(Conn conn, RecallSql sql, String model) throws SQLException {
    try (ResultSet rs = conn.prepare(sql.modelDimension(), model).executeQuery()) {
      return rs.next() ? OptionalInt.of(rs.getInt(1)) : OptionalInt.empty();
    }
  }

  public static OptionalInt dimension(JdbcBackend backend, String model) {
    Vectors.checkModel(model, backend.storesNulInText());
    RecallSql sql = backend.sql().recall();
    return backend.read(
        "reading the dimension of model " + model, conn -> dimension(conn, sql, model));
  }

  // ---------------------------------------------------------------- removal

  public static int forget(JdbcBackend backend, String stream, String writer, long seq) {
    boolean nul = backend.storesNulInText();
    Names.accept("stream", stream, "", nul);
    Names.accept("writer", writer, "", nul);
    RecallSql sql = backend.sql().recall();
    return backend.write(
        "forgetting the vectors of " + describe(stream, writer, seq),
        false,
        tx -> tx.conn().prepare(sql.forget(), stream, writer, seq).executeUpdate());
  }

  public static int forgetStale(JdbcBackend backend, String model) {
    Vectors.checkModel(model, backend.storesNulInText());
    RecallSql sql = backend.sql().recall();
    return backend.write(
        "forgetting the stale vectors of model " + model,
        false,
        tx -> tx.conn().prepare(sql.forgetStale(), model).executeUpdate());
  }

  // ---------------------------------------------------------------- listings

  public static List<Entry> unindexed(
      JdbcBackend backend, String model, RecallFilter filter, int limit) {
    Vectors.checkModel(model, backend.storesNulInText());
    checkFilter(backend, filter);
    checkLimit(limit, "listing unindexed entries of model " + model);
    RecallSql sql = backend.sql().recall();
    List<Object> params = new ArrayList<>(RecallSql.filterParameters(filter));
    params.add(model);
    params.add(limit);
    return backend.read(
        "listing entries not indexed for model " + model,
        conn -> {
          List<Entry> out = new ArrayList<>();
          PreparedStatement statement = conn.prepare(sql.unindexed(filter), params.toArray());
          try (ResultSet rs = statement.executeQuery()) {
            while (rs.next()) {
              RawRow row = ChainReader.read(rs);
              out.add(row.toEntry(rs.getString(6), rs.getString(7)));
            }
          }
          return out;
        });
  }

  public static List<StaleVector> stale(JdbcBackend backend, String model, int limit) {
    Vectors.checkModel(model, backend.storesNulInText());
    checkLimit(limit, "listing stale vectors of model " + model);
    RecallSql sql = backend.sql().recall();
    return backend.read(
        "listing stale vectors of model " + model,
        conn -> {
          List<StaleVector> out = new ArrayList<>();
          try (ResultSet rs = conn.prepare(sql.stale(), model, limit).executeQuery()) {
            while (rs.next()) {
              out.add(new StaleVector(rs.getString(1), rs.getString(2), rs.getLong(3), model));
            }
          }
          return out;
        });
  }

  private static void checkLimit(int limit, String what) {
    if (limit < 1 || limit > MAX_LIST) {
      throw new InvalidInputException(
          "limit must be 1 to " + MAX_LIST + ", got " + limit + " (" + what + ")");
    }
  }

  private static void checkFilter(JdbcBackend backend, RecallFilter filter) {
    Args.notNull(filter, "filter");
    boolean nul = backend.storesNulInText();
    filter.selectedStream().ifPresent(s -> Names.accept("stream", s, " (recall filter)", nul));
    filter.selectedWriter().ifPresent(w -> Names.accept("writer", w, " (recall filter)", nul));
  }

  // ---------------------------------------------------------------- search

  public static List<RecallHit> search(
      JdbcBackend backend, String model, float[] query, int k, RecallFilter filter) {
    Vectors.checkModel(model, backend.storesNulInText());
    Vectors.check(query, "query vector", " (searching model " + model + ")");
    if (k < 1) {
      throw new InvalidInputException(
          "k must be 1 or more, got " + k + " (searching model " + model + ")");
    }
    checkFilter(backend, filter);
    RecallSql sql = backend.sql().recall();
    double queryNorm = Vectors.norm(query);
    return backend.read(
        "searching model " + model,
        conn -> {
          OptionalInt stored = dimension(conn, sql, model);
          if (stored.isEmpty()) {
            return List.<RecallHit>of();
          }
          if (stored.getAsInt() != query.length) {
            throw dimensionMismatch(
                "query vector", query.length, model, stored.getAsInt(), " (searching)");
          }
          Scan scan = new Scan(backend, conn, sql, model, query, queryNorm, k, filter);
          TopK indexed =
              sql.indexedSearch(conn, model, stored.getAsInt(), query, queryNorm, k, filter);
          if (indexed != null) {
            List<RecallHit> hits = scan.resolve(indexed.best(), false);
            if (hits != null) {
              return hits;
            }
            // A best hit was stale: the exact scan below keeps current vectors only.
          }
          boolean changed = sql.beginScan(conn);
          try {
            List<RecallHit> hits =
                indexed == null ? scan.resolve(scan.run(false).best(), false) : null;
            if (hits == null) {
              // A best hit was stale: scan again keeping current vectors only.
              hits = scan.resolve(scan.run(true).best(), true);
            }
            return hits;
          } finally {
            sql.endScan(conn, changed);
          }
        });
  }

  /** One search's scan over a model's vectors on one connection. */
  private record Scan(
      JdbcBackend backend,
      Conn conn,
      RecallSql sql,
      String model,
      float[] query,
      double queryNorm,
      int k,
      RecallFilter filter) {

    TopK run(boolean current) throws SQLException {
      List<Object> params = new ArrayList<>(5);
      params.add(model);
      params.addAll(RecallSql.filterParameters(filter));
      PreparedStatement statement = conn.prepare(sql.scan(filter, current), params.toArray());
      if (sql.fetchSize() > 0) {
        statement.setFetchSize(sql.fetchSize());
      }
      int bytes = query.length * Float.BYTES;
      TopK top = new TopK(k);
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          byte[] vector = rs.getBytes(1);
          if (vector == null || vector.length != bytes) {
            throw malformed(rs, vector);
          }
          double score = Vectors.cosine(query, queryNorm, vector);
          // NaN: a zero or non-finite vector written by other means than Recall.index has no
          // cosine with anything.
          if (!Double.isNaN(score) && top.admits(score)) {
            top.offer(rs.getString(2), rs.getString(3), rs.getLong(4), rs.getBytes(5), score);
          }
        }
      }
      return top;
    }

    private CorruptStoreException malformed(ResultSet rs, byte @Nullable [] vector)
        throws SQLException {
      return new CorruptStoreException(
          "the "
              + model
              + " vector of "
              + describe(rs.getString(2), rs.getString(3), rs.getLong(4))
              + " in "
              + backend.describe()
              + " is "
              + (vector == null ? "NULL" : vector.length + " bytes")
              + " where the model's "
              + query.length
              + " dimensions take "
              + query.length * Float.BYTES
              + " bytes of little-endian float32; forget it and index the entry again");
    }

    /**
     * The entries of the best hits, best first; null when one is stale and {@code dropStale} is
     * false, else without the stale ones.
     */
    @Nullable List<RecallHit> resolve(List<TopK.Hit> best, boolean dropStale) throws SQLException {
      List<RecallHit> out = new ArrayList<>();
      for (TopK.Hit hit : best) {
        Entry entry = null;
        PreparedStatement statement =
            conn.prepare(
                sql.entry(), RecallSql.entryParameters(hit.stream(), hit.writer(), hit.seq()));
        try (ResultSet rs = statement.executeQuery()) {
          if (rs.next()) {
            entry = ChainReader.read(rs).toEntry(hit.stream(), hit.writer());
          }
        }
        if (entry != null && Arrays.equals(entry.contentHash(), hit.contentHash())) {
          out.add(new RecallHit(entry, hit.score()));
        } else if (!dropStale) {
          return null;
        }
      }
      return out;
    }
  }

  private static String describe(String stream, String writer, long seq) {
    return stream + "/" + writer + " seq " + seq;
  }
}
