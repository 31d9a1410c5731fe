package dev.agentstore.nats;

import dev.agentstore.CommitEvent;
import dev.agentstore.Entry;
import dev.agentstore.internal.CommitJson;
import dev.agentstore.internal.Hex;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

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
 * receiver can tell which chain it heard of. Readers ignore members they do not know. Immutable.
 */
public record CommitMessage(String stream, String writer, long seq, byte[] contentHash) {

  public CommitMessage {
    Objects.requireNonNull(stream, "stream");
    Objects.requireNonNull(writer, "writer");
    Objects.requireNonNull(contentHash, "contentHash");
    if (seq < 1) {
      throw new IllegalArgumentException("seq must be >= 1, got " + seq);
    }
    if (contentHash.length != Entry.HASH_BYTES) {
      throw new IllegalArgumentException(
          "content_hash must be " + Entry.HASH_BYTES + " bytes, got " + contentHash.length);
    }
    contentHash = contentHash.clone();
  }

  /** The message announcing {@code entry}. */
  public static CommitMessage of(Entry entry) {
    return new CommitMessage(entry.stream(), entry.writer(), entry.seq(), entry.contentHash());
  }

  /**
   * Reads a message.
   *
   * @throws IllegalArgumentException when {@code json} is not UTF-8 JSON of this format
   */
  public static CommitMessage parse(byte[] json) {
    Objects.requireNonNull(json, "json");
    CommitJson.Notice notice = CommitJson.decode(new String(json, StandardCharsets.UTF_8));
    if (notice.stream() == null || notice.writer() == null || notice.contentHash() == null) {
      throw new IllegalArgumentException(
          "a commit message needs stream, writer, seq and content_hash");
    }
    byte[] hash = Hex.decode(notice.contentHash());
    return new CommitMessage(notice.stream(), notice.writer(), notice.seq(), hash);
  }

  /** The JSON text, UTF-8. */
  public byte[] toJson() {
    return CommitJson.encode(stream, writer, seq, contentHash).getBytes(StandardCharsets.UTF_8);
  }

  /** The doorbell event this message carries. */
  public CommitEvent toCommitEvent() {
    return new CommitEvent(stream, writer, seq);
  }

  @Override
  public byte[] contentHash() {
    return contentHash.clone();
  }

  /** The content hash as 64 lower-case hex characters. */
  public String contentHashHex() {
    return Hex.encode(contentHash);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CommitMessage that
        && stream.equals(that.stream)
        && writer.equals(that.writer)
        && seq == that.seq
        && Arrays.equals(contentHash, that.contentHash);
  }

  @Override
  public int hashCode() {
    return Objects.hash(stream, writer, seq, Arrays.hashCode(contentHash));
  }

  @Override
  public String toString() {
    return "CommitMessage[" + stream + "/" + writer + " seq " + seq + " " + contentHashHex() + "]";
  }
}
