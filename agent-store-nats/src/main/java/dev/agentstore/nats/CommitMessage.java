package dev.agentstore.nats;

import dev.agentstore.CommitEvent;
import dev.agentstore.Entry;
import dev.agentstore.Head;
import dev.agentstore.InvalidInputException;
import dev.agentstore.spi.Checks;
import dev.agentstore.spi.CommitJson;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * The wire format of a commit on NATS: a UTF-8 JSON object
 *
 * <pre>{@code
 * {"stream":"conv:demo","writer":"alice","seq":7,"content_hash":"<64 lower-case hex>"}
 * }</pre>
 *
 * announcing that {@code (stream, writer)} committed up to {@code seq}, whose entry has that
 * content hash. It is the reference crate's {@code CommitEvent} (the causal pointer {@code (writer,
 * seq)} on a per-stream topic) plus the stream, so a message stands on its own, and the hash, so a
 * receiver can tell which chain it heard of. Readers ignore members they do not know. Immutable; it
 * carries a chain's new {@link Head}.
 *
 * @param head the new head of the chain that committed
 */
public record CommitMessage(Head head) {

  /**
   * The message announcing {@code head}.
   *
   * @param head the new head of the chain that committed
   * @throws dev.agentstore.InvalidInputException when {@code head} is null
   */
  public CommitMessage {
    Checks.notNull(head, "head");
  }

  /**
   * The message announcing that {@code (stream, writer)} committed {@code seq} with that hash.
   *
   * @param stream the stream that committed
   * @param writer the writer whose chain grew
   * @param seq the seq of the new head, 1 or more
   * @param contentHash the new head's 32-byte content hash; copied
   */
  public CommitMessage(String stream, String writer, long seq, byte[] contentHash) {
    this(new Head(stream, writer, seq, contentHash));
  }

  /**
   * {@return the message announcing {@code entry}}
   *
   * @param entry the committed entry
   */
  public static CommitMessage of(Entry entry) {
    return new CommitMessage(entry.toHead());
  }

  /**
   * Reads a message.
   *
   * @param json the message body
   * @return the message
   * @throws InvalidInputException when {@code json} is not UTF-8 JSON of this format
   */
  public static CommitMessage parse(byte[] json) {
    Checks.notNull(json, "json");
    CommitJson.Notice notice;
    byte[] hash;
    try {
      notice = CommitJson.decode(new String(json, StandardCharsets.UTF_8));
      hash = notice.contentHash() == null ? null : HexFormat.of().parseHex(notice.contentHash());
    } catch (InvalidInputException | IllegalArgumentException e) {
      // IllegalArgumentException: HexFormat on a content_hash that is not hex.
      throw new InvalidInputException("not a commit message: " + e.getMessage());
    }
    if (notice.stream() == null || notice.writer() == null || hash == null) {
      throw new InvalidInputException(
          "a commit message needs stream, writer, seq and content_hash");
    }
    return new CommitMessage(notice.stream(), notice.writer(), notice.seq(), hash);
  }

  /** {@return the stream that committed} */
  public String stream() {
    return head.stream();
  }

  /** {@return the writer whose chain grew} */
  public String writer() {
    return head.writer();
  }

  /** {@return the seq of the chain's new head} */
  public long seq() {
    return head.seq();
  }

  /** {@return the content hash of the new head entry (a copy)} */
  public byte[] contentHash() {
    return head.contentHash();
  }

  /** {@return the content hash as 64 lower-case hex characters} */
  public String contentHashHex() {
    return head.contentHashHex();
  }

  /** {@return the JSON text, UTF-8} */
  public byte[] toJson() {
    return CommitJson.encode(stream(), writer(), seq(), head.contentHash())
        .getBytes(StandardCharsets.UTF_8);
  }

  /** {@return the doorbell event this message carries} */
  public CommitEvent toCommitEvent() {
    return new CommitEvent(stream(), writer(), seq());
  }

  @Override
  public String toString() {
    return "CommitMessage["
        + stream()
        + "/"
        + writer()
        + " seq "
        + seq()
        + " "
        + contentHashHex()
        + "]";
  }
}
