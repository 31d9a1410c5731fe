package dev.agentstore;

import dev.agentstore.internal.Args;
import dev.agentstore.internal.Hex;
import java.util.Arrays;
import java.util.Objects;

/**
 * The last entry of a {@code (stream, writer)} chain, without its payload: its seq and content
 * hash. Immutable; equality is by value.
 *
 * @param stream the chain's stream
 * @param writer the chain's writer
 * @param seq the seq of the last entry, 1 or more
 * @param contentHash the last entry's 32-byte content hash
 */
public record Head(String stream, String writer, long seq, byte[] contentHash) {

  /**
   * Checks that nothing is null, that {@code seq} is 1 or more and the hash length, and copies the
   * hash.
   *
   * @param stream the chain's stream
   * @param writer the chain's writer
   * @param seq the seq of the last entry, 1 or more
   * @param contentHash the last entry's 32-byte content hash
   * @throws InvalidInputException when one of them is wrong, naming it
   */
  public Head {
    Args.notNull(stream, "stream");
    Args.notNull(writer, "writer");
    Args.notNull(contentHash, "contentHash");
    if (seq < 1) {
      throw new InvalidInputException(
          "Head seq must be 1 or more, got " + seq + " (" + stream + "/" + writer + ")");
    }
    if (contentHash.length != Entry.HASH_BYTES) {
      throw new InvalidInputException(
          "Head contentHash must be " + Entry.HASH_BYTES + " bytes, got " + contentHash.length);
    }
    contentHash = contentHash.clone();
  }

  /** {@return the content hash of the head entry (a copy)} */
  @Override
  public byte[] contentHash() {
    return contentHash.clone();
  }

  /** {@return the content hash as 64 lower-case hex characters} */
  public String contentHashHex() {
    return Hex.encode(contentHash);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Head that
        && seq == that.seq
        && stream.equals(that.stream)
        && writer.equals(that.writer)
        && Arrays.equals(contentHash, that.contentHash);
  }

  @Override
  public int hashCode() {
    return Objects.hash(stream, writer, seq) * 31 + Arrays.hashCode(contentHash);
  }

  @Override
  public String toString() {
    return "Head[" + stream + "/" + writer + " seq " + seq + ", hash " + contentHashHex() + "]";
  }
}
