package dev.agentstore;

/**
 * A row of {@code _agent_store_log} cannot be read as an entry: a hash is not 32 bytes, or the
 * payload is not a BLOB. Thrown by reads and appends that meet such a row, and by {@link
 * WriterLog#verify} as the chain break it is.
 */
public final class MalformedRowException extends ChainBrokenException {
  private static final long serialVersionUID = 1L;

  public MalformedRowException(
      String stream, String writer, long seq, Reason reason, String whatWasFound) {
    super(stream, writer, seq, reason, whatWasFound);
  }
}
