package dev.agentstore;

import dev.agentstore.internal.Args;

/**
 * A hint that {@code (stream, writer)} committed up to {@code seq}. Rings are hints, not data: a
 * subscriber re-reads the log after the seq it last saw (see {@link WriterLog#readAfter}).
 *
 * @param stream the stream that was appended to
 * @param writer the writer that appended
 * @param seq the seq of the last committed entry, 1 or more
 */
public record CommitEvent(String stream, String writer, long seq) {

  /**
   * Checks that no name is null and that {@code seq} is 1 or more.
   *
   * @param stream the stream that was appended to
   * @param writer the writer that appended
   * @param seq the seq of the last committed entry, 1 or more
   * @throws InvalidInputException when a name is null or {@code seq} is below 1
   */
  public CommitEvent {
    Args.notNull(stream, "stream");
    Args.notNull(writer, "writer");
    if (seq < 1) {
      throw new InvalidInputException(
          "CommitEvent seq must be 1 or more, got " + seq + " (" + stream + "/" + writer + ")");
    }
  }

  /**
   * {@return the event announcing {@code entry}}
   *
   * @param entry the entry that was committed
   */
  public static CommitEvent of(Entry entry) {
    return new CommitEvent(entry.stream(), entry.writer(), entry.seq());
  }
}
