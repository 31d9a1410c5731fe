package dev.agentstore;

import dev.agentstore.internal.Args;
import dev.agentstore.internal.JdbcBackend;
import dev.agentstore.internal.RecallOps;
import dev.agentstore.internal.Vectors;
import java.util.List;
import java.util.OptionalInt;

/**
 * Semantic recall: vectors stored beside log entries and searched by cosine similarity, so that an
 * agent finds the past entries closest in meaning to a question. The store keeps and searches
 * vectors; computing them stays pluggable ({@link EmbeddingModel}, or any {@code float[]}).
 *
 * <p>Vectors live in the side table {@code _agent_store_vec}, keyed by {@code (stream, writer, seq,
 * model)}, each with the content hash of the entry it was computed from and stored as little-endian
 * float32 bytes; the two reference tables are not touched. A vector whose entry was rewritten (its
 * content hash changed) or deleted is <em>stale</em>: {@link #search} never returns it, {@link
 * #stale} lists such vectors and {@link #forgetStale} removes them. All vectors of one model have
 * the dimension of the first one stored.
 *
 * <p>{@link #search} is exact: it reads every vector of the model that the filter keeps, scores it
 * in place and keeps the best {@code k} in a bounded heap. Its cost is one pass over those vectors
 * (see {@code docs/recall.md} for measured latencies); its memory is {@code O(k)} plus what the
 * driver buffers (on PostgreSQL the rows are fetched in batches inside a transaction).
 *
 * <p>Stateless; every method is thread-safe. Indexing runs in a write transaction (joining the
 * caller's {@link Backend#inTransaction} when there is one); searches and listings only read.
 */
public final class Recall {
  /** The most dimensions a vector may have. */
  public static final int MAX_DIMENSION = Vectors.MAX_DIMENSION;

  /** The longest model name, in UTF-8 bytes. */
  public static final int MAX_MODEL_BYTES = Vectors.MAX_MODEL_BYTES;

  /** The most rows {@link #unindexed} and {@link #stale} return in one call. */
  public static final int MAX_LIST = RecallOps.MAX_LIST;

  private Recall() {}

  /**
   * Creates the vector table {@code _agent_store_vec} and its index when missing (idempotent, safe
   * to race) and checks that an existing one has the expected layout. {@link
   * WriterLog#ensureSchema} must have run too: vectors refer to entries of the log.
   *
   * @param backend the store to use
   * @throws SchemaMismatchException when a table of that name has other columns
   * @throws StoreOpenException when the table is missing and the user may not create it
   */
  public static void ensureSchema(Backend backend) {
    RecallOps.ensureSchema(JdbcBackend.of(backend));
  }

  /**
   * Checks that {@code _agent_store_vec} exists with the expected layout, and changes nothing.
   *
   * @param backend the store to use
   * @throws SchemaMismatchException when the table is missing (naming {@link #ensureSchema}) or has
   *     other columns
   */
  public static void checkSchema(Backend backend) {
    RecallOps.checkSchema(JdbcBackend.of(backend));
  }

  /**
   * Stores {@code vector} as the {@code model} vector of {@code entry}, replacing the one it had.
   * The entry must still be stored as given: same stream, writer, seq and content hash.
   *
   * @param backend the store that holds the entry
   * @param entry the entry the vector was computed from
   * @param model the model's name ({@link EmbeddingModel#name()}); 1 to {@link #MAX_MODEL_BYTES}
   *     bytes of UTF-8
   * @param vector the vector: 1 to {@link #MAX_DIMENSION} finite floats, not all zero, as many as
   *     the model's stored vectors have; copied
   * @throws InvalidInputException for a bad model name or vector, a dimension other than the
   *     model's stored vectors' (naming both), or when the store holds no such entry or holds it
   *     with another content hash
   */
  public static void index(Backend backend, Entry entry, String model, float[] vector) {
    JdbcBackend jdbc = JdbcBackend.of(backend);
    Args.notNull(entry, "entry");
    RecallOps.index(
        jdbc, entry.stream(), entry.writer(), entry.seq(), model, vector, entry.contentHash());
  }

  /**
   * Stores {@code vector} as the {@code model} vector of the entry at {@code (stream, writer,
   * seq)}, with that entry's current content hash, replacing the one it had.
   *
   * @param backend the store that holds the entry
   * @param stream the entry's stream
   * @param writer the entry's writer
   * @param seq the entry's seq
   * @param model the model's name; 1 to {@link #MAX_MODEL_BYTES} bytes of UTF-8
   * @param vector the vector: 1 to {@link #MAX_DIMENSION} finite floats, not all zero, as many as
   *     the model's stored vectors have; copied
   * @throws InvalidInputException for a bad name, model or vector, a dimension other than the
   *     model's stored vectors' (naming both), or when there is no such entry (naming stream,
   *     writer and seq)
   */
  public static void index(
      Backend backend, String stream, String writer, long seq, String model, float[] vector) {
    RecallOps.index(JdbcBackend.of(backend), stream, writer, seq, model, vector, null);
  }

  /**
   * Stores the {@code model} vector of each entry, {@code vectors.get(i)} for {@code
   * entries.get(i)}, in one transaction: all of them or, on any error, none. Fits {@link
   * EmbeddingModel#embedAll}: {@code Recall.indexAll(db, m.name(), entries, m.embedAll(texts))}.
   *
   * @param backend the store that holds the entries
   * @param model the model's name; 1 to {@link #MAX_MODEL_BYTES} bytes of UTF-8
   * @param entries the entries, each still stored with its content hash
   * @param vectors one vector per entry, all of one dimension (the model's, when it has vectors)
   * @return the number of vectors stored
   * @throws InvalidInputException when the lists differ in size, for a bad vector (naming its index
   *     and entry), a dimension mismatch, or an entry the store does not hold as given
   */
  public static int indexAll(
      Backend backend, String model, List<Entry> entries, List<float[]> vectors) {
    return RecallOps.indexAll(JdbcBackend.of(backend), model, entries, vectors);
  }

  /**
   * The {@code k} current entries whose {@code model} vectors are closest to {@code query} by
   * cosine similarity, among those {@code filter} keeps: best first, equal scores ordered by
   * stream, writer (UTF-8 byte order) and seq. Stale vectors are skipped, as are zero or non-finite
   * vectors written by other means than this class. Fewer than {@code k} hits when fewer vectors
   * match; none when the model has no vectors.
   *
   * @param backend the store to search
   * @param model the model whose vectors to compare
   * @param query the query vector, of the model's dimension: finite, not all zero
   * @param k how many hits at most; any positive number (memory grows with the hits found, not with
   *     {@code k})
   * @param filter which entries to consider ({@link RecallFilter#all()} for every one)
   * @return the hits, best first
   * @throws InvalidInputException for a bad model name or query, {@code k < 1}, or a query whose
   *     dimension differs from the model's stored vectors' (naming the model and both dimensions)
   * @throws CorruptStoreException when a stored vector of the model is not as many bytes as the
   *     model's dimension needs (naming the entry)
   */
  public static List<RecallHit> search(
      Backend backend, String model, float[] query, int k, RecallFilter filter) {
    return RecallOps.search(JdbcBackend.of(backend), model, query, k, filter);
  }

  /**
   * Like {@link #search(Backend, String, float[], int, RecallFilter)} over every entry.
   *
   * @param backend the store to search
   * @param model the model whose vectors to compare
   * @param query the query vector, of the model's dimension: finite, not all zero
   * @param k how many hits at most; any positive number
   * @return the hits, best first
   * @throws InvalidInputException as the filtered form throws it
   */
  public static List<RecallHit> search(Backend backend, String model, float[] query, int k) {
    return search(backend, model, query, k, RecallFilter.all());
  }

  /**
   * Removes every vector (of every model) of the entry at {@code (stream, writer, seq)}. Nothing
   * happens to the entry itself.
   *
   * @param backend the store to use
   * @param stream the entry's stream
   * @param writer the entry's writer
   * @param seq the entry's seq
   * @return the number of vectors removed (0 when it had none)
   * @throws InvalidInputException for a name the tables cannot hold
   */
  public static int forget(Backend backend, String stream, String writer, long seq) {
    return RecallOps.forget(JdbcBackend.of(backend), stream, writer, seq);
  }

  /**
   * Entries that have no current {@code model} vector (none at all, or a stale one), among those
   * {@code filter} keeps, in (stream, writer, seq) order, at most {@code limit}: what an indexer
   * embeds next. An indexer that skips some entries (not text, say) pages past them with {@link
   * RecallFilter#chain} and {@link RecallFilter#withSeqsFrom}.
   *
   * @param backend the store to use
   * @param model the model whose vectors to look for
   * @param filter which entries to consider
   * @param limit the most entries returned, 1 to {@link #MAX_LIST}
   * @return the entries, in order
   * @throws InvalidInputException for a bad model name or limit
   */
  public static List<Entry> unindexed(
      Backend backend, String model, RecallFilter filter, int limit) {
    return RecallOps.unindexed(JdbcBackend.of(backend), model, filter, limit);
  }

  /**
   * The stale vectors of {@code model}: those whose entry was rewritten or deleted after they were
   * indexed, in (stream, writer, seq) order, at most {@code limit}.
   *
   * @param backend the store to use
   * @param model the model whose vectors to check
   * @param limit the most vectors returned, 1 to {@link #MAX_LIST}
   * @return the stale vectors, in order
   * @throws InvalidInputException for a bad model name or limit
   */
  public static List<StaleVector> stale(Backend backend, String model, int limit) {
    return RecallOps.stale(JdbcBackend.of(backend), model, limit);
  }

  /**
   * Removes the stale vectors of {@code model}, in one statement.
   *
   * @param backend the store to use
   * @param model the model whose stale vectors to remove
   * @return the number of vectors removed
   * @throws InvalidInputException for a bad model name
   */
  public static int forgetStale(Backend backend, String model) {
    return RecallOps.forgetStale(JdbcBackend.of(backend), model);
  }

  /**
   * {@return the dimension of the stored vectors of {@code model}; empty when it has none}
   *
   * @param backend the store to use
   * @param model the model's name
   * @throws InvalidInputException for a bad model name
   */
  public static OptionalInt dimension(Backend backend, String model) {
    return RecallOps.dimension(JdbcBackend.of(backend), model);
  }
}
