package dev.agentstore;

import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * The chain of one {@code (stream, writer)} in one store, bound once: {@code ChainLog log =
 * WriterLog.of(db, "conv:demo", "alice")}, then {@code log.append("hello")}, {@code log.head()},
 * {@code log.follow(0)}. Every method does exactly what the {@link WriterLog} static method of the
 * same name does for this backend, stream and writer, with the same guarantees and exceptions; the
 * static API stays for code that works across many chains.
 *
 * <p>Immutable and thread-safe. It holds no connection and needs no closing: it is usable as long
 * as its backend is open, and fails with {@link StoreClosedException} after. Two handles are equal
 * when they name the same chain of the same backend object.
 */
public final class ChainLog {
  private final Backend backend;
  private final String stream;
  private final String writer;

  /** Names already checked by {@link WriterLog#of}. */
  ChainLog(Backend backend, String stream, String writer) {
    this.backend = backend;
    this.stream = stream;
    this.writer = writer;
  }

  /** {@return the backend the handle is bound to} */
  public Backend backend() {
    return backend;
  }

  /** {@return the stream of the chain} */
  public String stream() {
    return stream;
  }

  /** {@return the writer of the chain} */
  public String writer() {
    return writer;
  }

  /**
   * Appends {@code payload} as the next entry and returns it; see {@link WriterLog#append(Backend,
   * String, String, byte[])}.
   *
   * @param payload the entry's bytes, at most {@link WriterLog#MAX_PAYLOAD_BYTES}; copied
   * @return the appended entry
   * @throws InvalidInputException for a null payload or one over {@link
   *     WriterLog#MAX_PAYLOAD_BYTES}, or when the stream or writer is empty or too long to write
   */
  public Entry append(byte[] payload) {
    return WriterLog.append(backend, stream, writer, payload);
  }

  /**
   * Appends {@code text} encoded as UTF-8; {@link Entry#payloadUtf8()} reads it back. See {@link
   * WriterLog#append(Backend, String, String, String)}.
   *
   * @param text the payload as text, at most {@link WriterLog#MAX_PAYLOAD_BYTES} bytes once encoded
   * @return the appended entry
   * @throws InvalidInputException when {@code text} is null or has an unpaired surrogate
   */
  public Entry append(String text) {
    return WriterLog.append(backend, stream, writer, text);
  }

  /**
   * Appends only if the head is still {@code expectedHeadSeq} (0 for an empty chain); see {@link
   * WriterLog#append(Backend, String, String, byte[], long)}.
   *
   * @param payload the entry's bytes, at most {@link WriterLog#MAX_PAYLOAD_BYTES}; copied
   * @param expectedHeadSeq the seq the head must still have; 0 for an empty chain
   * @return the appended entry
   * @throws AppendConflictException when the head has moved; nothing is written
   */
  public Entry append(byte[] payload, long expectedHeadSeq) {
    return WriterLog.append(backend, stream, writer, payload, expectedHeadSeq);
  }

  /**
   * Appends {@code text} as UTF-8 only if the head is still {@code expectedHeadSeq}.
   *
   * @param text the payload as text, at most {@link WriterLog#MAX_PAYLOAD_BYTES} bytes once encoded
   * @param expectedHeadSeq the seq the head must still have; 0 for an empty chain
   * @return the appended entry
   * @throws AppendConflictException when the head has moved; nothing is written
   */
  public Entry append(String text, long expectedHeadSeq) {
    return WriterLog.append(backend, stream, writer, text, expectedHeadSeq);
  }

  /**
   * Appends every payload, in order, in one transaction: all or none; see {@link
   * WriterLog#appendAll(Backend, String, String, List)}.
   *
   * @param payloads the payloads in append order, each at most {@link WriterLog#MAX_PAYLOAD_BYTES};
   *     copied
   * @return the new entries, in order; empty when {@code payloads} is
   */
  public List<Entry> appendAll(List<byte[]> payloads) {
    return WriterLog.appendAll(backend, stream, writer, payloads);
  }

  /**
   * Appends every payload in one transaction, only if the head is still {@code expectedHeadSeq}.
   *
   * @param payloads the payloads in append order, each at most {@link WriterLog#MAX_PAYLOAD_BYTES};
   *     copied
   * @param expectedHeadSeq the seq the head must still have; 0 for an empty chain
   * @return the new entries, in order; empty when {@code payloads} is
   * @throws AppendConflictException when the head has moved; nothing is written
   */
  public List<Entry> appendAll(List<byte[]> payloads, long expectedHeadSeq) {
    return WriterLog.appendAll(backend, stream, writer, payloads, expectedHeadSeq);
  }

  /** {@return the last entry, or empty when the chain has none} */
  public Optional<Entry> head() {
    return WriterLog.head(backend, stream, writer);
  }

  /**
   * {@return every entry in seq order, read lazily a bounded page at a time; see {@link
   * WriterLog#entries(Backend, String, String)}}
   */
  public Stream<Entry> entries() {
    return WriterLog.entries(backend, stream, writer);
  }

  /**
   * {@return every entry with seq greater than {@code afterSeq}, in seq order, read lazily}
   *
   * @param afterSeq only entries with a greater seq are returned; 0 for all
   */
  public Stream<Entry> entries(long afterSeq) {
    return WriterLog.entries(backend, stream, writer, afterSeq);
  }

  /**
   * At most {@code limit} entries with seq greater than {@code afterSeq}, in order; see {@link
   * WriterLog#readAfter}.
   *
   * @param afterSeq only entries with a greater seq are returned; 0 for all
   * @param limit the most entries to return, 1 to {@link WriterLog#MAX_READ_LIMIT}
   * @return the entries, in seq order; fewer than {@code limit} (or none) at the head
   */
  public List<Entry> readAfter(long afterSeq, int limit) {
    return WriterLog.readAfter(backend, stream, writer, afterSeq, limit);
  }

  /**
   * {@return a {@link Follower} that delivers every entry with seq greater than {@code afterSeq},
   * exactly once and in order, until closed; see {@link WriterLog#follow(Backend, String, String,
   * long)}}
   *
   * @param afterSeq deliver entries with a greater seq; 0 for the whole chain
   */
  public Follower follow(long afterSeq) {
    return WriterLog.follow(backend, stream, writer, afterSeq);
  }

  /**
   * Like {@link #follow(long)}, waking as {@code options} say.
   *
   * @param afterSeq deliver entries with a greater seq; 0 for the whole chain
   * @param options how to wait for new entries
   * @return a started follower; close it to stop
   */
  public Follower follow(long afterSeq, FollowOptions options) {
    return WriterLog.follow(backend, stream, writer, afterSeq, options);
  }

  /**
   * Verifies the whole chain from seq 1; see {@link WriterLog#verify(Backend, String, String)}.
   *
   * @return the head that was verified, empty for an empty chain
   * @throws ChainBrokenException at the first broken seq, naming why
   */
  public Optional<Head> verify() {
    return WriterLog.verify(backend, stream, writer);
  }

  /**
   * Like {@link #verify()}, telling {@code progress} how many entries have been verified.
   *
   * @param progress called with the number of entries verified so far, on the calling thread
   * @return the head that was verified, empty for an empty chain
   */
  public Optional<Head> verify(LongConsumer progress) {
    return WriterLog.verify(backend, stream, writer, progress);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ChainLog that
        && backend == that.backend
        && stream.equals(that.stream)
        && writer.equals(that.writer);
  }

  @Override
  public int hashCode() {
    return (System.identityHashCode(backend) * 31 + stream.hashCode()) * 31 + writer.hashCode();
  }

  /** {@code ChainLog[conv:demo/alice on <backend description>]}. */
  @Override
  public String toString() {
    return "ChainLog[" + stream + "/" + writer + " on " + backend.describe() + "]";
  }
}
