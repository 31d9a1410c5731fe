package dev.agentstore;

import static dev.agentstore.interop.Fixtures.blake3;
import static dev.agentstore.interop.Fixtures.unhex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.interop.Fixtures;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.crypto.generators.Ed25519KeyPairGenerator;
import org.bouncycastle.crypto.params.Ed25519KeyGenerationParameters;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.Test;

/**
 * A fingerprint is {@code BLAKE3(raw 32-byte Ed25519 public key)}, the writer name the reference
 * crate uses; every expected value here is computed independently, with BouncyCastle.
 */
class FingerprintTest {
  /** The public key of RFC 8032, section 7.1, TEST 1. */
  private static final String RFC8032_TEST1 =
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

  /** The writer of the fixture's fingerprint chains (fixtures/README.md). */
  private static final String FIXTURE_WRITER =
      "e7ac8eb39913450e0fec626920bae45b59115d859270033c7bf9e26778d550e4";

  /** The object identifier of Ed25519 keys (RFC 8410). */
  private static final ASN1ObjectIdentifier ID_ED25519 = new ASN1ObjectIdentifier("1.3.101.112");

  private static final BouncyCastleProvider BC = new BouncyCastleProvider();

  @Test
  void theFingerprintOfARawKeyIsItsBlake3() {
    byte[] counting = new byte[32];
    for (int i = 0; i < 32; i++) {
      counting[i] = (byte) i;
    }
    byte[] ones = new byte[32];
    Arrays.fill(ones, (byte) 0xff);
    for (byte[] key : List.of(unhex(RFC8032_TEST1), new byte[32], counting, ones)) {
      Fingerprint fingerprint = Fingerprint.fromEd25519PublicKey(key);
      assertArrayEquals(blake3(key), fingerprint.bytes());
      assertEquals(HexFormat.of().formatHex(blake3(key)), fingerprint.toHex());
    }
  }

  @Test
  void aJdkEd25519KeyHasTheFingerprintOfItsRawKey() throws Exception {
    for (int i = 0; i < 5; i++) {
      PublicKey key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic();
      byte[] raw =
          ((Ed25519PublicKeyParameters) PublicKeyFactory.createKey(key.getEncoded())).getEncoded();
      byte[] encoded = key.getEncoded();
      assertEquals(44, encoded.length);
      assertArrayEquals(raw, Arrays.copyOfRange(encoded, 12, 44));

      assertEquals(Fingerprint.fromEd25519PublicKey(raw), Fingerprint.fromPublicKey(key));
      assertArrayEquals(blake3(raw), Fingerprint.fromPublicKey(key).bytes());
    }
  }

  @Test
  void aBouncyCastleProviderEd25519KeyHasTheFingerprintOfItsRawKey() throws Exception {
    PublicKey key = KeyPairGenerator.getInstance("Ed25519", BC).generateKeyPair().getPublic();
    byte[] raw =
        ((Ed25519PublicKeyParameters) PublicKeyFactory.createKey(key.getEncoded())).getEncoded();
    assertArrayEquals(blake3(raw), Fingerprint.fromPublicKey(key).bytes());
  }

  @Test
  void aKeyBuiltFromKnownRawBytesByEitherProviderHasTheirFingerprint() throws Exception {
    Ed25519KeyPairGenerator generator = new Ed25519KeyPairGenerator();
    generator.init(new Ed25519KeyGenerationParameters(new SecureRandom()));
    byte[] generated =
        ((Ed25519PublicKeyParameters) generator.generateKeyPair().getPublic()).getEncoded();
    // RFC 8032 TEST 1: this secret key has the public key RFC8032_TEST1.
    byte[] derived =
        new Ed25519PrivateKeyParameters(
                unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"), 0)
            .generatePublicKey()
            .getEncoded();
    assertArrayEquals(unhex(RFC8032_TEST1), derived);

    for (byte[] raw : List.of(generated, derived)) {
      byte[] spki = new SubjectPublicKeyInfo(new AlgorithmIdentifier(ID_ED25519), raw).getEncoded();
      PublicKey jdk =
          KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
      PublicKey bc =
          KeyFactory.getInstance("Ed25519", BC).generatePublic(new X509EncodedKeySpec(spki));
      Fingerprint expected = new Fingerprint(blake3(raw));
      assertEquals(expected, Fingerprint.fromPublicKey(jdk));
      assertEquals(expected, Fingerprint.fromPublicKey(bc));
      assertEquals(expected, Fingerprint.fromEd25519PublicKey(raw));
    }
  }

  @Test
  void toHexIsLowerCaseAndFromHexReadsEitherCase() {
    Fingerprint fingerprint = Fingerprint.fromEd25519PublicKey(unhex(RFC8032_TEST1));
    String hex = fingerprint.toHex();
    assertEquals(64, hex.length());
    assertTrue(hex.matches("[0-9a-f]{64}"), hex);
    assertEquals(hex, fingerprint.toString());
    assertEquals(fingerprint, Fingerprint.fromHex(hex));
    assertEquals(fingerprint, Fingerprint.fromHex(hex.toUpperCase(Locale.ROOT)));
    assertEquals(hex, Fingerprint.fromHex(hex.toUpperCase(Locale.ROOT)).toHex());
  }

  @Test
  void fingerprintsAreEqualByValue() {
    Fingerprint a = Fingerprint.fromEd25519PublicKey(unhex(RFC8032_TEST1));
    Fingerprint b = new Fingerprint(blake3(unhex(RFC8032_TEST1)));
    Fingerprint other = Fingerprint.fromEd25519PublicKey(new byte[32]);
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertNotEquals(a, other);
  }

  @Test
  void fingerprintsCopyTheirBytesInAndOut() {
    byte[] bytes = blake3(unhex(RFC8032_TEST1));
    Fingerprint fingerprint = new Fingerprint(bytes);
    bytes[0] ^= 1;
    assertArrayEquals(blake3(unhex(RFC8032_TEST1)), fingerprint.bytes());
    fingerprint.bytes()[1] ^= 1;
    assertArrayEquals(blake3(unhex(RFC8032_TEST1)), fingerprint.bytes());

    byte[] key = unhex(RFC8032_TEST1);
    Fingerprint fromKey = Fingerprint.fromEd25519PublicKey(key);
    key[0] ^= 1;
    assertEquals(Fingerprint.fromEd25519PublicKey(unhex(RFC8032_TEST1)), fromKey);
  }

  @Test
  void wrongLengthsAreRefused() {
    for (int length : new int[] {0, 1, 31, 33, 35, 57, 64}) {
      byte[] bytes = new byte[length];
      assertThrows(InvalidInputException.class, () -> Fingerprint.fromEd25519PublicKey(bytes));
      assertThrows(InvalidInputException.class, () -> new Fingerprint(bytes));
    }
    String hex = Fingerprint.fromEd25519PublicKey(new byte[32]).toHex();
    for (String wrong : List.of("", "ab", hex.substring(1), hex + "0", hex + hex)) {
      assertThrows(InvalidInputException.class, () -> Fingerprint.fromHex(wrong));
    }
  }

  @Test
  void nonHexIsRefused() {
    String hex = Fingerprint.fromEd25519PublicKey(new byte[32]).toHex();
    for (String bad :
        List.of(
            "g" + hex.substring(1),
            " " + hex.substring(1),
            "-" + hex.substring(1),
            "0x" + hex.substring(2),
            "\u0660" + hex.substring(1),
            "ｆ" + hex.substring(1))) {
      InvalidInputException e =
          assertThrows(InvalidInputException.class, () -> Fingerprint.fromHex(bad));
      assertTrue(e.getMessage().contains("fingerprint"), e.getMessage());
    }
  }

  @Test
  void keysOtherThanEd25519AreRefused() throws Exception {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(1024);
    List<PublicKey> others =
        List.of(
            rsa.generateKeyPair().getPublic(),
            KeyPairGenerator.getInstance("Ed448").generateKeyPair().getPublic(),
            KeyPairGenerator.getInstance("X25519").generateKeyPair().getPublic(),
            KeyPairGenerator.getInstance("EC").generateKeyPair().getPublic(),
            KeyPairGenerator.getInstance("Ed448", BC).generateKeyPair().getPublic());
    for (PublicKey key : others) {
      InvalidInputException e =
          assertThrows(InvalidInputException.class, () -> Fingerprint.fromPublicKey(key));
      assertTrue(e.getMessage().contains(key.getAlgorithm()), e.getMessage());
    }
  }

  /**
   * The reference crate hashes whatever bytes it is given, and its fixture writer is the BLAKE3 of
   * the whole 35-byte ASCII string {@code rustref-demo-ed25519-public-key-32b} (no slice, no seed
   * derivation). agent-store accepts only real 32-byte keys, so it reads that writer by its hex and
   * refuses to derive it from the 35 bytes.
   */
  @Test
  void theFixtureWriterIsTheBlake3OfTheWhole35ByteDemoString() {
    byte[] demo = "rustref-demo-ed25519-public-key-32b".getBytes(StandardCharsets.US_ASCII);
    assertEquals(35, demo.length);
    assertEquals(FIXTURE_WRITER, Fixtures.hex(blake3(demo)));
    for (byte[] candidate :
        List.of(
            Arrays.copyOf(demo, 32),
            Arrays.copyOfRange(demo, 3, 35),
            new Ed25519PrivateKeyParameters(Arrays.copyOf(demo, 32), 0)
                .generatePublicKey()
                .getEncoded())) {
      assertNotEquals(FIXTURE_WRITER, Fingerprint.fromEd25519PublicKey(candidate).toHex());
    }

    Fingerprint writer = Fingerprint.fromHex(FIXTURE_WRITER);
    assertArrayEquals(blake3(demo), writer.bytes());
    assertEquals(FIXTURE_WRITER, writer.toHex());
    assertThrows(InvalidInputException.class, () -> Fingerprint.fromEd25519PublicKey(demo));
  }
}
