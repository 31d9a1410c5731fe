package dev.agentstore;

import dev.agentstore.internal.Args;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Which entries a {@link Recall} search or listing considers: all of them, or those of one stream,
 * one writer, one chain, and a range of seqs. Every condition is applied by the database (it is
 * part of the query's {@code WHERE}), not after reading. Immutable and thread-safe; the withers
 * return a new filter.
 *
 * <pre>{@code
 * RecallFilter.stream("conv:demo").withWriter("alice").withSeqs(10, 20)
 * }</pre>
 */
public final class RecallFilter {
  private static final RecallFilter ALL = new RecallFilter(null, null, 1, Long.MAX_VALUE);

  private final @Nullable String stream;
  private final @Nullable String writer;
  private final long fromSeq;
  private final long toSeq;

  private RecallFilter(@Nullable String stream, @Nullable String writer, long fromSeq, long toSeq) {
    this.stream = stream;
    this.writer = writer;
    this.fromSeq = fromSeq;
    this.toSeq = toSeq;
  }

  /** {@return a filter that keeps every entry of the store} */
  public static RecallFilter all() {
    return ALL;
  }

  /**
   * {@return a filter that keeps the entries of {@code stream}, of every writer}
   *
   * @param stream the stream to keep
   * @throws InvalidInputException when {@code stream} is null
   */
  public static RecallFilter stream(String stream) {
    return ALL.withStream(stream);
  }

  /**
   * {@return a filter that keeps the entries of {@code writer}, on every stream}
   *
   * @param writer the writer to keep
   * @throws InvalidInputException when {@code writer} is null
   */
  public static RecallFilter writer(String writer) {
    return ALL.withWriter(writer);
  }

  /**
   * {@return a filter that keeps the entries of the one chain {@code (stream, writer)}}
   *
   * @param stream the stream to keep
   * @param writer the writer to keep within it
   * @throws InvalidInputException when a name is null
   */
  public static RecallFilter chain(String stream, String writer) {
    return ALL.withStream(stream).withWriter(writer);
  }

  /**
   * {@return this filter, keeping only entries of {@code stream}}
   *
   * @param stream the stream to keep; replaces any stream chosen before
   * @throws InvalidInputException when {@code stream} is null
   */
  public RecallFilter withStream(String stream) {
    return new RecallFilter(Args.notNull(stream, "stream"), writer, fromSeq, toSeq);
  }

  /**
   * {@return this filter, keeping only entries of {@code writer}}
   *
   * @param writer the writer to keep; replaces any writer chosen before
   * @throws InvalidInputException when {@code writer} is null
   */
  public RecallFilter withWriter(String writer) {
    return new RecallFilter(stream, Args.notNull(writer, "writer"), fromSeq, toSeq);
  }

  /**
   * {@return this filter, keeping only entries whose seq is from {@code fromSeq} to {@code toSeq},
   * both included}
   *
   * @param fromSeq the lowest seq kept, 1 or more
   * @param toSeq the highest seq kept, not below {@code fromSeq}
   * @throws InvalidInputException when {@code fromSeq} is below 1 or above {@code toSeq}
   */
  public RecallFilter withSeqs(long fromSeq, long toSeq) {
    if (fromSeq < 1 || toSeq < fromSeq) {
      throw new InvalidInputException(
          "RecallFilter seq range must satisfy 1 <= fromSeq <= toSeq, got "
              + fromSeq
              + ".."
              + toSeq);
    }
    return new RecallFilter(stream, writer, fromSeq, toSeq);
  }

  /**
   * {@return this filter, keeping only entries whose seq is {@code fromSeq} or more}
   *
   * @param fromSeq the lowest seq kept, 1 or more
   * @throws InvalidInputException when {@code fromSeq} is below 1
   */
  public RecallFilter withSeqsFrom(long fromSeq) {
    return withSeqs(fromSeq, Long.MAX_VALUE);
  }

  /** {@return the stream kept, when one is chosen} */
  public Optional<String> selectedStream() {
    return Optional.ofNullable(stream);
  }

  /** {@return the writer kept, when one is chosen} */
  public Optional<String> selectedWriter() {
    return Optional.ofNullable(writer);
  }

  /** {@return the lowest seq kept; 1 when no range is chosen} */
  public long fromSeq() {
    return fromSeq;
  }

  /** {@return the highest seq kept; {@link Long#MAX_VALUE} when no upper bound is chosen} */
  public long toSeq() {
    return toSeq;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof RecallFilter that
        && Objects.equals(stream, that.stream)
        && Objects.equals(writer, that.writer)
        && fromSeq == that.fromSeq
        && toSeq == that.toSeq;
  }

  @Override
  public int hashCode() {
    return Objects.hash(stream, writer, fromSeq, toSeq);
  }

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder("RecallFilter[");
    String sep = "";
    if (stream != null) {
      out.append("stream=").append(stream);
      sep = ", ";
    }
    if (writer != null) {
      out.append(sep).append("writer=").append(writer);
      sep = ", ";
    }
    if (fromSeq != 1 || toSeq != Long.MAX_VALUE) {
      out.append(sep).append("seqs=").append(fromSeq).append("..");
      if (toSeq != Long.MAX_VALUE) {
        out.append(toSeq);
      }
      sep = ", ";
    }
    return out.append(sep.isEmpty() ? "all]" : "]").toString();
  }
}
