package dev.agentstore;

import dev.agentstore.internal.Names;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A row cannot be read as what it must be: in {@code _agent_store_log}, a hash that is not 32 bytes
 * or a payload that is not a BLOB; in {@code _agent_store_meta}, a generation value that is not a
 * 64-bit integer (a REAL such as the reference crate leaves after overflowing, TEXT, a BLOB).
 * Thrown by reads and writes that meet such a row, and by {@link WriterLog#verify} as the chain
 * break it is. Nothing is written when it is thrown.
 *
 * <p>For a generation row, {@link #key()} names the counter, {@link #stream()} is the table {@code
 * _agent_store_meta}, {@link #writer()} the key again and {@link #seq()} 0.
 */
public final class MalformedRowException extends ChainBrokenException {
  private static final long serialVersionUID = 1L;

  /** The generation key, for a malformed row of {@code _agent_store_meta}. */
  private final @Nullable String key;

  /**
   * A row that does not hold what the layout says, described by {@code message}.
   *
   * @param stream the stream of the row
   * @param writer the writer of the row
   * @param seq the seq of the row
   * @param reason what is wrong with it
   * @param whatWasFound what the row holds instead, in words
   */
  public MalformedRowException(
      String stream, String writer, long seq, Reason reason, String whatWasFound) {
    super(stream, writer, seq, reason, whatWasFound);
    this.key = null;
  }

  private MalformedRowException(String key, String detail) {
    super(
        "malformed row in _agent_store_meta: " + detail,
        "_agent_store_meta",
        key,
        0,
        Reason.MALFORMED_GENERATION,
        detail);
    this.key = key;
  }

  /**
   * The row of generation {@code key} holds {@code found} (described as stored, e.g. {@code REAL
   * 1.5}) instead of a 64-bit integer.
   *
   * @param key the counter's name
   * @param found what the row holds instead, in words
   * @return the exception, with {@link #key()} set
   */
  public static MalformedRowException generation(String key, String found) {
    return new MalformedRowException(
        key, "generation " + Names.quote(key) + " holds " + found + ", not a 64-bit INTEGER");
  }

  /** {@return the generation key, when the malformed row is a generation's; empty for a log row} */
  public Optional<String> key() {
    return Optional.ofNullable(key);
  }
}
