package dev.agentstore;

import java.util.Objects;

/**
 * A hint that {@code (stream, writer)} committed up to {@code seq}. Rings are hints, not data: a
 * subscriber re-reads the log after the seq it last saw (see {@link WriterLog#readAfter}).
 */
public record CommitEvent(String stream, String writer, long seq) {

  public CommitEvent {
    Objects.requireNonNull(stream, "stream");
    Objects.requireNonNull(writer, "writer");
    if (seq < 1) {
      throw new IllegalArgumentException("seq must be >= 1, got " + seq);
    }
  }

  /** The event announcing {@code entry}. */
  public static CommitEvent of(Entry entry) {
    return new CommitEvent(entry.stream(), entry.writer(), entry.seq());
  }
}
