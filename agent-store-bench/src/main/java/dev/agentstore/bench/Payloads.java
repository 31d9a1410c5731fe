package dev.agentstore.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Benchmark payloads: random bytes, the same on both sides of a benchmark. */
final class Payloads {
  /** The payload size of every workload unless it says otherwise. */
  static final int SIZE = 256;

  static final String STREAM = "bench";

  private Payloads() {}

  static byte[] random(int size, long seed) {
    byte[] bytes = new byte[size];
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < size; i++) {
      bytes[i] = (byte) random.nextInt(256);
    }
    return bytes;
  }

  /** {@code count} distinct payloads of {@code size} bytes. */
  static List<byte[]> batch(int count, int size, long seed) {
    List<byte[]> payloads = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      payloads.add(random(size, seed * 1_000_003L + i));
    }
    return payloads;
  }

  /** Makes {@code payload} distinct from the previous one by writing {@code n} into its head. */
  static byte[] stamp(byte[] payload, long n) {
    for (int i = 0; i < 8; i++) {
      payload[i] = (byte) (n >>> (8 * i));
    }
    return payload;
  }
}
