package dev.agentstore.bench;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.apache.commons.codec.digest.Blake3;
import org.bouncycastle.crypto.digests.Blake3Digest;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Which BLAKE3 implementation to hash with: each operation hashes {@code size} random bytes to a
 * 32-byte digest, one thread; scores are hashes per second (the report turns them into MB/s).
 * {@code size} is 256 bytes (an entry as the other benchmarks append it) or 64 KiB (a large
 * payload, where the compression function dominates).
 *
 * <p>{@code with} is BouncyCastle's {@code Blake3Digest}, what agent-store hashes with, one digest
 * reused as agent-store reuses one per thread. {@code without} is commons-codec's {@code Blake3},
 * also one instance reused (reset before each hash), so that neither side pays for allocating its
 * state. The setup checks that both give the same digest.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Threads(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
public class Blake3Implementations {
  static final int HASH_BYTES = 32;

  @Param({"256", "65536"})
  public int size = 256;

  private byte[] input;
  private final Blake3Digest bouncyCastle = new Blake3Digest(HASH_BYTES * 8);
  private final Blake3 commonsCodec = Blake3.initHash();

  @Setup(Level.Trial)
  public void setup() {
    input = Payloads.random(size, 8);
    if (!Arrays.equals(with(), without())) {
      throw new IllegalStateException("BouncyCastle and commons-codec disagree on BLAKE3");
    }
  }

  /** BouncyCastle's {@code Blake3Digest}; {@code doFinal} leaves it reset for the next hash. */
  @Benchmark
  public byte[] with() {
    bouncyCastle.update(input, 0, input.length);
    byte[] out = new byte[HASH_BYTES];
    bouncyCastle.doFinal(out, 0);
    return out;
  }

  /** commons-codec's {@code Blake3}, reset and reused. */
  @Benchmark
  public byte[] without() {
    byte[] out = new byte[HASH_BYTES];
    commonsCodec.reset().update(input).doFinalize(out);
    return out;
  }
}
