package dev.agentstore.bench;

import static dev.agentstore.bench.Payloads.STREAM;

import dev.agentstore.Head;
import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * How to read a long chain for verify: each operation verifies one chain of {@value #ENTRIES}
 * entries of 256 bytes on a SQLite file (WAL), every link and hash checked; scores are entries per
 * second.
 *
 * <p>{@code with} is {@code WriterLog.verify} on a file backend: the chain is cut into segments
 * read in pages and hashed on several threads at once (as many as there are cores, up to four),
 * each on its own read connection, and joined in seq order. {@code withoutOnePass} is one streaming
 * {@code SELECT ... ORDER BY seq} with a fetch size on one connection and one thread ({@link
 * RawLog#verify}). {@code withoutPaged} is the same {@code WriterLog.verify} on a backend adopting
 * a single connection, where it can neither split the chain nor read ahead: pages read and hashed
 * one after the other on the calling thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(VerifyStrategies.ENTRIES)
@Fork(1)
@Threads(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
public class VerifyStrategies {
  static final int ENTRIES = 200_000;

  private SqliteBackend ours;
  private Connection adopted;
  private RawLog raw;

  @Setup(Level.Trial)
  public void setup(BenchmarkParams params) throws SQLException {
    Path file = Fixtures.chain(ENTRIES, Payloads.SIZE);
    String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
    switch (method) {
      case "with" -> ours = SqliteBackend.open(file);
      case "withoutPaged" -> {
        adopted = Stores.sqlite("jdbc:sqlite:" + file);
        ours = SqliteBackend.fromConnection(adopted);
      }
      default -> raw = new RawLog(Stores.sqlite("jdbc:sqlite:" + file), "");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws SQLException {
    if (ours != null) {
      ours.close();
    }
    // An adopted connection stays its owner's to close.
    if (adopted != null) {
      adopted.close();
    }
    if (raw != null) {
      raw.close();
    }
  }

  /** {@code WriterLog.verify} in segments on several threads. */
  @Benchmark
  public Optional<Head> with() {
    return WriterLog.verify(ours, STREAM, "w");
  }

  /** One streaming query with a fetch size, on this thread. */
  @Benchmark
  public long withoutOnePass() throws SQLException {
    return raw.verify(STREAM, "w");
  }

  /** {@code WriterLog.verify} on one connection: pages one after the other, no read-ahead. */
  @Benchmark
  public Optional<Head> withoutPaged() {
    return WriterLog.verify(ours, STREAM, "w");
  }
}
