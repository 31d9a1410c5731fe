package dev.agentstore.internal;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
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
  private final long limit;
  private final ArrayDeque<RawRow> page = new ArrayDeque<>();
  private long afterSeq;
  private long delivered;
  private boolean exhausted;

  /** Rows after {@code afterSeq}, at most {@code limit} of them. */
  public ChainReader(JdbcBackend backend, String stream, String writer, long afterSeq, long limit) {
    this.backend = backend;
    this.stream = stream;
    this.writer = writer;
    this.afterSeq = afterSeq;
    this.limit = limit;
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
    int rows = (int) Math.min(PAGE_ROWS, limit - delivered);
    String sql = backend.sql().page();
    boolean complete =
        backend.read(
            "reading " + stream + "/" + writer + " after seq " + afterSeq,
            conn -> {
              PreparedStatement statement = conn.prepare(sql, stream, writer, afterSeq, rows);
              long bytes = 0;
              int count = 0;
              try (ResultSet resultSet = statement.executeQuery()) {
                while (resultSet.next()) {
                  RawRow row = read(resultSet);
                  page.addLast(row);
                  count++;
                  bytes += row.weight();
                  if (bytes >= PAGE_BYTES && count < rows) {
                    return false;
                  }
                }
              }
              return count < rows;
            });
    if (!page.isEmpty()) {
      afterSeq = page.peekLast().seq();
    }
    exhausted = complete;
  }

  /** Reads the columns of {@link SqlDialect#page()} (or its head variant) into a row. */
  static RawRow read(ResultSet rs) throws SQLException {
    String prevType = rs.getString(5);
    String contentType = rs.getString(6);
    String payloadType = rs.getString(7);
    return new RawRow(
        rs.getLong(1),
        bytes(rs, 2, prevType),
        prevType,
        bytes(rs, 3, contentType),
        contentType,
        bytes(rs, 4, payloadType),
        payloadType);
  }

  private static byte @Nullable [] bytes(ResultSet rs, int column, String type)
      throws SQLException {
    byte[] bytes = rs.getBytes(column);
    // Some drivers hand back NULL for a zero-length BLOB; the stored type says which it was.
    return bytes == null && !"null".equals(type) ? new byte[0] : bytes;
  }
}
