package dev.agentstore;

import dev.agentstore.internal.Args;
import dev.agentstore.internal.Hex;
import dev.agentstore.internal.Pem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * The public half of a {@link WriterKey}: a raw 32-byte Ed25519 public key, what a trust list holds
 * and what checks a signature. Its {@link #fingerprint()} is the name the key writes under.
 * Immutable and thread-safe; equal by value.
 *
 * @param bytes the raw 32-byte Ed25519 public key
 */
public record WriterPublicKey(byte[] bytes) {
  /** The length of a raw Ed25519 public key, in bytes. */
  public static final int BYTES = 32;

  /** The length of an Ed25519 signature, in bytes. */
  public static final int SIGNATURE_BYTES = 64;

  /**
   * Checks the length and copies the key.
   *
   * @param bytes the raw 32-byte Ed25519 public key
   */
  public WriterPublicKey {
    Args.notNull(bytes, "bytes");
    if (bytes.length != BYTES) {
      throw new InvalidInputException(
          "a raw Ed25519 public key is " + BYTES + " bytes, got " + bytes.length);
    }
    bytes = bytes.clone();
  }

  /**
   * {@return the key from its raw 32 bytes}
   *
   * @param rawPublicKey the raw 32-byte Ed25519 public key; copied
   */
  public static WriterPublicKey of(byte[] rawPublicKey) {
    return new WriterPublicKey(rawPublicKey);
  }

  /**
   * Parses 64 hex characters (either case) of a raw public key.
   *
   * @param hex 64 hex characters, either case
   * @return the key
   */
  public static WriterPublicKey fromHex(String hex) {
    Args.notNull(hex, "hex");
    if (hex.length() != BYTES * 2) {
      throw new InvalidInputException(
          "a public key is " + BYTES * 2 + " hex characters, got " + hex.length());
    }
    try {
      return new WriterPublicKey(Hex.decode(hex));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("not a hex public key: " + hex);
    }
  }

  /**
   * Reads a public key file: a PEM block {@code PUBLIC KEY} holding the X.509 SubjectPublicKeyInfo
   * of an Ed25519 key (what {@link #save} and {@code openssl pkey -pubout} write).
   *
   * @param file the key file
   * @return the key
   * @throws InvalidInputException naming the file and what is wrong with it
   */
  public static WriterPublicKey load(Path file) {
    Args.notNull(file, "file");
    return new WriterPublicKey(
        Pem.readKey(file, Pem.PUBLIC_LABEL, Pem.SPKI_PREFIX, "public key file"));
  }

  /**
   * Writes this key to {@code file} as a PEM {@code PUBLIC KEY} block, replacing the file.
   *
   * @param file the file to write
   * @throws StoreException naming the file when it cannot be written
   */
  public void save(Path file) {
    Args.notNull(file, "file");
    try {
      Files.writeString(file, toPem(), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new StoreException("cannot write public key file " + file + ": " + e.getMessage(), e);
    }
  }

  /** {@return the PEM text of this key ({@code -----BEGIN PUBLIC KEY-----}, X.509 DER)} */
  public String toPem() {
    return Pem.encode(Pem.PUBLIC_LABEL, Pem.der(Pem.SPKI_PREFIX, bytes));
  }

  /** {@return the raw 32-byte Ed25519 public key (a copy)} */
  @Override
  public byte[] bytes() {
    return bytes.clone();
  }

  /**
   * {@code BLAKE3(bytes)}: the writer name of this key's signed chains, as hex.
   *
   * @return {@code BLAKE3(bytes)}: the writer name of this key's signed chains, as hex
   */
  public Fingerprint fingerprint() {
    return Fingerprint.fromEd25519PublicKey(bytes);
  }

  /** {@return this key as a JDK {@link PublicKey} of the {@code Ed25519} algorithm} */
  public PublicKey toPublicKey() {
    try {
      return KeyFactory.getInstance("Ed25519")
          .generatePublic(new X509EncodedKeySpec(Pem.der(Pem.SPKI_PREFIX, bytes)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK cannot decode an Ed25519 public key", e);
    }
  }

  /**
   * {@return whether {@code signature} is this key's Ed25519 signature of {@code message} (RFC
   * 8032)} A signature of the wrong length, or a key that is not a curve point, is simply not
   * valid.
   *
   * @param message the signed bytes
   * @param signature the signature to check
   */
  public boolean verifies(byte[] message, byte[] signature) {
    Args.notNull(message, "message");
    Args.notNull(signature, "signature");
    if (signature.length != SIGNATURE_BYTES) {
      return false;
    }
    // BouncyCastle's Ed25519, as WriterKey signs: far faster than Java 17's provider, which
    // matters for verify on a long signed chain (one verification per entry).
    Ed25519PublicKeyParameters key;
    try {
      key = new Ed25519PublicKeyParameters(bytes, 0);
    } catch (IllegalArgumentException e) {
      // An encoding that is not a point on the curve signs nothing.
      return false;
    }
    Ed25519Signer verifier = new Ed25519Signer();
    verifier.init(false, key);
    verifier.update(message, 0, message.length);
    return verifier.verifySignature(signature);
  }

  /**
   * 64 lower-case hex characters of the raw key.
   *
   * @return 64 lower-case hex characters of the raw key
   */
  public String toHex() {
    return Hex.encode(bytes);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof WriterPublicKey that && Arrays.equals(bytes, that.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /** The hex form of the raw key. */
  @Override
  public String toString() {
    return toHex();
  }
}
