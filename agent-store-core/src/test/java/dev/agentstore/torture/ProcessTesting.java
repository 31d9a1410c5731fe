package dev.agentstore.torture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.Backend;
import dev.agentstore.Entry;
import dev.agentstore.WriterLog;
import dev.agentstore.internal.Hex;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** What the multi-process tests share: starting workers and checking their acknowledgements. */
final class ProcessTesting {
  private ProcessTesting() {}

  /** Lays down the tables in {@code location} and writes the policy children open it with. */
  static Path prepare(Path dir, StoreLocation location) throws IOException {
    try (Backend db = location.open()) {
      WriterLog.ensureSchema(db);
      dev.agentstore.Generation.ensureSchema(db);
    }
    return writePolicy(dir, location);
  }

  static Path writePolicy(Path dir, StoreLocation location) throws IOException {
    Path policy = dir.resolve("policy.toml");
    Files.writeString(policy, location.policyToml(), StandardCharsets.UTF_8);
    return policy;
  }

  static ChildJvm worker(
      Path dir,
      Path policy,
      String name,
      String mode,
      int threads,
      int count,
      String stream,
      String writer)
      throws IOException {
    return ChildJvm.start(
        StoreWorker.class,
        dir.resolve(name + ".log"),
        policy.toString(),
        dir.resolve(name + ".acks").toString(),
        mode,
        Integer.toString(threads),
        Integer.toString(count),
        stream,
        writer,
        name);
  }

  static List<String> acks(Path dir, String name) throws IOException {
    Path file = dir.resolve(name + ".acks");
    if (!Files.exists(file)) {
      return List.of();
    }
    // A kill can cut the last line short; only whole lines were acknowledged.
    String text = Files.readString(file, StandardCharsets.UTF_8);
    int end = text.lastIndexOf('\n');
    return end < 0 ? List.of() : text.substring(0, end).lines().toList();
  }

  /**
   * Checks one chain: seqs 1..n contiguous and verified, every acknowledged append present with its
   * hash, every acknowledged batch present, and every batch wholly present or wholly absent.
   * Returns the chain's length.
   */
  static long checkChain(Backend db, String stream, String writer, List<String> acks) {
    long head = WriterLog.verify(db, stream, writer).map(h -> h.seq()).orElse(0L);
    Map<Long, byte[]> hashes = new HashMap<>();
    Map<String, Integer> batchSeen = new HashMap<>();
    Map<String, Integer> batchSize = new HashMap<>();
    long expected = 1;
    try (Stream<Entry> entries = WriterLog.entries(db, stream, writer)) {
      for (Entry entry : (Iterable<Entry>) entries::iterator) {
        assertEquals(expected++, entry.seq(), "seqs must be contiguous");
        hashes.put(entry.seq(), entry.contentHash());
        String[] parts = new String(entry.payload(), StandardCharsets.UTF_8).split("/");
        String batch = parts[0] + "/" + parts[1];
        batchSeen.merge(batch, 1, Integer::sum);
        batchSize.put(batch, Integer.parseInt(parts[3]));
      }
    }
    assertEquals(head, expected - 1, "verify and entries must agree on the head");
    for (Map.Entry<String, Integer> batch : batchSeen.entrySet()) {
      assertEquals(
          batchSize.get(batch.getKey()),
          batch.getValue(),
          "batch " + batch.getKey() + " must be wholly present or wholly absent");
    }
    for (String ack : acks) {
      String[] parts = ack.split(" ");
      switch (parts[0]) {
        case "a" -> {
          long seq = Long.parseLong(parts[1]);
          assertTrue(hashes.containsKey(seq), "acknowledged seq " + seq + " is missing");
          assertArrayEquals(Hex.decode(parts[2]), hashes.get(seq), "hash of seq " + seq);
        }
        case "b" -> {
          for (long seq = Long.parseLong(parts[1]); seq <= Long.parseLong(parts[2]); seq++) {
            assertTrue(hashes.containsKey(seq), "acknowledged batch seq " + seq + " is missing");
          }
        }
        default -> throw new AssertionError("unexpected ack " + ack);
      }
    }
    return head;
  }
}
