package dev.agentstore.bench;

import static dev.agentstore.bench.Payloads.STREAM;

import dev.agentstore.Entry;
import dev.agentstore.Head;
import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * How reads cost as a chain grows: one chain of {@code entries} entries of 256 bytes on a SQLite
 * file (WAL), one thread. {@code verify*} verifies the whole chain (its time should grow linearly
 * with the chain); {@code readAfter*} reads {@value #PAGE} entries from the middle of the chain
 * (its time should stay flat). {@code *Ours} goes through {@code WriterLog}, {@code *Raw} is one
 * hand-written query.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Threads(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
public class CostCurve {
  static final int PAGE = 1000;

  @Param({"10000", "100000", "1000000"})
  public int entries = 10_000;

  private SqliteBackend ours;
  private RawLog raw;

  @Setup(Level.Trial)
  public void setup(BenchmarkParams params) throws SQLException {
    Path file = Fixtures.chain(entries, Payloads.SIZE);
    if (params.getBenchmark().endsWith("Ours")) {
      ours = SqliteBackend.open(file);
    } else {
      raw = new RawLog(Stores.sqlite("jdbc:sqlite:" + file), "");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    if (ours != null) {
      ours.close();
    }
    if (raw != null) {
      raw.close();
    }
  }

  /** {@code WriterLog.verify} of the whole chain. */
  @Benchmark
  public Optional<Head> verifyOurs() {
    return WriterLog.verify(ours, STREAM, "w");
  }

  /** One streaming query over the whole chain, checking links and hashes. */
  @Benchmark
  public long verifyRaw() throws SQLException {
    return raw.verify(STREAM, "w");
  }

  /** {@code WriterLog.readAfter} of {@value #PAGE} entries from the middle of the chain. */
  @Benchmark
  public List<Entry> readAfterOurs() {
    return WriterLog.readAfter(ours, STREAM, "w", entries / 2, PAGE);
  }

  /** One {@code SELECT ... WHERE seq > ? ORDER BY seq LIMIT ?} of {@value #PAGE} rows. */
  @Benchmark
  public List<RawLog.Row> readAfterRaw() throws SQLException {
    return raw.readAfter(STREAM, "w", entries / 2, PAGE);
  }
}
