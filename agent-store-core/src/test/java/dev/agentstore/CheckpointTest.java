package dev.agentstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.sqlite.SqliteBackend;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint's canonical JSON, exactly, and its file form. */
class CheckpointTest {
  private static final HexFormat HEX = HexFormat.of();

  @TempDir Path dir;

  @Test
  void theCanonicalFormIsSortedCompactAndSignedOverTheDocumentedBytes() throws Exception {
    WriterKey key =
        WriterKey.fromSeed(
            HEX.parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
    try (Backend db = SqliteBackend.open(dir.resolve("store.db"))) {
      WriterLog.ensureSchema(db);
      Entry first = WriterLog.append(db, "conv", "b\"ob", "hi".getBytes(StandardCharsets.UTF_8));
      Entry second = WriterLog.append(db, "conv", "alice", new byte[] {1});
      Checkpoint checkpoint = Checkpoint.take(db, key, Checkpoint.Selection.all());
      String body =
          "{\"chains\":[{\"content_hash\":\""
              + second.toHead().contentHashHex()
              + "\",\"seq\":1,\"stream\":\"conv\",\"writer\":\"alice\"},{\"content_hash\":\""
              + first.toHead().contentHashHex()
              + "\",\"seq\":1,\"stream\":\"conv\",\"writer\":\"b\\\"ob\"}],"
              + "\"signer\":\"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a\","
              + "\"store\":"
              + quoted(db.describe())
              + ",\"version\":1}";
      byte[] signed =
          concat(
              "agent-store/checkpoint".getBytes(StandardCharsets.US_ASCII),
              new byte[] {1},
              body.getBytes(StandardCharsets.UTF_8));
      assertEquals(HEX.formatHex(key.sign(signed)), HEX.formatHex(checkpoint.signature()));
      String json =
          body.replace(
              "\"signer\":",
              "\"signature\":\"" + HEX.formatHex(checkpoint.signature()) + "\",\"signer\":");
      assertEquals(json, checkpoint.toJson());

      Path file = dir.resolve("cp.json");
      checkpoint.write(file);
      assertEquals(json + "\n", Files.readString(file));
      assertEquals(checkpoint, Checkpoint.read(file));
      // Whitespace is not part of what is signed.
      String pretty = json.replace(",", ",\n  ").replace(":", ": ");
      assertTrue(Checkpoint.check(db, Checkpoint.fromJson(pretty), List.of(key.publicKey())).ok());
    }
  }

  @Test
  void aBadCheckpointFileIsNamedWithWhatIsWrong() throws Exception {
    Path missing = dir.resolve("missing.json");
    assertEquals(
        "cannot read checkpoint " + missing + ": no such file",
        assertThrows(InvalidInputException.class, () -> Checkpoint.read(missing)).getMessage());
    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, "{\"version\":2}");
    assertEquals(
        "checkpoint " + bad + ": not a checkpoint of version 1: \"version\" is 2",
        assertThrows(InvalidInputException.class, () -> Checkpoint.read(bad)).getMessage());
    Files.writeString(bad, "{\"version\":1,");
    assertEquals(
        "checkpoint "
            + bad
            + ": not a checkpoint: invalid JSON: unexpected end of text at character 13",
        assertThrows(InvalidInputException.class, () -> Checkpoint.read(bad)).getMessage());
  }

  private static String quoted(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static byte[] concat(byte[]... parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
