package dev.agentstore.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.crypto.digests.Blake3Digest;
import org.jspecify.annotations.Nullable;

/**
 * The raw-JDBC baseline: hand-written SQL on one connection, with its statements prepared once, and
 * the same BLAKE3 chaining as agent-store ({@code content_hash = BLAKE3(prev_hash || payload)} with
 * BouncyCastle's {@code Blake3Digest}). It does the same work as the library and nothing more: no
 * name checks, no payload copies, no retries, no doorbell. Not thread-safe; one per thread.
 */
final class RawLog implements AutoCloseable {
  /** A chain head as the baseline keeps it: seq 0 and no hash for an empty chain. */
  record Head(long seq, byte @Nullable [] hash) {}

  /** A row as the baseline reads it. */
  record Row(long seq, byte @Nullable [] prevHash, byte[] contentHash, byte[] payload) {}

  private final Connection connection;
  private final boolean sqlite;
  private final String log;
  private final String meta;
  private final String schemaPrefix;
  private final Blake3Digest digest = new Blake3Digest(256);
  private @Nullable PreparedStatement begin;
  private @Nullable PreparedStatement commit;
  private @Nullable PreparedStatement rollback;
  private @Nullable PreparedStatement head;
  private @Nullable PreparedStatement insert;
  private @Nullable PreparedStatement bump;
  private @Nullable PreparedStatement scan;
  private @Nullable PreparedStatement page;
  private @Nullable PreparedStatement lock;

  /**
   * @param schemaPrefix {@code ""} on SQLite, {@code "schema".} on PostgreSQL
   */
  RawLog(Connection connection, String schemaPrefix) throws SQLException {
    this.connection = connection;
    this.sqlite = "SQLite".equalsIgnoreCase(connection.getMetaData().getDatabaseProductName());
    this.schemaPrefix = schemaPrefix;
    this.log = schemaPrefix + "_agent_store_log";
    this.meta = schemaPrefix + "_agent_store_meta";
  }

  Connection connection() {
    return connection;
  }

  /** Creates both tables with the reference layout, when missing. */
  void createTables() throws SQLException {
    try (Statement statement = connection.createStatement()) {
      if (sqlite) {
        statement.execute(
            "CREATE TABLE IF NOT EXISTS _agent_store_meta (key TEXT PRIMARY KEY, ival INTEGER NOT"
                + " NULL)");
        statement.execute(
            "CREATE TABLE IF NOT EXISTS _agent_store_log (stream TEXT NOT NULL, writer TEXT NOT"
                + " NULL, seq INTEGER NOT NULL, prev_hash BLOB, content_hash BLOB NOT NULL,"
                + " payload BLOB NOT NULL, PRIMARY KEY (stream, writer, seq))");
      } else {
        statement.execute(
            "CREATE SCHEMA IF NOT EXISTS " + schemaPrefix.substring(0, schemaPrefix.length() - 1));
        statement.execute(
            "CREATE TABLE IF NOT EXISTS " + meta + " (key TEXT PRIMARY KEY, ival BIGINT NOT NULL)");
        statement.execute(
            "CREATE TABLE IF NOT EXISTS "
                + log
                + " (stream TEXT NOT NULL, writer TEXT NOT NULL, seq BIGINT NOT NULL, prev_hash"
                + " BYTEA, content_hash BYTEA NOT NULL, payload BYTEA NOT NULL, PRIMARY KEY"
                + " (stream, writer, seq))");
      }
    }
  }

  /** {@code BLAKE3(prev || payload)}, or {@code BLAKE3(payload)} when {@code prev} is null. */
  byte[] hash(byte @Nullable [] prev, byte[] payload) {
    if (prev != null) {
      digest.update(prev, 0, prev.length);
    }
    digest.update(payload, 0, payload.length);
    byte[] out = new byte[32];
    digest.doFinal(out, 0);
    return out;
  }

  /** Reads the head of a chain. */
  Head head(String stream, String writer) throws SQLException {
    if (head == null) {
      head =
          connection.prepareStatement(
              "SELECT seq, content_hash FROM "
                  + log
                  + " WHERE stream = ? AND writer = ? ORDER BY seq DESC LIMIT 1");
    }
    head.setString(1, stream);
    head.setString(2, writer);
    try (ResultSet rs = head.executeQuery()) {
      return rs.next() ? new Head(rs.getLong(1), rs.getBytes(2)) : new Head(0, null);
    }
  }

  private String insertSql() {
    return "INSERT INTO "
        + log
        + " (stream, writer, seq, prev_hash, content_hash, payload) VALUES (?, ?, ?, ?, ?, ?)";
  }

  private PreparedStatement insert() throws SQLException {
    if (insert == null) {
      insert = connection.prepareStatement(insertSql());
    }
    return insert;
  }

  private void bindInsert(
      PreparedStatement statement,
      String stream,
      String writer,
      long seq,
      byte @Nullable [] prev,
      byte[] content,
      byte[] payload)
      throws SQLException {
    statement.setString(1, stream);
    statement.setString(2, writer);
    statement.setLong(3, seq);
    if (prev == null) {
      statement.setNull(4, Types.NULL);
    } else {
      statement.setBytes(4, prev);
    }
    statement.setBytes(5, content);
    statement.setBytes(6, payload);
  }

  /** One auto-committed INSERT after a head the caller keeps; returns the new head. */
  Head insertAfter(String stream, String writer, Head after, byte[] payload) throws SQLException {
    byte[] content = hash(after.hash(), payload);
    PreparedStatement statement = insert();
    bindInsert(statement, stream, writer, after.seq() + 1, after.hash(), content, payload);
    statement.executeUpdate();
    return new Head(after.seq() + 1, content);
  }

  /**
   * Like {@link #insertAfter}, with the INSERT prepared for this append alone and closed after it:
   * what every append pays when a connection keeps no prepared statements.
   */
  Head insertAfterPreparingEach(String stream, String writer, Head after, byte[] payload)
      throws SQLException {
    byte[] content = hash(after.hash(), payload);
    try (PreparedStatement statement = connection.prepareStatement(insertSql())) {
      bindInsert(statement, stream, writer, after.seq() + 1, after.hash(), content, payload);
      statement.executeUpdate();
    }
    return new Head(after.seq() + 1, content);
  }

  /**
   * One write transaction: begin ({@code BEGIN IMMEDIATE} on SQLite), read the head, hash, insert,
   * commit. Returns the new head.
   */
  Head appendInTransaction(String stream, String writer, byte[] payload) throws SQLException {
    begin();
    try {
      Head before = head(stream, writer);
      Head after = insertAfter(stream, writer, before, payload);
      commit();
      return after;
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly();
      throw e;
    }
  }

  /**
   * One write transaction holding one append per writer of {@code writers} (a writer may repeat):
   * begin, then for each a head read, hash and insert, then commit. What a perfect group commit of
   * those appends would do, with no thread to wake.
   */
  void appendGroupInTransaction(String stream, List<String> writers, byte[] payload)
      throws SQLException {
    begin();
    try {
      for (String writer : writers) {
        insertAfter(stream, writer, head(stream, writer), payload);
      }
      commit();
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly();
      throw e;
    }
  }

  /**
   * What a careful hand-written appender on PostgreSQL does when other processes append to the same
   * chain: begin, take a transaction-scoped advisory lock on {@code lockKey}, read the head, hash,
   * insert, commit. Returns the new head.
   */
  Head appendLocked(String stream, String writer, long lockKey, byte[] payload)
      throws SQLException {
    begin();
    try {
      if (lock == null) {
        lock = connection.prepareStatement("SELECT pg_advisory_xact_lock(?)");
      }
      lock.setLong(1, lockKey);
      try (ResultSet rs = lock.executeQuery()) {
        rs.next();
      }
      Head before = head(stream, writer);
      Head after = insertAfter(stream, writer, before, payload);
      commit();
      return after;
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly();
      throw e;
    }
  }

  /**
   * One write transaction that appends every payload after the head: begin, read the head, hash and
   * add each row to one JDBC batch, execute it, commit. Returns the new head.
   */
  Head appendBatch(String stream, String writer, List<byte[]> payloads) throws SQLException {
    return appendInOneTransaction(stream, writer, payloads, true);
  }

  /**
   * Like {@link #appendBatch}, with each row run as an INSERT of its own instead of one JDBC batch:
   * begin, read the head, hash and execute one statement per payload, commit. Returns the new head.
   */
  Head appendEachInTransaction(String stream, String writer, List<byte[]> payloads)
      throws SQLException {
    return appendInOneTransaction(stream, writer, payloads, false);
  }

  private Head appendInOneTransaction(
      String stream, String writer, List<byte[]> payloads, boolean batched) throws SQLException {
    begin();
    try {
      Head at = head(stream, writer);
      PreparedStatement statement = insert();
      byte[] prev = at.hash();
      long seq = at.seq();
      for (byte[] payload : payloads) {
        byte[] content = hash(prev, payload);
        bindInsert(statement, stream, writer, ++seq, prev, content, payload);
        if (batched) {
          statement.addBatch();
        } else {
          statement.executeUpdate();
        }
        prev = content;
      }
      if (batched) {
        statement.executeBatch();
      }
      commit();
      return new Head(seq, prev);
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly();
      throw e;
    }
  }

  /** One auto-committed upsert that adds one to a counter and returns it. */
  long bump(String key) throws SQLException {
    if (bump == null) {
      bump =
          connection.prepareStatement(
              "INSERT INTO "
                  + meta
                  + " AS m (key, ival) VALUES (?, 1) ON CONFLICT (key) DO UPDATE SET ival ="
                  + " m.ival + 1 RETURNING ival");
    }
    bump.setString(1, key);
    try (ResultSet rs = bump.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * Verifies a chain with one streaming query: contiguous seqs from 1, each prev_hash equal to the
   * previous content_hash, each content_hash equal to {@code BLAKE3(prev_hash || payload)}. Returns
   * the number of entries; throws {@link IllegalStateException} at the first broken one.
   */
  long verify(String stream, String writer) throws SQLException {
    if (scan == null) {
      scan =
          connection.prepareStatement(
              "SELECT seq, prev_hash, content_hash, payload FROM "
                  + log
                  + " WHERE stream = ? AND writer = ? ORDER BY seq");
      scan.setFetchSize(1024);
    }
    scan.setString(1, stream);
    scan.setString(2, writer);
    boolean autoCommit = connection.getAutoCommit();
    if (!sqlite && autoCommit) {
      // pgjdbc streams with a fetch size only inside a transaction.
      connection.setAutoCommit(false);
    }
    long expected = 1;
    byte[] prev = null;
    try (ResultSet rs = scan.executeQuery()) {
      while (rs.next()) {
        long seq = rs.getLong(1);
        byte[] stored = rs.getBytes(2);
        byte[] content = rs.getBytes(3);
        byte[] payload = rs.getBytes(4);
        if (seq != expected
            || !Arrays.equals(stored, prev)
            || !Arrays.equals(hash(stored, payload), content)) {
          throw new IllegalStateException("chain broken at seq " + seq);
        }
        prev = content;
        expected++;
      }
    } finally {
      if (!sqlite && autoCommit) {
        connection.commit();
        connection.setAutoCommit(true);
      }
    }
    return expected - 1;
  }

  /** At most {@code limit} rows after {@code afterSeq}, in order, with one query. */
  List<Row> readAfter(String stream, String writer, long afterSeq, int limit) throws SQLException {
    if (page == null) {
      page =
          connection.prepareStatement(
              "SELECT seq, prev_hash, content_hash, payload FROM "
                  + log
                  + " WHERE stream = ? AND writer = ? AND seq > ? ORDER BY seq LIMIT ?");
    }
    page.setString(1, stream);
    page.setString(2, writer);
    page.setLong(3, afterSeq);
    page.setInt(4, limit);
    List<Row> rows = new ArrayList<>(Math.min(limit, 1024));
    try (ResultSet rs = page.executeQuery()) {
      while (rs.next()) {
        rows.add(new Row(rs.getLong(1), rs.getBytes(2), rs.getBytes(3), rs.getBytes(4)));
      }
    }
    return rows;
  }

  private void begin() throws SQLException {
    if (sqlite) {
      if (begin == null) {
        begin = connection.prepareStatement("BEGIN IMMEDIATE");
      }
      begin.execute();
    } else {
      connection.setAutoCommit(false);
    }
  }

  private void commit() throws SQLException {
    if (sqlite) {
      if (commit == null) {
        commit = connection.prepareStatement("COMMIT");
      }
      commit.execute();
    } else {
      connection.commit();
      connection.setAutoCommit(true);
    }
  }

  private void rollbackQuietly() {
    try {
      if (sqlite) {
        if (rollback == null) {
          rollback = connection.prepareStatement("ROLLBACK");
        }
        rollback.execute();
      } else {
        connection.rollback();
        connection.setAutoCommit(true);
      }
    } catch (SQLException ignored) {
      // The transaction may not have begun; the caller reports the original error.
    }
  }

  @Override
  public void close() {
    try {
      connection.close();
    } catch (SQLException ignored) {
      // Closing a benchmark connection is best effort.
    }
  }
}
