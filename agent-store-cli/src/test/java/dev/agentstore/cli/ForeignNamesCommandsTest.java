package dev.agentstore.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentstore.Generation;
import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.crypto.digests.Blake3Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands read every chain the format allows: an empty stream, an empty writer and names over
 * 1,024 bytes, as the reference crate writes them (laid down here with plain SQL). verify, heads,
 * log and copy accept them, and copy keeps them byte for byte.
 */
class ForeignNamesCommandsTest {
  private static final String LONG_WRITER = "w".repeat(WriterLog.MAX_NAME_BYTES + 1);
  private static final String LONG_STREAM = "é".repeat(1500);

  @TempDir Path dir;

  private Path foreignStore() {
    Path file = dir.resolve("rust.db");
    try (SqliteBackend db = SqliteBackend.open(file)) {
      WriterLog.ensureSchema(db);
      Generation.ensureSchema(db);
      insertChain(db, "", "alice", 2);
      insertChain(db, "conv", "", 3);
      insertChain(db, "conv", LONG_WRITER, 4);
      insertChain(db, LONG_STREAM, "", 1);
      db.exec("INSERT INTO _agent_store_meta (key, ival) VALUES (?, ?)", "", 4L);
      db.exec("INSERT INTO _agent_store_meta (key, ival) VALUES (?, ?)", LONG_WRITER, 11L);
    }
    return file;
  }

  @Test
  void verifyCallsEveryForeignChainIntact() {
    Path store = foreignStore();
    Cli.Result run = Cli.run("verify", store.toString(), "--json").expect(0);
    JsonNode chains = run.json().get("chains");
    assertEquals(4, chains.size(), run.out());
    for (JsonNode chain : chains) {
      assertEquals("intact", chain.get("status").asText(), chain.toString());
    }
    Cli.run("verify", store.toString(), "--stream", "", "--writer", "alice").expect(0);
    Cli.run("verify", store.toString(), "--stream", "conv", "--writer", LONG_WRITER).expect(0);
  }

  @Test
  void headsAndLogShowForeignNamesExactly() {
    Path store = foreignStore();
    JsonNode heads = Cli.run("heads", store.toString(), "--json").expect(0).json().get("heads");
    List<String> names = new ArrayList<>();
    for (JsonNode head : heads) {
      names.add(head.get("stream").asText() + "/" + head.get("writer").asText());
    }
    assertEquals(List.of("/alice", "conv/", "conv/" + LONG_WRITER, LONG_STREAM + "/"), names);
    Cli.Result log =
        Cli.run("log", store.toString(), "--stream", "conv", "--writer", LONG_WRITER, "--json")
            .expect(0);
    JsonNode entries = log.json().get("entries");
    assertEquals(4, entries.size(), log.out());
    assertEquals(LONG_WRITER, log.json().get("writer").asText());
    assertEquals("entry 4 of conv/" + LONG_WRITER, entries.get(3).get("payload").asText());
    Cli.Result empty =
        Cli.run("log", store.toString(), "--stream", "", "--writer", "alice").expect(0);
    assertTrue(empty.out().contains("entry 2 of /alice"), empty.out());
  }

  @Test
  void copyKeepsForeignNamesByteForByte() {
    Path store = foreignStore();
    Path copy = dir.resolve("copy.db");
    Cli.Result run = Cli.run("copy", store.toString(), copy.toString(), "--create").expect(0);
    assertTrue(
        run.out().contains("Copied 10 of 10 entries in 4 chains (0 already there) and 2 of 2"),
        run.out());
    assertEquals(rows(store), rows(copy));
    try (SqliteBackend db = SqliteBackend.open(copy)) {
      assertEquals(
          TestStores.generations(db, "_agent_store_meta"), List.of("=4", LONG_WRITER + "=11"));
    }
    // Run again: everything is there, nothing is duplicated.
    Cli.Result again = Cli.run("copy", store.toString(), copy.toString()).expect(0);
    assertTrue(again.out().contains("Copied 0 of 10 entries"), again.out());
    assertEquals(rows(store), rows(copy));
  }

  private static List<String> rows(Path store) {
    try (SqliteBackend db = SqliteBackend.open(store)) {
      return TestStores.logRows(db);
    }
  }

  /** Inserts a chain as another writer would, hashing {@code BLAKE3(prev_hash || payload)}. */
  private static void insertChain(SqliteBackend db, String stream, String writer, int count) {
    byte[] prev = null;
    for (long seq = 1; seq <= count; seq++) {
      byte[] payload = ("entry " + seq + " of " + stream + "/" + writer).getBytes(UTF_8);
      Blake3Digest digest = new Blake3Digest(256);
      if (prev != null) {
        digest.update(prev, 0, prev.length);
      }
      digest.update(payload, 0, payload.length);
      byte[] hash = new byte[32];
      digest.doFinal(hash, 0);
      db.exec(
          "INSERT INTO _agent_store_log (stream, writer, seq, prev_hash, content_hash, payload)"
              + " VALUES (?, ?, ?, ?, ?, ?)",
          stream,
          writer,
          seq,
          prev,
          hash,
          payload);
      prev = hash;
    }
  }
}
