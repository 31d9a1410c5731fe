package dev.agentstore;

/**
 * An optimistic append found a different head than the caller expected: another writer appended to
 * the same {@code (stream, writer)} first. Nothing was written. Re-read the head, decide, and
 * append again.
 */
public final class AppendConflictException extends RetryableStoreException {
  private static final long serialVersionUID = 1L;

  /** The stream of the chain appended to. */
  private final String stream;

  /** The writer of the chain appended to. */
  private final String writer;

  /** The head seq the caller expected. */
  private final long expectedSeq;

  /** The head seq found in the store. */
  private final long actualSeq;

  /**
   * An optimistic append to {@code stream}/{@code writer} that expected head {@code expectedSeq}
   * found {@code actualSeq}; the message says so and that nothing was written.
   *
   * @param stream the stream of the chain
   * @param writer the writer of the chain
   * @param expectedSeq the head seq the caller expected
   * @param actualSeq the head seq the store holds
   */
  public AppendConflictException(String stream, String writer, long expectedSeq, long actualSeq) {
    super(
        "append conflict on "
            + stream
            + "/"
            + writer
            + ": expected head seq "
            + expectedSeq
            + " but the head is seq "
            + actualSeq
            + " (another writer appended first; nothing was written)");
    this.stream = stream;
    this.writer = writer;
    this.expectedSeq = expectedSeq;
    this.actualSeq = actualSeq;
  }

  /** {@return the stream of the chain appended to} */
  public String stream() {
    return stream;
  }

  /** {@return the writer of the chain appended to} */
  public String writer() {
    return writer;
  }

  /** {@return the head seq the caller expected; 0 means "the chain is empty"} */
  public long expectedSeq() {
    return expectedSeq;
  }

  /** {@return the head seq found in the store; 0 means the chain is empty} */
  public long actualSeq() {
    return actualSeq;
  }
}
