package dev.agentstore.nats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentstore.CommitEvent;
import dev.agentstore.Entry;
import dev.agentstore.InvalidInputException;
import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommitMessageTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] HASH = HexFormat.of().parseHex("ab".repeat(32));

  @Test
  void theWireFormatIsFlatJsonWithTheHashInHex() {
    CommitMessage message = new CommitMessage("conv:demo", "alice", 7, HASH);
    assertEquals(
        "{\"stream\":\"conv:demo\",\"writer\":\"alice\",\"seq\":7,\"content_hash\":\""
            + "ab".repeat(32)
            + "\"}",
        new String(message.toJson(), StandardCharsets.UTF_8));
    assertEquals(new CommitEvent("conv:demo", "alice", 7), message.toCommitEvent());
  }

  @Test
  void anyJsonReaderReadsItAndItReadsAnyJsonWriter() throws Exception {
    for (String name :
        List.of("plain", "quote\" back\\slash", "tab\tnl\n", "\0\u001f\u007f", "é😀")) {
      CommitMessage message = new CommitMessage(name, name + "w", 42, HASH);
      JsonNode read = JSON.readTree(message.toJson());
      assertEquals(name, read.get("stream").asText());
      assertEquals(name + "w", read.get("writer").asText());
      assertEquals(42, read.get("seq").asLong());
      assertEquals("ab".repeat(32), read.get("content_hash").asText());
      byte[] written =
          JSON.writeValueAsBytes(
              JSON.createObjectNode()
                  .put("content_hash", "AB".repeat(32))
                  .put("seq", 42)
                  .put("writer", name + "w")
                  .put("extra", true)
                  .put("stream", name));
      assertEquals(message, CommitMessage.parse(written));
    }
  }

  @Test
  void aMessageAnnouncesAnEntry() {
    try (SqliteBackend db = SqliteBackend.inMemory()) {
      WriterLog.ensureSchema(db);
      WriterLog.append(db, "conv", "alice", new byte[] {1});
      Entry entry = WriterLog.append(db, "conv", "alice", new byte[] {2});
      CommitMessage message = CommitMessage.of(entry);
      assertEquals(2, message.seq());
      assertArrayEquals(entry.contentHash(), message.contentHash());
      assertEquals(entry.contentHashHex(), message.contentHashHex());
    }
  }

  @Test
  void malformedMessagesAreRefused() {
    for (String bad :
        List.of(
            "",
            "[]",
            "{\"stream\":\"s\",\"writer\":\"w\",\"seq\":1}",
            "{\"stream\":\"s\",\"writer\":\"w\",\"seq\":0,\"content_hash\":\""
                + "ab".repeat(32)
                + "\"}",
            "{\"stream\":\"s\",\"writer\":\"w\",\"seq\":\"1\",\"content_hash\":\"ab\"}",
            "{\"stream\":\"s\",\"writer\":\"w\",\"seq\":1,\"content_hash\":\"ab\"}",
            "{\"stream\":\"s\",\"writer\":\"w\",\"seq\":1,\"content_hash\":\"zz\"}",
            "{\"stream\":\"s\" \"writer\":\"w\"}",
            "{\"stream\":{\"nested\":1}}")) {
      assertThrows(
          InvalidInputException.class,
          () -> CommitMessage.parse(bad.getBytes(StandardCharsets.UTF_8)),
          bad);
    }
  }
}
