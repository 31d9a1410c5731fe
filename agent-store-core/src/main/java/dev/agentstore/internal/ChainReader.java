package dev.agentstore.internal;

import dev.agentstore.StoreException;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.jspecify.annotations.Nullable;

/**
 * Reads one chain in seq order, a page at a time, so that memory stays bounded whatever the length
 * of the chain and no connection is held between pages. A page ends after {@link #PAGE_ROWS} rows
 * or once it holds {@link #PAGE_BYTES} bytes, whichever comes first.
 *
 * <p>Entries are immutable once committed and only ever added past the head, so consecutive pages
 * never disagree: a reader sees every entry up to some head, each one whole.
 */
public final class ChainReader implements Iterator<RawRow> {
  static final int PAGE_ROWS = 1024;
  static final long PAGE_BYTES = 4L * 1024 * 1024;

  private final JdbcBackend backend;
  private final String stream;
  private final String writer;
  private final long throughSeq;
  private final long limit;
  private final boolean prefetch;
  private ArrayDeque<RawRow> page = new ArrayDeque<>();
  private @Nullable Future<Page> next;
  private long afterSeq;
  private long delivered;
  private boolean exhausted;

  private record Page(ArrayDeque<RawRow> rows, boolean complete) {}

  /** Rows after {@code afterSeq}, at most {@code limit} of them, one page at a time. */
  public ChainReader(JdbcBackend backend, String stream, String writer, long afterSeq, long limit) {
    this(backend, stream, writer, afterSeq, limit, false);
  }

  /**
   * Like {@link #ChainReader(JdbcBackend, String, String, long, long)}; with {@code prefetch}, the
   * next page is read on another thread while the caller works through the current one, where the
   * backend can read concurrently and the caller is not inside a transaction (whose uncommitted
   * rows only its own thread sees).
   */
  public ChainReader(
      JdbcBackend backend,
      String stream,
      String writer,
      long afterSeq,
      long limit,
      boolean prefetch) {
    this(backend, stream, writer, afterSeq, Long.MAX_VALUE, limit, prefetch);
  }

  /** Rows after {@code afterSeq} up to and including {@code throughSeq}, on this thread. */
  static ChainReader through(
      JdbcBackend backend, String stream, String writer, long afterSeq, long throughSeq) {
    return new ChainReader(backend, stream, writer, afterSeq, throughSeq, Long.MAX_VALUE, false);
  }

  private ChainReader(
      JdbcBackend backend,
      String stream,
      String writer,
      long afterSeq,
      long throughSeq,
      long limit,
      boolean prefetch) {
    this.backend = backend;
    this.stream = stream;
    this.writer = writer;
    this.afterSeq = afterSeq;
    this.throughSeq = throughSeq;
    this.limit = limit;
    this.prefetch = prefetch && backend.concurrentReads() && !backend.inTransactionOnThisThread();
  }

  @Override
  public boolean hasNext() {
    if (page.isEmpty() && !exhausted && delivered < limit) {
      fetch();
    }
    return !page.isEmpty();
  }

  @Override
  public RawRow next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    delivered++;
    return page.removeFirst();
  }

  private void fetch() {
    Page loaded = next == null ? load(afterSeq, delivered) : await(next);
    next = null;
    page = loaded.rows();
    exhausted = loaded.complete();
    if (!page.isEmpty()) {
      afterSeq = page.peekLast().seq();
    }
    long queued = delivered + page.size();
    if (prefetch && !exhausted && queued < limit) {
      long after = afterSeq;
      next = backend.background().submit(() -> load(after, queued));
    }
  }

  private Page await(Future<Page> pending) {
    return await(pending, "reading " + stream + "/" + writer + " after seq " + afterSeq);
  }

  /**
   * The result of background work on a chain, rethrowing what it threw; {@code what} names the work
   * and where it was (chain, seq) for the message of an interruption or an unexpected failure.
   */
  static <T> T await(Future<T> pending, String what) {
    try {
      return pending.get();
    } catch (InterruptedException e) {
      pending.cancel(true);
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while " + what, e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException failure) {
        throw failure;
      }
      throw new StoreException(what + " failed: " + e.getCause(), e.getCause());
    }
  }

  /** The page after {@code after}, given that {@code before} rows were delivered before it. */
  private Page load(long after, long before) {
    int rows = (int) Math.min(PAGE_ROWS, limit - before);
    boolean bounded = throughSeq != Long.MAX_VALUE;
    String sql = bounded ? backend.sql().pageThrough() : backend.sql().page();
    ArrayDeque<RawRow> loaded = new ArrayDeque<>(rows);
    boolean complete =
        backend.read(
            "reading " + stream + "/" + writer + " after seq " + after,
            conn -> {
              PreparedStatement statement =
                  bounded
                      ? conn.prepare(sql, stream, writer, after, throughSeq, rows)
                      : conn.prepare(sql, stream, writer, after, rows);
              long bytes = 0;
              int count = 0;
              try (ResultSet resultSet = statement.executeQuery()) {
                while (resultSet.next()) {
                  RawRow row = read(resultSet);
                  loaded.addLast(row);
                  count++;
                  bytes += row.weight();
                  if (bytes >= PAGE_BYTES && count < rows) {
                    return false;
                  }
                }
              }
              return count < rows;
            });
    return new Page(loaded, complete);
  }

  /** Reads the columns of {@link SqlDialect#page()} (or its head variant) into a row. */
  static RawRow read(ResultSet rs) throws SQLException {
    if (rs.getInt(5) == 1) {
      byte[] prevHash = rs.getBytes(2);
      byte[] payload = rs.getBytes(4);
      return new RawRow(
          rs.getLong(1),
          prevHash,
          prevHash == null ? "null" : "blob",
          rs.getBytes(3),
          "blob",
          // Some drivers hand back NULL for a zero-length BLOB.
          payload == null ? new byte[0] : payload,
          "blob");
    }
    Object prev = rs.getObject(2);
    Object content = rs.getObject(3);
    Object payload = rs.getObject(4);
    return new RawRow(
        rs.getLong(1),
        bytes(prev),
        storedType(prev),
        bytes(content),
        storedType(content),
        bytes(payload),
        storedType(payload));
  }

  /**
   * The storage type of a value as SQLite's {@code typeof} names it, told from the Java type the
   * driver chose for it; reading it this way costs no extra column.
   */
  static String storedType(@Nullable Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof byte[]) {
      return "blob";
    }
    if (value instanceof String) {
      return "text";
    }
    if (value instanceof Double || value instanceof Float) {
      return "real";
    }
    return value instanceof Number
        ? "integer"
        : value.getClass().getSimpleName().toLowerCase(Locale.ROOT);
  }

  /** The bytes of a stored value: a blob as it is, anything else as its text. */
  static byte @Nullable [] bytes(@Nullable Object value) {
    if (value == null || value instanceof byte[]) {
      return (byte[]) value;
    }
    return value.toString().getBytes(StandardCharsets.UTF_8);
  }
}
