package dev.agentstore.internal;

import dev.agentstore.ChainBrokenException.Reason;
import dev.agentstore.Entry;
import dev.agentstore.MalformedRowException;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A row of {@code _agent_store_log} as stored, with the storage type of each blob column, before
 * anything is checked. Verification looks at it as it is; readers turn it into an {@link Entry}.
 */
public record RawRow(
    long seq,
    byte @Nullable [] prevHash,
    String prevType,
    byte @Nullable [] contentHash,
    String contentType,
    byte @Nullable [] payload,
    String payloadType) {

  /** The approximate heap a row holds, for bounding pages. */
  long weight() {
    return 96L + length(prevHash) + length(contentHash) + length(payload);
  }

  private static int length(byte @Nullable [] bytes) {
    return bytes == null ? 0 : bytes.length;
  }

  /**
   * The reason this row is malformed, with what was found, or null when every column has its stored
   * type and hash length (chain links are not checked here).
   */
  public @Nullable MalformedRowException malformation(String stream, String writer) {
    String content = describeHash("content_hash", contentType, contentHash);
    if (content != null) {
      return new MalformedRowException(stream, writer, seq, Reason.MALFORMED_HASH, content);
    }
    if (!"null".equals(prevType)) {
      String prev = describeHash("prev_hash", prevType, prevHash);
      if (prev != null) {
        return new MalformedRowException(stream, writer, seq, Reason.MALFORMED_HASH, prev);
      }
    }
    if (!"blob".equals(payloadType)) {
      return new MalformedRowException(
          stream, writer, seq, Reason.MALFORMED_PAYLOAD, payloadType.toUpperCase(Locale.ROOT));
    }
    return null;
  }

  private static @Nullable String describeHash(
      String column, String type, byte @Nullable [] bytes) {
    if (!"blob".equals(type)) {
      return column + " must be a 32-byte BLOB, found " + type.toUpperCase(Locale.ROOT);
    }
    int length = length(bytes);
    if (length != Blake3.HASH_BYTES) {
      return "expected a 32-byte " + column + ", got " + length + " bytes";
    }
    return null;
  }

  /** This row as an entry; throws {@link MalformedRowException} when it is malformed. */
  public Entry toEntry(String stream, String writer) {
    MalformedRowException malformed = malformation(stream, writer);
    if (malformed != null) {
      throw malformed;
    }
    // The driver's fresh array becomes the entry's: no second copy of a large payload.
    return EntryArrays.adopting(
        stream, writer, seq, prevHash, orEmpty(contentHash), orEmpty(payload));
  }

  private static byte[] orEmpty(byte @Nullable [] bytes) {
    return bytes == null ? new byte[0] : bytes;
  }
}
