package dev.agentstore;

import dev.agentstore.internal.Args;
import dev.agentstore.internal.EntryArrays;
import dev.agentstore.internal.Hex;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One entry of a {@code (stream, writer)} log: its place in the chain, the hash that links it to
 * the previous entry, its own hash, and its payload.
 *
 * <p>Arrays are copied in and out, so an {@code Entry} is immutable; equality is by value. Safe to
 * share between threads.
 *
 * @param stream the stream the entry belongs to
 * @param writer the writer that appended it
 * @param seq its position in the writer's log, starting at 1
 * @param prevHash the previous entry's content hash, 32 bytes; null for seq 1 (see {@link
 *     #hasPrev()})
 * @param contentHash {@code BLAKE3(prevHash || payload)}, 32 bytes
 * @param payload the bytes the writer appended
 */
public record Entry(
    String stream,
    String writer,
    long seq,
    byte @Nullable [] prevHash,
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
   * @param stream the stream the entry belongs to
   * @param writer the writer that appended it
   * @param seq its position in the writer's log, starting at 1
   * @param prevHash the previous entry's content hash, 32 bytes; null for seq 1 (see {@link
   *     #hasPrev()})
   * @param contentHash {@code BLAKE3(prevHash || payload)}, 32 bytes
   * @param payload the bytes the writer appended
   * @throws InvalidInputException when one of them is wrong, naming it
   */
  public Entry {
    Args.notNull(stream, "stream");
    Args.notNull(writer, "writer");
    Args.notNull(contentHash, "contentHash");
    Args.notNull(payload, "payload");
    if (seq < 1) {
      throw new InvalidInputException(
          "Entry seq must be 1 or more, got " + seq + " (" + stream + "/" + writer + ")");
    }
    prevHash = prevHash == null ? null : checkedHash("prevHash", prevHash);
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

  /**
   * {@return a copy of the previous entry's content hash, or null for the first entry of a chain:
   * exactly when {@link #hasPrev()} is false}
   */
  @Override
  public byte @Nullable [] prevHash() {
    return prevHash == null ? null : prevHash.clone();
  }

  /** {@return whether this entry links to a previous one: false only for seq 1} */
  public boolean hasPrev() {
    return prevHash != null;
  }

  /**
   * BLAKE3 of the previous hash (when there is one) and the payload (a copy).
   *
   * @return BLAKE3 of the previous hash (when there is one) and the payload (a copy)
   */
  @Override
  public byte[] contentHash() {
    return contentHash.clone();
  }

  /** {@return a copy of the payload} */
  @Override
  public byte[] payload() {
    return payload.clone();
  }

  /**
   * {@return the payload decoded as UTF-8 text: the inverse of the {@code append(..., String)}
   * overloads} Decoding is strict: a payload that is not well-formed UTF-8 (binary data, a
   * truncated sequence, an encoded surrogate) is refused rather than patched with replacement
   * characters.
   *
   * @throws PayloadNotUtf8Exception when the payload is not valid UTF-8, naming the stream, writer,
   *     seq and the offset of the first bad byte
   */
  public String payloadUtf8() {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(payload);
    // UTF-8 never decodes to more chars than it has bytes.
    CharBuffer out = CharBuffer.allocate(payload.length);
    CoderResult result = decoder.decode(in, out, true);
    if (!result.isError()) {
      result = decoder.flush(out);
    }
    if (result.isError()) {
      // The decoder stops at the first malformed sequence: in.position() is where it starts.
      throw new PayloadNotUtf8Exception(
          stream,
          writer,
          seq,
          in.position(),
          payload.length,
          new MalformedInputException(result.length()));
    }
    return out.flip().toString();
  }

  /** {@return the content hash as 64 lower-case hex characters} */
  public String contentHashHex() {
    return Hex.encode(contentHash);
  }

  /** {@return the previous entry's content hash as hex, or empty for seq 1} */
  public Optional<String> prevHashHex() {
    return prevHash == null ? Optional.empty() : Optional.of(Hex.encode(prevHash));
  }

  /** {@return this entry's position as a {@link Head}} */
  public Head toHead() {
    return new Head(stream, writer, seq, contentHash);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Entry that
        && seq == that.seq
        && stream.equals(that.stream)
        && writer.equals(that.writer)
        && Arrays.equals(prevHash, that.prevHash)
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
