package dev.agentstore;

import dev.agentstore.internal.Args;
import dev.agentstore.internal.Blake3;
import dev.agentstore.internal.Hex;
import java.security.PublicKey;
import java.util.Arrays;

/**
 * The identity of an agent's Ed25519 key: {@code BLAKE3(raw 32-byte public key)}, written as 64
 * lower-case hex characters. The reference crate uses this hex as a writer name. Immutable; equal
 * by value.
 *
 * @param bytes the 32-byte fingerprint
 */
public record Fingerprint(byte[] bytes) {
  /** The length of a raw Ed25519 public key and of a fingerprint, in bytes. */
  public static final int BYTES = 32;

  // DER prefix of an X.509 SubjectPublicKeyInfo for Ed25519 (OID 1.3.101.112), before the raw key.
  private static final byte[] ED25519_SPKI_PREFIX = Hex.decode("302a300506032b6570032100");

  /**
   * Checks the length and copies the array.
   *
   * @param bytes the 32-byte fingerprint; copied
   * @throws InvalidInputException when {@code bytes} is null or not 32 bytes long
   */
  public Fingerprint {
    Args.notNull(bytes, "bytes");
    if (bytes.length != BYTES) {
      throw new InvalidInputException("a fingerprint is " + BYTES + " bytes, got " + bytes.length);
    }
    bytes = bytes.clone();
  }

  /**
   * {@return the fingerprint of a raw 32-byte Ed25519 public key}
   *
   * @param rawPublicKey the raw 32-byte Ed25519 public key
   */
  public static Fingerprint fromEd25519PublicKey(byte[] rawPublicKey) {
    Args.notNull(rawPublicKey, "rawPublicKey");
    if (rawPublicKey.length != BYTES) {
      throw new InvalidInputException(
          "a raw Ed25519 public key is " + BYTES + " bytes, got " + rawPublicKey.length);
    }
    return new Fingerprint(Blake3.hash(rawPublicKey));
  }

  /**
   * {@return the fingerprint of an Ed25519 {@link PublicKey}, from the JDK's provider or
   * BouncyCastle (any key whose X.509 encoding is an Ed25519 SubjectPublicKeyInfo)}
   *
   * @param key an Ed25519 public key from the JCA
   * @throws InvalidInputException when the key is not an Ed25519 key
   */
  public static Fingerprint fromPublicKey(PublicKey key) {
    Args.notNull(key, "key");
    byte[] encoded = key.getEncoded();
    int prefix = ED25519_SPKI_PREFIX.length;
    if (encoded == null
        || encoded.length != prefix + BYTES
        || !Arrays.equals(encoded, 0, prefix, ED25519_SPKI_PREFIX, 0, prefix)) {
      throw new InvalidInputException(
          "not an Ed25519 public key: algorithm "
              + key.getAlgorithm()
              + ", encoding "
              + key.getFormat());
    }
    return fromEd25519PublicKey(Arrays.copyOfRange(encoded, prefix, encoded.length));
  }

  /**
   * Parses 64 hex characters (either case).
   *
   * @param hex 64 hex characters, either case
   * @return the fingerprint
   */
  public static Fingerprint fromHex(String hex) {
    Args.notNull(hex, "hex");
    if (hex.length() != BYTES * 2) {
      throw new InvalidInputException(
          "a fingerprint is " + BYTES * 2 + " hex characters, got " + hex.length());
    }
    try {
      return new Fingerprint(Hex.decode(hex));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("not a hex fingerprint: " + hex);
    }
  }

  /** {@return the 32 bytes (a copy)} */
  @Override
  public byte[] bytes() {
    return bytes.clone();
  }

  /**
   * 64 lower-case hex characters.
   *
   * @return 64 lower-case hex characters
   */
  public String toHex() {
    return Hex.encode(bytes);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Fingerprint that && Arrays.equals(bytes, that.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /** The hex form, so a fingerprint prints as the writer name it stands for. */
  @Override
  public String toString() {
    return toHex();
  }
}
