package dev.agentstore;

import dev.agentstore.internal.Args;
import java.util.Arrays;

/**
 * The signature row of one entry, as {@code _agent_store_sig} holds it: what {@link
 * WriterLog#signatures} reads and {@link WriterLog#importEntries(Backend, java.util.List,
 * java.util.List)} writes, so that a copied chain keeps its signatures. Immutable; equal by value.
 *
 * @param stream the entry's stream
 * @param writer the entry's writer
 * @param seq the entry's seq
 * @param publicKey the key that signed
 * @param signature the 64-byte Ed25519 signature of the entry's message (README, "Tamper evidence")
 */
public record EntrySignature(
    String stream, String writer, long seq, WriterPublicKey publicKey, byte[] signature) {
  /**
   * Checks that nothing is null and copies the signature.
   *
   * @param stream the entry's stream
   * @param writer the entry's writer
   * @param seq the entry's seq
   * @param publicKey the key that signed
   * @param signature the 64-byte Ed25519 signature of the entry's message (README, "Tamper
   *     evidence")
   */
  public EntrySignature {
    Args.notNull(stream, "stream");
    Args.notNull(writer, "writer");
    Args.notNull(publicKey, "publicKey");
    Args.notNull(signature, "signature");
    signature = signature.clone();
  }

  /** {@return the 64-byte Ed25519 signature (a copy)} */
  @Override
  public byte[] signature() {
    return signature.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof EntrySignature that
        && stream.equals(that.stream)
        && writer.equals(that.writer)
        && seq == that.seq
        && publicKey.equals(that.publicKey)
        && Arrays.equals(signature, that.signature);
  }

  @Override
  public int hashCode() {
    return ((stream.hashCode() * 31 + writer.hashCode()) * 31 + Long.hashCode(seq)) * 31
        + Arrays.hashCode(signature);
  }

  @Override
  public String toString() {
    return "EntrySignature[" + stream + "/" + writer + " seq " + seq + " by " + publicKey + "]";
  }
}
