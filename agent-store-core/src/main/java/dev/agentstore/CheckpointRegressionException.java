package dev.agentstore;

import dev.agentstore.internal.Args;
import java.util.Arrays;

/**
 * A witness refused a checkpoint that goes backwards: for a chain it has already witnessed (same
 * store name and signer), the new checkpoint records a lower seq, or the same seq with another
 * content hash. Either means the chain was cut or rewritten since the witnessed checkpoint — or the
 * checkpoint was taken of another copy of the store. Names the chain, both seqs and where.
 */
public final class CheckpointRegressionException extends StoreException {
  private static final long serialVersionUID = 1L;

  /** The chain's stream. */
  private final String stream;

  /** The chain's writer. */
  private final String writer;

  /** The seq the witness holds. */
  private final long witnessedSeq;

  /** The seq of the refused checkpoint. */
  private final long offeredSeq;

  private CheckpointRegressionException(
      String message, String stream, String writer, long witnessedSeq, long offeredSeq) {
    super(message);
    this.stream = stream;
    this.writer = writer;
    this.witnessedSeq = witnessedSeq;
    this.offeredSeq = offeredSeq;
  }

  /**
   * Throws when {@code offered} goes backwards from {@code witnessed}, two heads of the same chain:
   * a lower seq, or the same seq with another content hash. A higher seq passes (whether it grew
   * from the witnessed entry is for {@link Checkpoint#check} against the store to say).
   *
   * @param where the witness, for the message (e.g. a table, a subject)
   * @param store the name the witness keeps the store's checkpoints under
   * @param witnessed the chain's head in the last checkpoint the witness accepted
   * @param offered the same chain's head in the new checkpoint
   * @throws CheckpointRegressionException when {@code offered} goes backwards
   * @throws InvalidInputException when the two heads are of different chains
   */
  public static void requireForward(String where, String store, Head witnessed, Head offered) {
    Args.notNull(where, "where");
    Args.notNull(store, "store");
    Args.notNull(witnessed, "witnessed");
    Args.notNull(offered, "offered");
    if (!witnessed.stream().equals(offered.stream())
        || !witnessed.writer().equals(offered.writer())) {
      throw new InvalidInputException(
          "heads of two chains compared: "
              + witnessed.stream()
              + "/"
              + witnessed.writer()
              + " and "
              + offered.stream()
              + "/"
              + offered.writer());
    }
    String chain = offered.stream() + "/" + offered.writer();
    if (offered.seq() < witnessed.seq()) {
      throw new CheckpointRegressionException(
          where
              + " refuses a checkpoint of "
              + store
              + ": chain "
              + chain
              + " goes back to seq "
              + offered.seq()
              + " from the witnessed seq "
              + witnessed.seq()
              + " (cut or rewritten since)",
          offered.stream(),
          offered.writer(),
          witnessed.seq(),
          offered.seq());
    }
    if (offered.seq() == witnessed.seq()
        && !Arrays.equals(offered.contentHash(), witnessed.contentHash())) {
      throw new CheckpointRegressionException(
          where
              + " refuses a checkpoint of "
              + store
              + ": chain "
              + chain
              + " has another entry at the witnessed seq "
              + witnessed.seq()
              + " (content hash "
              + offered.contentHashHex()
              + ", witnessed "
              + witnessed.contentHashHex()
              + "): rewritten",
          offered.stream(),
          offered.writer(),
          witnessed.seq(),
          offered.seq());
    }
  }

  /** {@return the stream of the chain that goes backwards} */
  public String stream() {
    return stream;
  }

  /** {@return the writer of the chain that goes backwards} */
  public String writer() {
    return writer;
  }

  /** {@return the seq the witness holds for the chain} */
  public long witnessedSeq() {
    return witnessedSeq;
  }

  /** {@return the seq the refused checkpoint records for the chain} */
  public long offeredSeq() {
    return offeredSeq;
  }
}
