package dev.agentstore.bench;

import static dev.agentstore.bench.Payloads.STREAM;

import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Whether inserting an {@code appendAll} as one JDBC batch pays: each operation appends 1,000
 * entries of 256 bytes to one chain in one write transaction on a SQLite file (WAL, {@code
 * synchronous=NORMAL}), one thread; scores are entries per second.
 *
 * <p>Both sides are hand-written JDBC doing {@code BEGIN IMMEDIATE}, head {@code SELECT}, BLAKE3 of
 * each entry and {@code COMMIT} on one prepared INSERT. {@code with} adds the 1,000 rows to one
 * JDBC batch and executes it once, as agent-store does ({@link RawLog#appendBatch}); {@code
 * without} executes the INSERT once per row.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(AppendAllBatched.BATCH)
@Fork(1)
@Threads(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
public class AppendAllBatched {
  static final int BATCH = 1000;

  private Stores stores;
  private RawLog raw;
  private final List<byte[]> batch = Payloads.batch(BATCH, Payloads.SIZE, 9);

  @Setup(Level.Trial)
  public void setup() {
    stores = new Stores(Stores.SQLITE_FILE);
    raw = stores.openRaw();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    raw.close();
    stores.close();
  }

  /** One transaction with the 1,000 INSERTs in one JDBC batch. */
  @Benchmark
  public RawLog.Head with() throws SQLException {
    return raw.appendBatch(STREAM, "w", batch);
  }

  /** One transaction with 1,000 INSERTs executed one by one. */
  @Benchmark
  public RawLog.Head without() throws SQLException {
    return raw.appendEachInTransaction(STREAM, "w", batch);
  }
}
