package dev.agentstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentstore.WriterKey;
import dev.agentstore.WriterPublicKey;
import dev.agentstore.sqlite.SqliteBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keygen, append --key, checkpoint and verify --against / --trust / --require-signatures. */
class SignedCommandsTest {
  @TempDir Path dir;

  @Test
  void keygenWritesAnOwnerOnlyKeyAndItsPublicHalfAndPrintsTheFingerprint() throws Exception {
    Path key = dir.resolve("alice.key");
    String fingerprint = Cli.run("keygen", key.toString()).expect(0).out().strip();
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
    WriterKey loaded = WriterKey.load(key);
    assertEquals(loaded.fingerprint().toHex(), fingerprint);
    assertEquals(loaded.publicKey(), WriterPublicKey.load(dir.resolve("alice.key.pub")));
    Cli.Result again = Cli.run("keygen", key.toString()).expect(Main.EXIT_USAGE);
    assertTrue(again.err().contains("already exists"), again.err());
  }

  @Test
  void aSignedStoreVerifiesAgainstItsCheckpointUntilItsTailIsCut() throws Exception {
    Path store = dir.resolve("a.db");
    Path key = dir.resolve("alice.key");
    Path witness = dir.resolve("witness.key");
    String writer = Cli.run("keygen", key.toString()).expect(0).out().strip();
    Cli.run("keygen", witness.toString()).expect(0);
    for (int i = 1; i <= 5; i++) {
      String out =
          Cli.run(
                  "append",
                  store.toString(),
                  "--stream",
                  "conv",
                  "--key",
                  key.toString(),
                  "turn " + i,
                  "--create")
              .expect(0)
              .out();
      assertTrue(out.startsWith("appended conv/" + writer + " seq " + i + " "), out);
      assertTrue(out.strip().endsWith(", signed"), out);
    }
    Cli.run("append", store.toString(), "--stream", "conv", "--writer", "bob", "hi").expect(0);
    Path cp = dir.resolve("cp.json");
    assertEquals(
        "checkpoint of 2 chains signed by "
            + WriterKey.load(witness).fingerprint().toHex()
            + " written to "
            + cp
            + "\n",
        Cli.run("checkpoint", store.toString(), "--key", witness.toString(), "--out", cp.toString())
            .expect(0)
            .out());
    String pub = witness + ".pub";
    Cli.Result ok =
        Cli.run(
                "verify",
                store.toString(),
                "--against",
                cp.toString(),
                "--trust",
                pub,
                "--require-signatures")
            .expect(0);
    assertTrue(ok.out().contains("Checkpoint: every chain extends it."), ok.out());

    // An untrusted signer is refused: exit 1.
    Cli.Result untrusted =
        Cli.run("verify", store.toString(), "--against", cp.toString(), "--trust", key + ".pub")
            .expect(Main.EXIT_BROKEN);
    assertTrue(untrusted.err().contains("checkpoint signed by an untrusted key"), untrusted.err());

    // A cut tail: the chain verifies, the checkpoint says truncated.
    try (SqliteBackend db = SqliteBackend.open(store)) {
      db.exec("DELETE FROM _agent_store_log WHERE writer = ? AND seq > 3", writer);
      db.exec("DELETE FROM _agent_store_sig WHERE writer = ? AND seq > 3", writer);
    }
    Cli.Result cut =
        Cli.run("verify", store.toString(), "--against", cp.toString(), "--trust", pub, "--json")
            .expect(Main.EXIT_BROKEN);
    JsonNode json = cut.json();
    assertEquals(0, json.get("summary").get("broken").asLong());
    assertEquals("VALID", json.get("checkpoint").get("signature").asText());
    assertEquals(false, json.get("checkpoint").get("ok").asBoolean());
    assertTrue(
        cut.err().contains("first: conv/" + writer + " truncated: head 3, checkpoint at seq 5"),
        cut.err());

    // An unsigned append under the key's name: fine, unless signatures are required.
    Cli.run("append", store.toString(), "--stream", "conv", "--writer", writer, "unsigned")
        .expect(0);
    Cli.run("verify", store.toString()).expect(0);
    Cli.Result unsigned =
        Cli.run("verify", store.toString(), "--require-signatures").expect(Main.EXIT_BROKEN);
    assertTrue(unsigned.err().contains("at seq 4 (UNSIGNED)"), unsigned.err());
  }

  @Test
  void copyCarriesTheSignatures() {
    Path store = dir.resolve("a.db");
    Path key = dir.resolve("alice.key");
    String writer = Cli.run("keygen", key.toString()).expect(0).out().strip();
    for (int i = 1; i <= 3; i++) {
      Cli.run(
              "append",
              store.toString(),
              "--stream",
              "conv",
              "--key",
              key.toString(),
              "t" + i,
              "--create")
          .expect(0);
    }
    Path copy = dir.resolve("b.db");
    Cli.run("copy", store.toString(), copy.toString(), "--create").expect(0);
    Cli.run("verify", copy.toString(), "--require-signatures").expect(0);
    try (SqliteBackend db = SqliteBackend.open(copy)) {
      assertEquals(
          java.util.List.of(3L),
          db.query(
              "SELECT COUNT(*) FROM _agent_store_sig WHERE writer = ?",
              row -> row.getLong(1),
              writer));
    }
  }

  @Test
  void verifyAgainstACheckpointNeedsTrustedKeys() {
    Path store = TestStores.sample(dir.resolve("a.db"));
    Cli.Result run =
        Cli.run("verify", store.toString(), "--against", dir.resolve("cp.json").toString())
            .expect(Main.EXIT_USAGE);
    assertTrue(run.err().contains("--against needs --trust KEY.pub"), run.err());
  }
}
