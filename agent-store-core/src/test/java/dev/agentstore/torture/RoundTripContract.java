package dev.agentstore.torture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.Backend;
import dev.agentstore.Dialect;
import dev.agentstore.Entry;
import dev.agentstore.Generation;
import dev.agentstore.InvalidInputException;
import dev.agentstore.WriterLog;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.bouncycastle.crypto.digests.Blake3Digest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Randomised round trips: arbitrary payloads and names go in and come out exactly, and verify. Each
 * case is driven by a seed shown in its name; set {@code agentstore.roundtrip.seed} to replay one,
 * and {@code agentstore.roundtrip.cases} for more cases.
 */
public abstract class RoundTripContract {
  private Backend db;

  /** A fresh, empty backend. */
  protected abstract Backend newBackend();

  @BeforeEach
  void open() {
    db = newBackend();
    WriterLog.ensureSchema(db);
    Generation.ensureSchema(db);
  }

  @AfterEach
  void close() {
    db.close();
  }

  static LongStream seeds() {
    Long fixed = Long.getLong("agentstore.roundtrip.seed");
    if (fixed != null) {
      return LongStream.of(fixed);
    }
    long base = new Random().nextLong();
    return LongStream.range(0, Integer.getInteger("agentstore.roundtrip.cases", 25))
        .map(i -> base + i);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void arbitraryNamesAndPayloadsRoundTripExactlyAndVerify(long seed) {
    Random random = new Random(seed);
    boolean nulStorable = db.dialect() == Dialect.SQLITE;
    String stream = randomName(random, nulStorable);
    String writer = randomName(random, nulStorable);
    List<byte[]> payloads = new ArrayList<>();
    int count = 1 + random.nextInt(40);
    for (int i = 0; i < count; i++) {
      payloads.add(randomPayload(random));
    }
    List<Entry> appended = new ArrayList<>();
    int split = random.nextInt(count + 1);
    for (byte[] payload : payloads.subList(0, split)) {
      appended.add(WriterLog.append(db, stream, writer, payload));
    }
    appended.addAll(WriterLog.appendAll(db, stream, writer, payloads.subList(split, count)));

    String context = "seed " + seed;
    List<Entry> read = WriterLog.entries(db, stream, writer).toList();
    assertEquals(appended, read, context);
    byte[] prev = null;
    for (int i = 0; i < count; i++) {
      Entry entry = read.get(i);
      assertEquals(stream, entry.stream(), context);
      assertEquals(writer, entry.writer(), context);
      assertArrayEquals(payloads.get(i), entry.payload(), context + " seq " + (i + 1));
      assertArrayEquals(blake3(prev, payloads.get(i)), entry.contentHash(), context);
      prev = entry.contentHash();
    }
    assertEquals(count, WriterLog.verify(db, stream, writer).orElseThrow().seq(), context);
    assertTrue(WriterLog.streams(db).contains(stream), context);
    Generation generation = new Generation(randomName(random, nulStorable));
    assertEquals(1, generation.bump(db), context);
  }

  @Test
  void nameOfExactlyTheLimitIsAcceptedAndOneByteMoreIsRefused() {
    String longest = "é".repeat(WriterLog.MAX_NAME_BYTES / 2);
    WriterLog.append(db, longest, longest, new byte[] {1});
    assertEquals(1, WriterLog.verify(db, longest, longest).orElseThrow().seq());
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () -> WriterLog.append(db, longest + "x", "w", new byte[] {1}));
    assertTrue(e.getMessage().contains("1,025 bytes"), e.getMessage());
  }

  @Test
  void payloadOfExactlyTheLimitRoundTrips() {
    byte[] payload = new byte[WriterLog.MAX_PAYLOAD_BYTES];
    new Random(7).nextBytes(payload);
    Entry entry = WriterLog.append(db, "big", "w", payload);
    assertArrayEquals(payload, WriterLog.head(db, "big", "w").orElseThrow().payload());
    assertArrayEquals(blake3(null, payload), entry.contentHash());
    assertEquals(1, WriterLog.verify(db, "big", "w").orElseThrow().seq());
  }

  @Test
  void nulInANameIsStoredWhereTheBackendCanAndRefusedClearlyWhereItCannot() {
    String name = "a\0b";
    if (db.dialect() == Dialect.SQLITE) {
      WriterLog.append(db, name, name, new byte[] {1});
      assertEquals(name, WriterLog.heads(db).get(0).stream());
      assertEquals(name, WriterLog.head(db, name, name).orElseThrow().writer());
    } else {
      InvalidInputException e =
          assertThrows(
              InvalidInputException.class, () -> WriterLog.append(db, name, "w", new byte[] {1}));
      assertTrue(e.getMessage().contains("NUL"), e.getMessage());
      assertEquals(List.of(), WriterLog.streams(db));
    }
  }

  private static String randomName(Random random, boolean nulStorable) {
    int length = 1 + random.nextInt(random.nextInt(10) == 0 ? 300 : 24);
    StringBuilder name = new StringBuilder();
    while (name.length() < length) {
      int codePoint =
          switch (random.nextInt(5)) {
            case 0 -> 0x20 + random.nextInt(0x5f);
            case 1 -> 0xa0 + random.nextInt(0x2000);
            case 2 -> 0x4e00 + random.nextInt(0x5000);
            case 3 -> 0x1f300 + random.nextInt(0x300);
            default -> nulStorable && random.nextInt(8) == 0 ? 0 : 'a' + random.nextInt(26);
          };
      name.appendCodePoint(codePoint);
    }
    String result = name.toString();
    while (result.getBytes(StandardCharsets.UTF_8).length > WriterLog.MAX_NAME_BYTES) {
      result =
          result.substring(
              0, result.offsetByCodePoints(0, result.codePointCount(0, result.length()) - 1));
    }
    return result;
  }

  private static byte[] randomPayload(Random random) {
    int size =
        switch (random.nextInt(6)) {
          case 0 -> 0;
          case 1 -> 1;
          case 2 -> random.nextInt(64);
          case 3 -> random.nextInt(4096);
          case 4 -> 256;
          default -> random.nextInt(256 * 1024);
        };
    byte[] payload = new byte[size];
    random.nextBytes(payload);
    return payload;
  }

  private static byte[] blake3(byte[] prev, byte[] payload) {
    Blake3Digest digest = new Blake3Digest(256);
    if (prev != null) {
      digest.update(prev, 0, prev.length);
    }
    digest.update(payload, 0, payload.length);
    byte[] out = new byte[32];
    digest.doFinal(out, 0);
    return out;
  }
}
