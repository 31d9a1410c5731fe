package dev.agentstore;

/**
 * An entry's payload was read as text ({@link Entry#payloadUtf8()}) but is not well-formed UTF-8:
 * the entry is intact, it just holds bytes that are not text. The facts are fields: the entry's
 * stream, writer and seq, and the offset of the first byte that does not decode.
 */
public final class PayloadNotUtf8Exception extends StoreException {
  private static final long serialVersionUID = 1L;

  /** The entry's stream. */
  private final String stream;

  /** The entry's writer. */
  private final String writer;

  /** The entry's seq. */
  private final long seq;

  /** The offset of the first byte that does not decode. */
  private final int offset;

  /**
   * The payload of {@code stream}/{@code writer} at {@code seq}, {@code length} bytes long, does
   * not decode as UTF-8 from byte {@code offset} on.
   *
   * @param stream the entry's stream
   * @param writer the entry's writer
   * @param seq the entry's seq
   * @param offset the index in the payload of the first byte of the first malformed sequence
   * @param length the payload's length in bytes
   * @param cause the decoder's report
   */
  public PayloadNotUtf8Exception(
      String stream, String writer, long seq, int offset, int length, Throwable cause) {
    super(
        "payload of "
            + stream
            + "/"
            + writer
            + " seq "
            + seq
            + " is not valid UTF-8: byte "
            + offset
            + " of "
            + length
            + " starts a malformed sequence; read it with payload() as bytes",
        cause);
    this.stream = stream;
    this.writer = writer;
    this.seq = seq;
    this.offset = offset;
  }

  /** {@return the stream of the entry} */
  public String stream() {
    return stream;
  }

  /** {@return the writer of the entry} */
  public String writer() {
    return writer;
  }

  /** {@return the seq of the entry} */
  public long seq() {
    return seq;
  }

  /** {@return the index in the payload of the first byte that does not decode} */
  public int offset() {
    return offset;
  }
}
