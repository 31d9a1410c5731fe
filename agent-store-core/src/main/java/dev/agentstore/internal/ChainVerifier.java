package dev.agentstore.internal;

import dev.agentstore.ChainBrokenException;
import dev.agentstore.ChainBrokenException.Reason;
import dev.agentstore.Head;
import dev.agentstore.MalformedRowException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Verifies one chain from seq 1: every seq present, every row well formed, every {@code prev_hash}
 * the previous entry's content hash, every content hash {@code BLAKE3(prev_hash || payload)}.
 *
 * <p>Each row's checks need only the row and its predecessor, so a long chain is cut into segments
 * of up to {@link #SEGMENT_SEQS} seqs that are read and hashed on several threads at once, each on
 * its own read connection. Segments are joined in seq order, the first row of each checked against
 * the last of the one before, so the failure reported is the one at the lowest seq: what a single
 * pass would find. Entries appended while the segments are checked are read in a last, single pass.
 */
public final class ChainVerifier {
  /**
   * The most seqs one segment covers; segments are cut shorter for large payloads (judged by the
   * head's), down to {@link #MIN_SEGMENT_SEQS}. A chain shorter than two segments is read in one
   * pass.
   */
  public static final long SEGMENT_SEQS = 16_384;

  /**
   * The fewest seqs one segment covers: below that, handing segments over costs more than it saves.
   */
  public static final long MIN_SEGMENT_SEQS = 1_000;

  /** About how many payload bytes one segment should cover. */
  private static final long SEGMENT_BYTES = 8L * 1024 * 1024;

  /** How many segments are read at once, at most. */
  private static final int MAX_WORKERS = 4;

  /** How often, in entries, a single pass reports progress. */
  public static final int PROGRESS_EVERY = 1024;

  private final String stream;
  private final String writer;
  private final Blake3 blake3 = Blake3.forThisThread();
  private long expected;
  private byte @Nullable [] prev;

  private ChainVerifier(String stream, String writer, long expected, byte @Nullable [] prev) {
    this.stream = stream;
    this.writer = writer;
    this.expected = expected;
    this.prev = prev;
  }

  /**
   * Verifies the chain {@code (stream, writer)}, telling {@code progress} how many entries have
   * been verified so far as it goes and once at the end. Returns the last entry's head, empty for a
   * chain with no entries; throws {@link ChainBrokenException} at the first broken seq.
   */
  public static Optional<Head> verify(
      JdbcBackend backend, String stream, String writer, LongConsumer progress) {
    ChainVerifier chain = new ChainVerifier(stream, writer, 1, null);
    long top = 0;
    if (backend.concurrentReads() && !backend.inTransactionOnThisThread()) {
      HeadSize head = head(backend, stream, writer);
      long seqs =
          Math.max(MIN_SEGMENT_SEQS, Math.min(SEGMENT_SEQS, SEGMENT_BYTES / head.payloadBytes()));
      top = chain.verifySegments(backend, head.seq(), seqs, progress);
    }
    ChainReader rows = new ChainReader(backend, stream, writer, top, Long.MAX_VALUE, true);
    while (rows.hasNext()) {
      chain.check(rows.next());
      if ((chain.expected - 1) % PROGRESS_EVERY == 0) {
        progress.accept(chain.expected - 1);
      }
    }
    progress.accept(chain.expected - 1);
    byte[] last = chain.prev;
    return last == null
        ? Optional.empty()
        : Optional.of(new Head(stream, writer, chain.expected - 1, last));
  }

  /** The head's seq (0 for an empty chain) and the length of its payload (at least 1). */
  private record HeadSize(long seq, long payloadBytes) {}

  private static HeadSize head(JdbcBackend backend, String stream, String writer) {
    return backend.read(
        "reading the head of " + stream + "/" + writer,
        conn -> {
          PreparedStatement statement =
              conn.prepare(backend.sql().headPayloadLength(), stream, writer);
          try (ResultSet rs = statement.executeQuery()) {
            return rs.next()
                ? new HeadSize(rs.getLong(1), Math.max(1, rs.getLong(2)))
                : new HeadSize(0, 1);
          }
        });
  }

  /**
   * The outcome of one segment: the last seq it covers, its first row, the last seq and hash it
   * read and the first failure after its first row.
   */
  private record Segment(
      long through,
      @Nullable RawRow first,
      long lastSeq,
      byte @Nullable [] lastHash,
      @Nullable ChainBrokenException broken) {}

  /**
   * Checks seqs 1 to {@code top} in segments, several at a time, and returns the seq after which a
   * single pass goes on: {@code top}, or 0 when the chain is too short to be worth splitting, or
   * the last seq verified when a segment came up short (a gap, which one pass then reports where
   * the chain resumes, however far away that is).
   */
  private long verifySegments(JdbcBackend backend, long top, long seqs, LongConsumer progress) {
    long segments = (top + seqs - 1) / seqs;
    if (segments < 2) {
      return 0;
    }
    int workers =
        Math.min(
            Math.min(MAX_WORKERS, JdbcBackend.BACKGROUND_THREADS),
            Runtime.getRuntime().availableProcessors());
    if (workers < 2) {
      return 0;
    }
    AtomicBoolean stop = new AtomicBoolean();
    ArrayDeque<Future<Segment>> pending = new ArrayDeque<>();
    long submitted = 0;
    try {
      while (submitted < workers && submitted < segments) {
        pending.addLast(submit(backend, submitted++, seqs, top, stop));
      }
      while (!pending.isEmpty()) {
        Segment segment = await(pending.removeFirst());
        if (submitted < segments) {
          pending.addLast(submit(backend, submitted++, seqs, top, stop));
        }
        RawRow first = segment.first();
        if (first == null) {
          return expected - 1;
        }
        check(first);
        if (segment.broken() != null) {
          throw segment.broken();
        }
        expected = segment.lastSeq() + 1;
        prev = segment.lastHash();
        progress.accept(expected - 1);
        if (segment.lastSeq() < segment.through()) {
          return expected - 1;
        }
      }
      return top;
    } finally {
      stop.set(true);
      pending.forEach(future -> future.cancel(false));
    }
  }

  private Future<Segment> submit(
      JdbcBackend backend, long index, long seqs, long top, AtomicBoolean stop) {
    long from = index * seqs + 1;
    long through = Math.min(top, from + seqs - 1);
    return backend.background().submit(() -> segment(backend, from, through, stop));
  }

  /**
   * Reads seqs {@code from} to {@code through} and checks every row but the first against its
   * predecessor; the first is left for the join, which knows the row before it.
   */
  private Segment segment(JdbcBackend backend, long from, long through, AtomicBoolean stop) {
    ChainReader rows = ChainReader.through(backend, stream, writer, from - 1, through);
    if (!rows.hasNext()) {
      return new Segment(through, null, 0, null, null);
    }
    RawRow first = rows.next();
    ChainVerifier segment = new ChainVerifier(stream, writer, first.seq() + 1, first.contentHash());
    try {
      while (rows.hasNext() && !stop.get()) {
        segment.check(rows.next());
      }
    } catch (ChainBrokenException broken) {
      return new Segment(through, first, 0, null, broken);
    }
    return new Segment(through, first, segment.expected - 1, segment.prev, null);
  }

  private Segment await(Future<Segment> pending) {
    return ChainReader.await(
        pending, "verifying " + stream + "/" + writer + " after seq " + (expected - 1));
  }

  /** Checks the next row of the chain against the row checked before it. */
  private void check(RawRow row) {
    long seq = row.seq();
    if (seq != expected) {
      throw new ChainBrokenException(stream, writer, seq, Reason.GAP, expected, seq);
    }
    MalformedRowException malformed = row.malformation(stream, writer);
    if (malformed != null) {
      throw malformed;
    }
    byte[] stored = row.prevHash();
    if (seq == 1) {
      if (stored != null) {
        throw new ChainBrokenException(stream, writer, seq, Reason.UNEXPECTED_PREV_HASH);
      }
    } else if (stored == null) {
      throw new ChainBrokenException(stream, writer, seq, Reason.NULL_PREV_HASH);
    } else if (!Arrays.equals(stored, prev)) {
      throw new ChainBrokenException(stream, writer, seq, Reason.PREV_HASH_MISMATCH, seq - 1);
    }
    byte[] content = row.contentHash();
    byte[] payload = row.payload();
    if (!Arrays.equals(blake3.chain(stored, payload == null ? new byte[0] : payload), content)) {
      throw new ChainBrokenException(stream, writer, seq, Reason.HASH_MISMATCH);
    }
    prev = content;
    expected++;
  }
}
