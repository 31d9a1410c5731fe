package dev.agentstore;

/**
 * An optimistic append found a different head than the caller expected: another writer appended to
 * the same {@code (stream, writer)} first. Nothing was written. Re-read the head, decide, and
 * append again.
 */
public final class AppendConflictException extends RetryableStoreException {
  private static final long serialVersionUID = 1L;

  private final String stream;
  private final String writer;
  private final long expectedSeq;
  private final long actualSeq;

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

  public String stream() {
    return stream;
  }

  public String writer() {
    return writer;
  }

  /** The head seq the caller expected; 0 means "the chain is empty". */
  public long expectedSeq() {
    return expectedSeq;
  }

  /** The head seq found in the store; 0 means the chain is empty. */
  public long actualSeq() {
    return actualSeq;
  }
}
