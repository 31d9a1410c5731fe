package dev.agentstore;

import dev.agentstore.internal.Args;
import dev.agentstore.internal.ChainReader;
import dev.agentstore.internal.EntryArrays;
import dev.agentstore.internal.EntrySignatures;
import dev.agentstore.internal.JdbcBackend;
import dev.agentstore.internal.LogOps;
import dev.agentstore.internal.Names;
import dev.agentstore.internal.SqlDialect;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/**
 * Per-{@code (stream, writer)} append-only logs whose entries are chained by BLAKE3: entry {@code
 * n} stores the content hash of entry {@code n-1}, and its own content hash is {@code
 * BLAKE3(prev_hash || payload)}. Seqs start at 1 and are contiguous. The layout is the reference
 * crate's, so Rust and Java agents can share a store.
 *
 * <p>An append reads the head and inserts the next entry in one write transaction, so concurrent
 * appenders (threads or processes) never fork a chain: each gets the next seq in turn. Every method
 * is thread-safe.
 *
 * <p>For work on one chain, {@link #of(Backend, String, String)} binds the backend, stream and
 * writer once and gives a {@link ChainLog} with the same operations. {@link
 * AgentStore#ensureSchema} creates this table together with the others.
 */
public final class WriterLog {
  /** The largest payload accepted by {@link #append}, in bytes (16 MiB). */
  public static final int MAX_PAYLOAD_BYTES = Names.MAX_PAYLOAD_BYTES;

  /**
   * The longest stream or writer name {@link #append} and {@link #appendAll} accept, in UTF-8
   * bytes; they refuse empty names too. Every other method accepts any name the tables can hold,
   * empty or longer than this: chains written by other writers (the reference crate has no limit)
   * read, verify, follow, list and import.
   */
  public static final int MAX_NAME_BYTES = Names.MAX_NAME_BYTES;

  /** The most entries {@link #readAfter} returns in one call. */
  public static final int MAX_READ_LIMIT = 100_000;

  private WriterLog() {}

  /**
   * Creates {@code _agent_store_log} when it is missing (idempotent, safe to race) and checks that
   * an existing one has the reference layout.
   *
   * @param backend the store to use
   * @throws SchemaMismatchException when a table of that name has other columns
   * @throws StoreOpenException when the table is missing and the user may not create it (or its
   *     schema)
   */
  public static void ensureSchema(Backend backend) {
    JdbcBackend jdbc = JdbcBackend.of(backend);
    SqlDialect sql = jdbc.sql();
    LogOps.ensureTable(jdbc, SqlDialect.LOG_TABLE, sql.createLog(), sql.expectedLog());
    jdbc.ensureCommitNotifications();
  }

  /**
   * Checks that {@code _agent_store_log} exists with the reference layout, and changes nothing: no
   * table is created and, on PostgreSQL, nothing is installed. For processes that may only read or
   * append, where an operator laid the store down ({@link #ensureSchema} or, on PostgreSQL, the SQL
   * that {@code agent-store schema --print-sql} prints).
   *
   * @param backend the store to use
   * @throws SchemaMismatchException when the table is missing or has other columns
   */
  public static void checkSchema(Backend backend) {
    JdbcBackend jdbc = JdbcBackend.of(backend);
    LogOps.checkTable(
        jdbc, SqlDialect.LOG_TABLE, jdbc.sql().expectedLog(), "WriterLog.ensureSchema");
  }

  /**
   * A handle bound to the chain of {@code (stream, writer)} in {@code backend}: the same operations
   * as this class's static methods, without repeating the three arguments. Nothing is read or
   * written until the handle is used; it holds no connection and needs no closing.
   *
   * <p>The names are checked here, as every read checks them: a null name, one with an unpaired
   * surrogate, or (on PostgreSQL) one containing U+0000 is refused at once. An empty name, or one
   * longer than {@link #MAX_NAME_BYTES}, is accepted so that chains other writers stored under such
   * names can be read, verified and followed; the handle's appends refuse those two, as {@link
   * #append} does.
   *
   * @param backend the store to use
   * @param stream the stream name
   * @param writer the writer name within {@code stream}
   * @return a handle on that chain; nothing is read or written until it is used
   * @throws InvalidInputException for a null backend or a name the tables cannot hold
   */
  public static ChainLog of(Backend backend, String stream, String writer) {
    checkNames(JdbcBackend.of(backend), stream, writer);
    return new ChainLog(backend, stream, writer);
  }

  /**
   * Appends {@code payload} as the next entry of {@code (stream, writer)} and returns it. When the
   * backend is busy or a concurrent appender got there first, the append is retried within a bound;
   * a store that stays locked beyond the busy timeout gives {@link StoreBusyException}. Rings the
   * backend's doorbell after the commit.
   *
   * @param backend the store to use
   * @param stream the stream name
   * @param writer the writer name within {@code stream}
   * @param payload the entry's bytes, at most {@link #MAX_PAYLOAD_BYTES}; copied
   * @return the appended entry
   * @throws InvalidInputException for a null, empty, too long or unstorable name, or a null payload
   *     or one over {@link #MAX_PAYLOAD_BYTES}
   * @throws MalformedRowException when the current head row is malformed
   */
  public static Entry append(Backend backend, String stream, String writer, byte[] payload) {
    // singletonList, unlike List.of, lets a null payload reach the check that names it.
    return appendChecked(
            backend, stream, writer, Collections.singletonList(payload), OptionalLong.empty(), null)
        .get(0);
  }

  /**
   * Appends {@code text}, encoded as UTF-8, as the next entry of {@code (stream, writer)}: {@link
   * Entry#payloadUtf8()} reads it back. Otherwise the same as {@link #append(Backend, String,
   * String, byte[])}.
   *
   * @param backend the store to use
   * @param stream the stream name
   * @param writer the writer name within {@code stream}
   * @param text the payload as text, at most {@link WriterLog#MAX_PAYLOAD_BYTES} bytes once encoded
   * @return the appended entry
   * @throws InvalidInputException when {@code text} is null, has an unpaired surrogate (which UTF-8
   *     cannot encode) or is over {@link #MAX_PAYLOAD_BYTES} once encoded, and for a bad name
   */
  public static Entry append(Backend backend, String stream, String writer, String text) {
    return append(backend, stream, writer, utf8(text, stream, writer));
  }

  /**
   * Appends {@code text}, encoded as UTF-8, only if the head of {@code (stream, writer)} is still
   * {@code expectedHeadSeq}; see {@link #append(Backend, String, String, String)} and {@link
   * #append(Backend, String, String, byte[], long)}.
   *
   * @param backend the store to use
   * @param stream the stream name
   * @param writer the writer name within {@code stream}
   * @param text the payload as text, at most {@link WriterLog#MAX_PAYLOAD_BYTES} bytes once encoded
   * @param expectedHeadSeq the seq the head must still have; 0 for an empty chain
   * @return the appended entry
   * @throws AppendConflictException when the head has moved; nothing is written
   */
  public static Entry append(
      Backend backend, String stream, String writer, String text, long expectedHeadSeq) {
    return append(backend, stream, writer, utf8(text, stream, writer), expectedHeadSeq);
  }

  /**
   * Creates the signature table {@code _agent_store_sig} when it is missing (idempotent, safe to
   * race) and checks that an existing one has agent-store's layout: {@code (stream, writer, seq,
   * public_key, signature)}, keyed by {@code (stream, writer, seq)}. The two reference tables are
   * not touched. The first signed append on a backend runs this itself; call it ahead when the
   * appending role may not create tables.
   *
   * @param backend the store to use
   * @throws SchemaMismatchException when a table of that name has other columns
   * @throws StoreOpenException when the table is missing and the user may not create it
   */
  public static void ensureSignatureSchema(Backend backend) {
    LogOps.ensureSignatureTable(JdbcBackend.of(backend));
  }

  /**
   * Appends {@code payload} signed by {@code key} as the next entry of the chain {@code (stream,
   * key.fingerprint().toHex())}: the entry exactly as an unsigned append writes it (the reference
   * crate reads and verifies it as any other), and in the same transaction a row of {@code
   * _agent_store_sig} holding the key's public key and its Ed25519 signature of the entry's stream,
   * writer, seq and content hash (the layout is in the README, "Tamper evidence"). Creates the
   * signature table on first use. Signing takes the append's locked path: one more insert and one
   * signature per entry.
   *
   * @param backend the store to use
   * @param stream the stream name
   * @param key the signing key; the chain's writer name is its fingerprint in hex
   * @param payload the entry's bytes, at most {@link #MAX_PAYLOAD_BYTES}; copied
   * @return the appended entry
   * @throws InvalidInputException for a bad stream name, a null key or a bad payload
   */
  public static Entry append(Backend backend, String stream, WriterKey key, byte[] payload) {
    return appendSigned(
            backend, stream, key, Collections.singletonList(payload), OptionalLong.empty())
        .get(0);
  }

  /**
   * Like {@link #append(Backend, String, WriterKey, byte[])}, only if the head is still {@code
   * expectedHeadSeq}.
   *
   * @param backend the store to use
   * @param stream the stream name
   * @param key the signing key; the chain's writer name is its fingerprint in hex
   * @param payload the entry's bytes, at most {@link #MAX_PAYLOAD_BYTES}; copied
   * @param expectedHeadSeq the seq the head must still have; 0 for an empty chain
   * @return the appended entry
   * @throws AppendConflictException when the head has moved; nothing is written
   */
  public static Entry append(
      Backend backend, String stream, WriterKey key, byte[] payload, long expectedHeadSeq) {
    return appendSigned(
            backend,
            stream,
            key,
            Collections.singletonList(payload),
            OptionalLong.of(expectedHeadSeq))
        .get(0);
  }

  /**
   * Appends every payload, signed by {@code key}, in one transaction: all entries and their
   * signatures are committed, or none.
   *
   * @param backend the store to use
   * @param stream the stream name
   * @param key the signing key; the chain's writer name is its fingerprint in hex
   * @param payloads the payloads in append order, each at most {@link WriterLog#MAX_PAYLOAD_BYTES};
   *     copied
   * @return the new entries, in order; empty when {@code payloads} is
   */
  public static List<Entry> appendAll(
      Backend backend, String stream, WriterKey key, List<byte[]> payloads) {
    return appendSigned(backend, stream, key, payloads, OptionalLong.empty());
  }

  /**
   * Like {@link #appendAll(Backend, String, WriterKey, List)}, only if the head is still {@code
   * expectedHeadSeq}.
   *
   * @param backend the store to use
   * @param stream the stream name
   * @param key the signing key; the chain's writer name is its fingerprint in hex
   * @param payloads the payloads in append order, each at most {@link WriterLog#MAX_PAYLOAD_BYTES};
   *     copied
   * @param expectedHeadSeq the seq the head must still have; 0 for an empty chain
   * @return the new entries, in order; empty when {@code payloads} is
   */
  public static List<Entry> appendAll(
      Backend backend, String stream, WriterKey key, List<byte[]> payloads, long expectedHeadSeq) {
    return appendSigned(backend, stream, key, payloads, OptionalLong.of(expectedHeadSeq));
  }

  private static List<Entry> appendSigned(
      Backend backend,
      String stream,
      WriterKey key,
      List<byte[]> payloads,
      OptionalLong expectedSeq) {
    Args.notNull(key, "key");
    EntrySignatures.Signer signer =
        new EntrySignatures.Signer() {
          private final byte[] publicKey = key.publicKeyBytes();

          @Override
          public byte[] publicKey() {
            return publicKey;
          }

          @Override
          public byte[] sign(byte[] message) {
            return key.sign(message);
          }
        };
    return appendChecked(backend, stream, key.fingerprint().toHex(), payloads, expectedSeq, signer);
  }

  /**
   * Appends only if the head of {@code (stream, writer)} is still {@code expectedHeadSeq} (0 for an
   * empty chain): optimistic concurrency for writers that decided what to write from what they
   * read.
   *
   * @param backend the store to use
   * @param stream the stream name
   * @param writer the writer name within {@code stream}
   * @param payload the entry's bytes, at most {@link #MAX_PAYLOAD_BYTES}; copied
   * @param expectedHeadSeq the seq the head must still have; 0 for an empty chain
   * @return the appended entry
   * @throws AppendConflictException when the head has moved; nothing is written
   */
  public static Entry append(
      Backend backend, String stream, String writer, byte[] payload, long expectedHeadSeq) {
    return appendChecked(
            backend,
            stream,
            writer,
            Collections.singletonList(payload),
            OptionalLong.of(expectedHeadSeq),
            null)
        .get(0);
  }

  /**
   * Appends every payload, in order, in one transaction: all are committed or none. Returns the new
   * entries; an empty list appends nothing. The doorbell rings once, for the last entry.
   *
   * @param backend the store to use
   * @param stream the stream name
   * @param writer the writer name within {@code stream}
   * @param payloads the payloads in append order, each at most {@link WriterLog#MAX_PAYLOAD_BYTES};
   *     copied
   * @return the new entries, in order; empty when {@code payloads} is
   */
  public static List<Entry> appendAll(
      Backend backend, String stream, String writer, List<byte[]> payloads) {
    return appendChecked(backend, stream, writer, payloads, OptionalLong.empty(), null);
  }

  /**
   * Like {@link #appendAll(Backend, String, String, List)}, only if the head is still {@code
   * expectedHeadSeq}.
   *
   * @param backend the store to use
   * @param stream the stream name
   * @param writer the writer name within {@code stream}
   * @param payloads the payloads in append order, each at most {@link WriterLog#MAX_PAYLOAD_BYTES};
   *     copied
   * @param expectedHeadSeq the seq the head must still have; 0 for an empty chain
   * @return the new entries, in order; empty when {@code payloads} is
   */
  public static List<Entry> appendAll(
      Backend backend, String stream, String writer, List<byte[]> payloads, long expectedHeadSeq) {
    return appendChecked(backend, stream, writer, payloads, OptionalLong.of(expectedHeadSeq), null);
  }

  private static List<Entry> appendChecked(
      Backend backend,
      String stream,
      String writer,
      List<byte[]> payloads,
      OptionalLong expectedSeq,
      EntrySignatures.@Nullable Signer signer) {
    JdbcBackend jdbc = JdbcBackend.of(backend);
    checkNewNames(jdbc, stream, writer);
    if (expectedSeq.isPresent() && expectedSeq.getAsLong() < 0) {
      throw new InvalidInputException(
          "expected head seq must be 0 (empty chain) or more, got "
              + expectedSeq.getAsLong()
              + " (appending to "
              + stream
              + "/"
              + writer
              + ")");
    }
    Args.notNull(payloads, "payloads");
    List<byte[]> copies = new ArrayList<>(payloads.size());
    for (byte[] payload : payloads) {
      // Copied so that a caller mutating its array during the append cannot split hash and row;
      // this copy is the only one: it is hashed, bound to the insert and kept by the entry.
      copies.add(Names.payload(payload, stream, writer).clone());
    }
    if (copies.isEmpty()) {
      return List.of();
    }
    return LogOps.append(jdbc, stream, writer, copies, expectedSeq, signer);
  }

  /**
   * {@return the last entry of {@code (stream, writer)}, or empty when it has none}
   *
   * @param backend the store to use
   * @param stream the stream name
   * @param writer the writer name within {@code stream}
   */
  public static Optional<Entry> head(Backend backend, String stream, String writer) {
    JdbcBackend jdbc = JdbcBackend.of(backend);
    checkNames(jdbc, stream, writer);
    return LogOps.headEntry(jdbc, stream, writer);
  }

  /**
   * {@return every entry of {@code (stream, writer)} in seq order, read lazily a bounded page at a
   * time: the log is never held in memory, and no connection is held between pages} Entries
   * appended while the stream is consumed may or may not be included; none is ever seen partially.
   *
   * @param backend the store to use
   * @param stream the stream name
   * @param writer the writer name within {@code stream}
   * @throws MalformedRowException (while consuming) at a malformed row
   */
  public static Stream<Entry> entries(Backend backend, String stream, String writer) {
    return entries(backend, stream, writer, 0);
  }

  /**
   * Like {@link #entries(Backend, String, String)}, for entries with seq greater than {@code
   * afterSeq}.
   *
   * @param backend the store to use
   * @param stream the stream name
   * @param writer the writer name within {@code stream}
   * @param afterSeq only entries with a greater seq are returned; 0 for all
   * @return a lazy stream of the entries, in seq order; close it to release its page
   */
  public static Stream<Entry> entries(
      Backend backend, String stream, String writer, long afterSeq) {
    JdbcBackend jdbc = JdbcBackend.of(backend);
    checkNames(jdbc, stream, writer);
    checkAfter(afterSeq, stream, writer);
    ChainReader rows = new ChainReader(jdbc, stream, writer, afterSeq, Long.MAX_VALUE);
    Spliterator<Entry> entries =
        Spliterators.spliteratorUnknownSize(
            new java.util.Iterator<Entry>() {
              @Override
              public boolean hasNext() {
                return rows.hasNext();
              }

              @Override
              public Entry next() {
                return rows.next().toEntry(stream, writer);
              }
            },
            Spliterator.ORDERED | Spliterator.NONNULL | Spliterator.DISTINCT);
    return StreamSupport.stream(entries, false);
  }

  /**
   * At most {@code limit} entries with seq greater than {@code afterSeq}, in order: how a follower
   * catches up after a doorbell ring.
   *
   * @param backend the store to use
   * @param stream the stream name
   * @param writer the writer name within {@code stream}
   * @param afterSeq only entries with a greater seq are returned; 0 for all
   * @param limit the most entries to return, 1 to {@link #MAX_READ_LIMIT}
   * @return the entries, in seq order; fewer than {@code limit} (or none) at the head
   * @throws InvalidInputException when {@code afterSeq} is negative or {@code limit} is not in
   *     {@code 1..MAX_READ_LIMIT}
   */
  public static List<Entry> readAfter(
      Backend backend, String stream, String writer, long afterSeq, int limit) {
    JdbcBackend jdbc = JdbcBackend.of(backend);
    checkNames(jdbc, stream, writer);
    checkAfter(afterSeq, stream, writer);
    if (limit < 1 || limit > MAX_READ_LIMIT) {
      throw new InvalidInputException(
          "limit must be between 1 and "
              + MAX_READ_LIMIT
              + ", got "
              + limit
              + " (reading "
              + stream
              + "/"
              + writer
              + ")");
    }
    ChainReader rows = new ChainReader(jdbc, stream, writer, afterSeq, limit);
    List<Entry> entries = new ArrayList<>();
    while (rows.hasNext()) {
      entries.add(rows.next().toEntry(stream, writer));
    }
    return entries;
  }

  /**
   * Follows {@code (stream, writer)}: a {@link Follower} that delivers every entry with seq greater
   * than {@code afterSeq}, exactly once and in seq order, first those already stored and then each
   * one as it commits, until it is closed. It wakes on the backend's own wake-up sources and polls
   * every second; see {@link #follow(Backend, String, String, long, FollowOptions)}.
   *
   * @param backend the store to use
   * @param stream the stream name
   * @param writer the writer name within {@code stream}
   * @param afterSeq deliver entries with a greater seq; 0 for the whole chain
   * @return a started follower; close it to stop
   * @throws InvalidInputException for a bad name or a negative {@code afterSeq}
   */
  public static Follower follow(Backend backend, String stream, String writer, long afterSeq) {
    return follow(backend, stream, writer, afterSeq, FollowOptions.defaults());
  }

  /**
   * Like {@link #follow(Backend, String, String, long)}, waking as {@code options} say. A {@code
   * afterSeq} beyond the head is not an error: the follower waits until the chain grows past it.
   *
   * @param backend the store to use
   * @param stream the stream name
   * @param writer the writer name within {@code stream}
   * @param afterSeq deliver entries with a greater seq; 0 for the whole chain
   * @param options how to wait for new entries
   * @return a started follower; close it to stop
   */
  public static Follower follow(
      Backend backend, String stream, String writer, long afterSeq, FollowOptions options) {
    JdbcBackend jdbc = JdbcBackend.of(backend);
    checkNames(jdbc, stream, writer);
    checkAfter(afterSeq, stream, writer);
    Args.notNull(options, "options");
    jdbc.ensureOpen();
    return new Follower(jdbc, stream, writer, Map.of(writer, afterSeq), options);
  }

  /**
   * Follows every chain of {@code stream}, also those of writers that appear later: each entry
   * after the writer's position in {@code afterSeqs} (0, the whole chain, for a writer not named
   * there) is delivered exactly once, each writer's entries in seq order. Entries of different
   * writers come in no particular order relative to each other.
   *
   * @param backend the store to use
   * @param stream the stream name
   * @param afterSeqs the position of each writer already seen: its entries up to that seq are not
   *     delivered
   * @param options how to wait for new entries
   * @return a started follower; close it to stop
   * @throws InvalidInputException for a bad name or a negative position
   */
  public static Follower followStream(
      Backend backend, String stream, Map<String, Long> afterSeqs, FollowOptions options) {
    JdbcBackend jdbc = JdbcBackend.of(backend);
    Names.accept("stream", stream, "", jdbc.storesNulInText());
    Args.notNull(afterSeqs, "afterSeqs");
    Args.notNull(options, "options");
    Map<String, Long> after = new HashMap<>();
    for (Map.Entry<String, Long> position : afterSeqs.entrySet()) {
      checkNames(jdbc, stream, position.getKey());
      long seq = Args.notNull(position.getValue(), "afterSeqs value");
      checkAfter(seq, stream, position.getKey());
      after.put(position.getKey(), seq);
    }
    jdbc.ensureOpen();
    return new Follower(jdbc, stream, null, after, options);
  }

  /**
   * Follows every chain of {@code stream} from its start, with the default options.
   *
   * @param backend the store to use
   * @param stream the stream name
   * @return a started follower; close it to stop
   */
  public static Follower followStream(Backend backend, String stream) {
    return followStream(backend, stream, Map.of(), FollowOptions.defaults());
  }

  /**
   * {@return every stream that has at least one entry, in UTF-8 byte order}
   *
   * @param backend the store to use
   */
  public static List<String> streams(Backend backend) {
    return LogOps.streams(JdbcBackend.of(backend));
  }

  /**
   * {@return the head of every chain of {@code stream}, ordered by writer (UTF-8 byte order)}
   *
   * @param backend the store to use
   * @param stream the stream name
   */
  public static List<Head> heads(Backend backend, String stream) {
    JdbcBackend jdbc = JdbcBackend.of(backend);
    Names.accept("stream", stream, "", jdbc.storesNulInText());
    return LogOps.heads(jdbc, stream);
  }

  /**
   * {@return the head of every chain in the store, ordered by stream then writer (UTF-8 byte
   * order)}
   *
   * @param backend the store to use
   */
  public static List<Head> heads(Backend backend) {
    return LogOps.heads(JdbcBackend.of(backend), null);
  }

  /**
   * Verifies the chain of {@code (stream, writer)} from seq 1: contiguous seqs, NULL prev_hash only
   * at seq 1, every prev_hash equal to the previous content_hash, every content_hash equal to
   * {@code BLAKE3(prev_hash || payload)}, every hash 32 bytes and every payload a BLOB. Streams the
   * chain in bounded memory. A chain with no entries verifies (as in the reference crate).
   *
   * <p>On a SQLite file or PostgreSQL, outside a transaction, a chain longer than two segments
   * (16,384 seqs each, as few as 1,000 when the head's payload is large: about 8 MiB of payload per
   * segment) is read and hashed in segments on up to four threads at once (one read connection
   * each); the failure reported is still the one at the lowest seq. Entries appended while it runs
   * are verified too, up to the head it reaches.
   *
   * <p>A hash chain alone cannot detect a cut tail or a consistent rewrite of a whole chain;
   * compare the returned head with one recorded elsewhere for that. Nor can it see a damaged index
   * that hides the chain's last entries: {@link #checkStorage} does.
   *
   * @param backend the store to use
   * @param stream the stream name
   * @param writer the writer name within {@code stream}
   * @return the head that was verified, empty for an empty chain
   * @throws ChainBrokenException at the first broken seq, naming why
   */
  public static Optional<Head> verify(Backend backend, String stream, String writer) {
    JdbcBackend jdbc = JdbcBackend.of(backend);
    checkNames(jdbc, stream, writer);
    return LogOps.verify(jdbc, stream, writer);
  }

  /**
   * Like {@link #verify(Backend, String, String)}, telling {@code progress} how many entries have
   * been verified so far: every 1,024 entries (every segment on a chain read in segments) and once
   * at the end (with the total). For progress displays over long chains; {@code progress} runs on
   * the calling thread.
   *
   * @param backend the store to use
   * @param stream the stream name
   * @param writer the writer name within {@code stream}
   * @param progress called with the number of entries verified so far, on the calling thread
   * @return the head that was verified, empty for an empty chain
   */
  public static Optional<Head> verify(
      Backend backend, String stream, String writer, LongConsumer progress) {
    JdbcBackend jdbc = JdbcBackend.of(backend);
    checkNames(jdbc, stream, writer);
    Args.notNull(progress, "progress");
    return LogOps.verify(jdbc, stream, writer, progress);
  }

  /**
   * Like {@link #verify(Backend, String, String)}, and checks the chain's signatures as {@code
   * options} say. Every signature row present is checked whatever the options: its public key must
   * be the writer's (when the writer is named by a key fingerprint, 64 lower-case hex characters)
   * and its signature must verify over the entry's stream, writer, seq and content hash, so that an
   * entry altered and consistently re-hashed, or moved to another stream, writer or seq, breaks the
   * chain. With {@link VerifyOptions#requireSignatures()}, an unsigned entry of a fingerprint-named
   * writer breaks it too. The failure reported is the one at the lowest seq, hash links and
   * signatures together.
   *
   * <p>A chain without signature rows costs what {@link #verify(Backend, String, String)} costs,
   * plus one lookup of the signature table; a signed chain adds one Ed25519 verification per entry.
   *
   * @param backend the store to use
   * @param stream the stream name
   * @param writer the writer name within {@code stream}
   * @param options which signatures to require
   * @return the head that was verified, empty for an empty chain
   * @throws ChainBrokenException at the first broken seq: a broken link, or {@link
   *     ChainBrokenException.Reason#BAD_SIGNATURE}, {@link
   *     ChainBrokenException.Reason#KEY_MISMATCH} or {@link ChainBrokenException.Reason#UNSIGNED}
   */
  public static Optional<Head> verify(
      Backend backend, String stream, String writer, VerifyOptions options) {
    JdbcBackend jdbc = JdbcBackend.of(backend);
    checkNames(jdbc, stream, writer);
    Args.notNull(options, "options");
    return LogOps.verify(jdbc, stream, writer, verified -> {}, options.requireSignatures());
  }

  /**
   * Like {@link #verify(Backend, String, String, VerifyOptions)}, telling {@code progress} how many
   * entries of the hash chain have been verified so far, as {@link #verify(Backend, String, String,
   * LongConsumer)} does.
   *
   * @param backend the store to use
   * @param stream the stream name
   * @param writer the writer name within {@code stream}
   * @param options which signatures to require
   * @param progress called with the number of entries verified so far, on the calling thread
   * @return the head that was verified, empty for an empty chain
   */
  public static Optional<Head> verify(
      Backend backend, String stream, String writer, VerifyOptions options, LongConsumer progress) {
    JdbcBackend jdbc = JdbcBackend.of(backend);
    checkNames(jdbc, stream, writer);
    Args.notNull(options, "options");
    Args.notNull(progress, "progress");
    return LogOps.verify(jdbc, stream, writer, progress, options.requireSignatures());
  }

  /**
   * Checks the storage underneath every chain, which {@link #verify} cannot see: on SQLite, runs
   * {@code PRAGMA integrity_check} over the whole file, which reads every page and compares every
   * index with its table. An index that lost rows hides the tail of a chain from every read through
   * it — {@link #verify}, {@link #heads}, {@link #readAfter}, a {@link Follower} — so that a chain
   * verifies "intact" up to the hidden point; only this check sees it. It reads the whole file and
   * every index on one thread: on a million entries, about half as long as verifying every chain.
   * Damage in the caller's own tables of the same file is reported too.
   *
   * <p>PostgreSQL has no such check here: returns false without reading anything ({@code amcheck}'s
   * {@code bt_index_check} is the operator's tool for index damage there).
   *
   * @param backend the store to use
   * @return true when the check ran and found nothing wrong, false when the backend has no check
   * @throws DamagedStoreException when the check found a problem, naming the store and the first
   *     problems the check reported
   */
  public static boolean checkStorage(Backend backend) {
    return LogOps.checkStorage(JdbcBackend.of(backend));
  }

  /**
   * Appends entries that were written elsewhere — by another store, a backup, a Rust agent —
   * keeping their seqs and hashes exactly: how a chain is copied between stores without a single
   * hash being recomputed into the store. Before anything is written, every link is checked: the
   * entries are one {@code (stream, writer)} chain with contiguous seqs, each {@code prevHash} is
   * the previous entry's content hash (none at seq 1), each content hash is {@code BLAKE3(prevHash
   * || payload)}, and the first entry continues the stored head (its seq is the head's seq + 1 and
   * its {@code prevHash} the head's hash). All entries are inserted in one transaction, or none; an
   * empty list does nothing. The doorbell rings once, for the last entry.
   *
   * @param backend the store to use
   * @param entries the entries of one chain, in seq order, continuing the stored head
   * @throws ChainBrokenException when the entries do not form a valid chain, or their first entry's
   *     {@code prevHash} is not the stored head's hash (the store holds a different chain); names
   *     the seq
   * @throws AppendConflictException when the first entry's seq is not the stored head's seq + 1
   * @throws InvalidInputException when the entries belong to different chains, or a name or payload
   *     is not storable
   */
  public static void importEntries(Backend backend, List<Entry> entries) {
    Args.notNull(entries, "entries");
    if (entries.isEmpty()) {
      return;
    }
    JdbcBackend jdbc = JdbcBackend.of(backend);
    Entry first = entries.get(0);
    checkNames(jdbc, first.stream(), first.writer());
    for (Entry entry : entries) {
      Args.notNull(entry, "entry");
      Names.payload(EntryArrays.payload(entry), entry.stream(), entry.writer());
    }
    LogOps.importEntries(jdbc, first.stream(), first.writer(), List.copyOf(entries));
  }

  /**
   * {@code text} as UTF-8, refusing what UTF-8 cannot encode rather than writing the {@code '?'}
   * that {@link String#getBytes} would put in place of an unpaired surrogate.
   */
  private static byte[] utf8(@Nullable String text, String stream, String writer) {
    if (text == null) {
      throw new InvalidInputException("payload must not be null (" + stream + "/" + writer + ")");
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new InvalidInputException(
            "payload text for "
                + stream
                + "/"
                + writer
                + " has an unpaired surrogate at index "
                + i
                + "; it cannot be stored as UTF-8");
      }
    }
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Like {@link #importEntries(Backend, List)}, and writes {@code signatures} (rows read from
   * another store by {@link #signatures}) in the same transaction, so that a copied chain keeps its
   * signatures. Each must be of one of the entries, in seq order, and must verify over it (with the
   * writer's key, for a fingerprint-named writer) before anything is written; entries without a
   * signature are imported unsigned.
   *
   * @param backend the store to use
   * @param entries the entries of one chain, in seq order, continuing the stored head
   * @param signatures signature rows for some or all of those entries
   * @throws ChainBrokenException as {@link #importEntries(Backend, List)}, or {@code BAD_SIGNATURE}
   *     / {@code KEY_MISMATCH} at the first signature that fails
   * @throws InvalidInputException when a signature is not of one of the entries
   */
  public static void importEntries(
      Backend backend, List<Entry> entries, List<EntrySignature> signatures) {
    Args.notNull(entries, "entries");
    Args.notNull(signatures, "signatures");
    if (entries.isEmpty()) {
      if (!signatures.isEmpty()) {
        throw new InvalidInputException("cannot import signatures without their entries");
      }
      return;
    }
    JdbcBackend jdbc = JdbcBackend.of(backend);
    Entry first = entries.get(0);
    checkNames(jdbc, first.stream(), first.writer());
    for (Entry entry : entries) {
      Args.notNull(entry, "entry");
      Names.payload(EntryArrays.payload(entry), entry.stream(), entry.writer());
    }
    for (EntrySignature signature : signatures) {
      Args.notNull(signature, "signature");
    }
    LogOps.importEntries(
        jdbc, first.stream(), first.writer(), List.copyOf(entries), List.copyOf(signatures));
  }

  /**
   * {@return the signature rows of {@code (stream, writer)} with seqs after {@code afterSeq} up to
   * {@code throughSeq}, in seq order, as stored (not verified: {@link #verify(Backend, String,
   * String, VerifyOptions)} does that); empty when the store has no signature table} For copying a
   * signed chain with {@link #importEntries(Backend, List, List)}.
   *
   * @param backend the store to use
   * @param stream the stream name
   * @param writer the writer name within {@code stream}
   * @param afterSeq signatures of entries with a greater seq; 0 for all
   * @param throughSeq the last seq to include
   * @throws InvalidInputException when the range is negative or wider than {@link #MAX_READ_LIMIT}
   */
  public static List<EntrySignature> signatures(
      Backend backend, String stream, String writer, long afterSeq, long throughSeq) {
    JdbcBackend jdbc = JdbcBackend.of(backend);
    checkNames(jdbc, stream, writer);
    checkAfter(afterSeq, stream, writer);
    if (throughSeq < afterSeq || throughSeq - afterSeq > MAX_READ_LIMIT) {
      throw new InvalidInputException(
          "throughSeq must be from afterSeq to afterSeq + "
              + MAX_READ_LIMIT
              + ", got "
              + afterSeq
              + ".."
              + throughSeq
              + " (reading "
              + stream
              + "/"
              + writer
              + ")");
    }
    return EntrySignatures.read(jdbc, stream, writer, afterSeq, throughSeq);
  }

  /** The names of a chain this library starts or extends: within the limits it writes names to. */
  private static void checkNewNames(JdbcBackend backend, String stream, String writer) {
    boolean nul = backend.storesNulInText();
    Names.check("stream", stream, "", nul);
    Names.check("writer", writer, " (stream " + Names.quote(stream) + ")", nul);
  }

  /**
   * The names of a chain read, verified, followed or imported: any name the tables can hold, empty
   * and beyond {@link #MAX_NAME_BYTES} included, since other writers (the reference crate among
   * them) store such names and their chains must read, verify and copy.
   */
  private static void checkNames(JdbcBackend backend, String stream, String writer) {
    boolean nul = backend.storesNulInText();
    Names.accept("stream", stream, "", nul);
    Names.accept("writer", writer, " (stream " + Names.quote(stream) + ")", nul);
  }

  private static void checkAfter(long afterSeq, String stream, String writer) {
    if (afterSeq < 0) {
      throw new InvalidInputException(
          "afterSeq must be 0 or more, got "
              + afterSeq
              + " (reading "
              + stream
              + "/"
              + writer
              + ")");
    }
  }
}
