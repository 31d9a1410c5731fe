package dev.agentstore.internal;

import dev.agentstore.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;

/**
 * PEM files of Ed25519 keys (RFC 7468 framing around the DER of RFC 8410), written and read without
 * a provider: an Ed25519 key's DER is a fixed prefix followed by the 32 raw bytes.
 */
public final class Pem {
  /** DER of an Ed25519 PKCS#8 PrivateKeyInfo (version 0, OID 1.3.101.112), before the seed. */
  public static final byte[] PKCS8_PREFIX = Hex.decode("302e020100300506032b657004220420");

  /** DER of an Ed25519 X.509 SubjectPublicKeyInfo, before the raw public key. */
  public static final byte[] SPKI_PREFIX = Hex.decode("302a300506032b6570032100");

  public static final String PRIVATE_LABEL = "PRIVATE KEY";
  public static final String PUBLIC_LABEL = "PUBLIC KEY";

  private static final int KEY_BYTES = 32;

  private Pem() {}

  /** The PEM text of {@code der} under {@code label}, lines of 64 base64 characters. */
  public static String encode(String label, byte[] der) {
    String base64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
    return "-----BEGIN " + label + "-----\n" + base64 + "\n-----END " + label + "-----\n";
  }

  /** The DER of an Ed25519 key with {@code prefix}, around the 32 raw bytes. */
  public static byte[] der(byte[] prefix, byte[] raw) {
    byte[] der = Arrays.copyOf(prefix, prefix.length + raw.length);
    System.arraycopy(raw, 0, der, prefix.length, raw.length);
    return der;
  }

  /**
   * The 32 raw bytes of the Ed25519 key in PEM file {@code file}, which must hold one block
   * labelled {@code label} whose DER starts with {@code prefix}.
   *
   * @throws InvalidInputException naming the file and what is wrong with it
   */
  public static byte[] readKey(Path file, String label, byte[] prefix, String what) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      throw new InvalidInputException("cannot read " + what + " " + file + ": no such file");
    } catch (IOException e) {
      throw new InvalidInputException(
          "cannot read "
              + what
              + " "
              + file
              + ": "
              + e.getClass().getSimpleName()
              + " "
              + e.getMessage());
    }
    String begin = "-----BEGIN " + label + "-----";
    String end = "-----END " + label + "-----";
    int from = text.indexOf(begin);
    int to = text.indexOf(end);
    if (from < 0 || to < from) {
      throw new InvalidInputException(
          what
              + " "
              + file
              + " is not a PEM file with a '"
              + begin
              + "' block"
              + (text.contains("-----BEGIN ") ? " (it holds another kind of PEM block)" : ""));
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to).strip());
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(
          what + " " + file + ": the PEM block is not valid base64 (" + e.getMessage() + ")");
    }
    if (der.length != prefix.length + KEY_BYTES
        || !Arrays.equals(der, 0, prefix.length, prefix, 0, prefix.length)) {
      throw new InvalidInputException(
          what
              + " "
              + file
              + " does not hold an Ed25519 key: its "
              + der.length
              + "-byte DER is not the "
              + (prefix.length + KEY_BYTES)
              + "-byte "
              + (prefix == PKCS8_PREFIX ? "PKCS#8" : "X.509")
              + " encoding of an Ed25519 key");
    }
    return Arrays.copyOfRange(der, prefix.length, der.length);
  }
}
