package dev.agentstore;

/**
 * A {@code (stream, writer)} chain failed verification. {@link #seq()} is the first seq at which
 * the chain is broken and {@link #reason()} says why.
 */
public class ChainBrokenException extends CorruptStoreException {
  private static final long serialVersionUID = 1L;

  /** Why a chain is broken at a seq. */
  public enum Reason {
    /** A seq is missing: the entry found has a higher seq than the one expected. */
    GAP("expected seq %d, found seq %d"),
    /** seq 1 carries a prev_hash; the first entry of a chain has none. */
    UNEXPECTED_PREV_HASH("seq 1 must have a NULL prev_hash"),
    /** prev_hash is NULL past seq 1. */
    NULL_PREV_HASH("prev_hash is NULL past seq 1"),
    /** prev_hash is not the previous entry's content_hash. */
    PREV_HASH_MISMATCH("prev_hash does not match the content_hash of seq %d"),
    /** content_hash is not BLAKE3(prev_hash || payload). */
    HASH_MISMATCH("content_hash does not match BLAKE3(prev_hash || payload)"),
    /** A hash column does not hold exactly 32 bytes (or is not a BLOB). */
    MALFORMED_HASH("malformed row: %s"),
    /** The payload column does not hold a BLOB. */
    MALFORMED_PAYLOAD("malformed row: payload must be a BLOB, found %s"),
    /**
     * The entry's signature row does not verify over the entry's stream, writer, seq and content
     * hash (the entry was altered, moved or forged), or the row is malformed.
     */
    BAD_SIGNATURE("%s"),
    /**
     * The entry has no signature, and signatures are required of its writer (a writer named by a
     * key fingerprint, with signatures required).
     */
    UNSIGNED(
        "the entry is not signed, and signatures are required of writers named by a key"
            + " fingerprint"),
    /**
     * A signature row exists for a seq past the chain's head (or in a gap) with no entry: the
     * entries it signed were deleted, the tail of the chain was cut.
     */
    SIGNED_ENTRY_MISSING(
        "a signature row exists for seq %d but the entry does not: the chain was cut after seq"
            + " %d"),
    /** The entry is signed by a key whose fingerprint is not the writer's name. */
    KEY_MISMATCH("signed by key %s, whose fingerprint %s is not the writer"),
    /**
     * A row of {@code _agent_store_meta} holds a value that is not a 64-bit integer (a REAL, TEXT,
     * BLOB or NULL): no chain is involved; see {@link MalformedRowException#key()}.
     */
    MALFORMED_GENERATION("malformed row: %s");

    private final String template;

    Reason(String template) {
      this.template = template;
    }

    String describe(Object... facts) {
      return String.format(java.util.Locale.ROOT, template, facts);
    }
  }

  /** The stream of the broken chain. */
  private final String stream;

  /** The writer of the broken chain. */
  private final String writer;

  /** The seq of the first entry that does not link. */
  private final long seq;

  /** Which check the entry failed. */
  private final Reason reason;

  /** What was found, in words. */
  private final String detail;

  /**
   * @param facts the values the reason's description names (see {@link Reason}); for {@code GAP}
   *     the expected and found seq, for {@code PREV_HASH_MISMATCH} the previous seq, for the
   *     malformed reasons a description of what was found
   * @param stream the stream of the broken chain
   * @param writer the writer of the broken chain
   * @param seq the seq at which the chain breaks
   * @param reason what is wrong there
   */
  public ChainBrokenException(
      String stream, String writer, long seq, Reason reason, Object... facts) {
    this(stream, writer, seq, reason, reason.describe(facts));
  }

  private ChainBrokenException(
      String stream, String writer, long seq, Reason reason, String detail) {
    this(
        "chain broken in " + stream + "/" + writer + " at seq " + seq + ": " + detail,
        stream,
        writer,
        seq,
        reason,
        detail);
  }

  /** For subclasses whose message is not about a chain (a malformed generation row). */
  ChainBrokenException(
      String message, String stream, String writer, long seq, Reason reason, String detail) {
    super(message);
    this.stream = stream;
    this.writer = writer;
    this.seq = seq;
    this.reason = reason;
    this.detail = detail;
  }

  /** {@return the stream of the broken chain} */
  public String stream() {
    return stream;
  }

  /** {@return the writer of the broken chain} */
  public String writer() {
    return writer;
  }

  /** {@return the first seq at which the chain is broken} */
  public long seq() {
    return seq;
  }

  /** {@return which check the entry at {@link #seq()} failed} */
  public Reason reason() {
    return reason;
  }

  /** {@return the reason in words, without the stream/writer/seq prefix} */
  public String detail() {
    return detail;
  }
}
