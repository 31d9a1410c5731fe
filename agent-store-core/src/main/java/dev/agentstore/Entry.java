package dev.agentstore;

import dev.agentstore.internal.Args;
import dev.agentstore.internal.EntryArrays;
import dev.agentstore.internal.Hex;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry of a {@code (stream, writer)} log: its place in the chain, the hash that links it to
 * the previous entry, its own hash, and its payload.
 *
 * <p>Arrays are copied in and out, so an {@code Entry} is immutable; equality is by value.
 *
 * @param stream the stream the entry belongs to
 * @param writer the writer that appended it
 * @param seq its position in the writer's log, starting at 1
 * @param prevHash the previous entry's content hash; empty for seq 1
 * @param contentHash {@code BLAKE3(prevHash || payload)}, 32 bytes
 * @param payload the bytes the writer appended
 */
public record Entry(
    String stream,
    String writer,
    long seq,
    Optional<byte[]> prevHash,
    byte[] contentHash,
    byte[] payload) {

  /** The length in bytes of every hash in a chain. */
  public static final int HASH_BYTES = 32;

  static {
    EntryArrays.payloadAccess(entry -> entry.payload);
  }

  /**
   * Checks that nothing is null, that {@code seq} is 1 or more and the hash lengths, and copies the
   * arrays.
   *
   * @throws InvalidInputException when one of them is wrong, naming it
   */
  public Entry {
    Args.notNull(stream, "stream");
    Args.notNull(writer, "writer");
    Args.notNull(prevHash, "prevHash");
    Args.notNull(contentHash, "contentHash");
    Args.notNull(payload, "payload");
    if (seq < 1) {
      throw new InvalidInputException(
          "Entry seq must be 1 or more, got " + seq + " (" + stream + "/" + writer + ")");
    }
    prevHash = prevHash.map(hash -> checkedHash("prevHash", hash));
    contentHash = checkedHash("contentHash", contentHash);
    // A copy, except of an array the library itself hands over (see EntryArrays).
    payload = EntryArrays.keep(payload);
  }

  private static byte[] checkedHash(String what, byte[] hash) {
    if (hash.length != HASH_BYTES) {
      throw new InvalidInputException(
          "Entry " + what + " must be " + HASH_BYTES + " bytes, got " + hash.length);
    }
    return hash.clone();
  }

  /** The content hash of the entry before this one (a copy); empty for seq 1. */
  @Override
  public Optional<byte[]> prevHash() {
    return prevHash.map(byte[]::clone);
  }

  /** BLAKE3 of the previous hash (when there is one) and the payload (a copy). */
  @Override
  public byte[] contentHash() {
    return contentHash.clone();
  }

  /** The payload as appended (a copy). */
  @Override
  public byte[] payload() {
    return payload.clone();
  }

  /** The content hash as 64 lower-case hex characters. */
  public String contentHashHex() {
    return Hex.encode(contentHash);
  }

  /** The previous entry's content hash as hex, or empty for seq 1. */
  public Optional<String> prevHashHex() {
    return prevHash.map(Hex::encode);
  }

  /** This entry's position as a {@link Head}. */
  public Head toHead() {
    return new Head(stream, writer, seq, contentHash);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Entry that
        && seq == that.seq
        && stream.equals(that.stream)
        && writer.equals(that.writer)
        && Arrays.equals(prevHash.orElse(null), that.prevHash.orElse(null))
        && Arrays.equals(contentHash, that.contentHash)
        && Arrays.equals(payload, that.payload);
  }

  @Override
  public int hashCode() {
    return Objects.hash(stream, writer, seq) * 31 + Arrays.hashCode(contentHash);
  }

  @Override
  public String toString() {
    return "Entry["
        + stream
        + "/"
        + writer
        + " seq "
        + seq
        + ", hash "
        + Hex.encode(contentHash)
        + ", "
        + payload.length
        + " payload bytes]";
  }
}
