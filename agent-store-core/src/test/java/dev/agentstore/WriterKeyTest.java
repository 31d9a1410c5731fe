package dev.agentstore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.Signature;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link WriterKey} and {@link WriterPublicKey}: RFC 8032's test vector, key files that OpenSSL
 * reads and writes, and the errors a bad key file gives.
 */
class WriterKeyTest {
  private static final HexFormat HEX = HexFormat.of();

  // RFC 8032, section 7.1, TEST 1.
  private static final String SEED =
      "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
  private static final String PUBLIC =
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
  private static final String SIGNATURE_OF_EMPTY =
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

  @TempDir Path dir;

  @Test
  void aSeedGivesRfc8032sPublicKeyAndSignature() {
    WriterKey key = WriterKey.fromSeed(HEX.parseHex(SEED));
    assertEquals(PUBLIC, HEX.formatHex(key.publicKeyBytes()));
    assertEquals(SIGNATURE_OF_EMPTY, HEX.formatHex(key.sign(new byte[0])));
    assertArrayEquals(HEX.parseHex(SEED), key.seed());
    assertTrue(key.publicKey().verifies(new byte[0], HEX.parseHex(SIGNATURE_OF_EMPTY)));
    assertFalse(key.publicKey().verifies(new byte[] {0}, HEX.parseHex(SIGNATURE_OF_EMPTY)));
  }

  @Test
  void theFingerprintIsTheFingerprintOfTheJdkPublicKey() {
    WriterKey key = WriterKey.generate();
    assertEquals(Fingerprint.fromPublicKey(key.publicKey().toPublicKey()), key.fingerprint());
    assertEquals(Fingerprint.fromEd25519PublicKey(key.publicKeyBytes()), key.fingerprint());
    assertEquals("WriterKey[" + key.fingerprint().toHex() + "]", key.toString());
    assertNotEquals(key, WriterKey.generate());
  }

  @Test
  void signaturesVerifyWithTheJdkProvider() throws Exception {
    WriterKey key = WriterKey.generate();
    byte[] message = "hello".getBytes(StandardCharsets.UTF_8);
    Signature verifier = Signature.getInstance("Ed25519");
    verifier.initVerify(key.publicKey().toPublicKey());
    verifier.update(message);
    assertTrue(verifier.verify(key.sign(message)));
  }

  @Test
  void savedKeysLoadBackAndThePrivateFileIsOwnerOnly() throws IOException {
    WriterKey key = WriterKey.generate();
    Path file = dir.resolve("agent.key");
    key.save(file);
    key.publicKey().save(dir.resolve("agent.key.pub"));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals(key, WriterKey.load(file));
    assertEquals(key.publicKey(), WriterPublicKey.load(dir.resolve("agent.key.pub")));
    assertTrue(Files.readString(file).startsWith("-----BEGIN PRIVATE KEY-----\n"));
  }

  @Test
  void aKeyIsNeverOverwritten() throws IOException {
    Path file = dir.resolve("agent.key");
    Files.writeString(file, "precious");
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> WriterKey.generate().save(file));
    assertEquals(
        "private key file " + file + " already exists; a key is never overwritten", e.getMessage());
    assertEquals("precious", Files.readString(file));
  }

  @Test
  void keyFilesOfOpensslLoad() throws IOException {
    Path priv = copy("openssl-ed25519.pem");
    Path pub = copy("openssl-ed25519.pub");
    WriterKey key = WriterKey.load(priv);
    // openssl pkey -noout -text on the same file.
    assertEquals(
        "2365c49d45e839d9e3e9da2fb40f6d1843cedae07b871af15f4e38594a18f4a8",
        HEX.formatHex(key.seed()));
    assertEquals(
        "a188434e2c56b00147e919c10eb1e4db9d6fb7b59b4bfe9e3195292a1472c459",
        key.publicKey().toHex());
    assertEquals(key.publicKey(), WriterPublicKey.load(pub));
    // What we write is what OpenSSL writes, byte for byte.
    Path ours = dir.resolve("ours.pem");
    key.save(ours);
    assertEquals(Files.readString(priv), Files.readString(ours));
    assertEquals(Files.readString(pub), key.publicKey().toPem());
  }

  @Test
  void aBadKeyFileIsNamedWithWhatIsWrong() throws IOException {
    Path missing = dir.resolve("missing.key");
    assertEquals(
        "cannot read private key file " + missing + ": no such file",
        assertThrows(InvalidInputException.class, () -> WriterKey.load(missing)).getMessage());

    Path text = dir.resolve("text.key");
    Files.writeString(text, "not a key\n");
    assertEquals(
        "private key file "
            + text
            + " is not a PEM file with a '-----BEGIN PRIVATE KEY-----' block",
        assertThrows(InvalidInputException.class, () -> WriterKey.load(text)).getMessage());

    Path pub = copy("openssl-ed25519.pub");
    assertEquals(
        "private key file "
            + pub
            + " is not a PEM file with a '-----BEGIN PRIVATE KEY-----' block (it holds another"
            + " kind of PEM block)",
        assertThrows(InvalidInputException.class, () -> WriterKey.load(pub)).getMessage());

    Path rsa = dir.resolve("rsa.key");
    Files.writeString(
        rsa,
        "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n");
    assertEquals(
        "private key file "
            + rsa
            + " does not hold an Ed25519 key: its 24-byte DER is not the 48-byte PKCS#8 encoding"
            + " of an Ed25519 key",
        assertThrows(InvalidInputException.class, () -> WriterKey.load(rsa)).getMessage());

    assertEquals(
        "an Ed25519 seed is 32 bytes, got 31",
        assertThrows(InvalidInputException.class, () -> WriterKey.fromSeed(new byte[31]))
            .getMessage());
  }

  private Path copy(String resource) throws IOException {
    Path file = dir.resolve(resource);
    try (InputStream in = getClass().getResourceAsStream("/keys/" + resource)) {
      Files.copy(in, file);
    }
    return file;
  }
}
