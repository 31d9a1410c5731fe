package dev.agentstore.bench;

import static dev.agentstore.bench.Payloads.STREAM;

import dev.agentstore.Head;
import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import java.nio.file.Path;
import java.sql.SQLException;
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
 * Verifies one whole chain on a SQLite file (WAL), one thread; the score is the time per verify of
 * the whole chain. {@code chain} is {@code ENTRIESxPAYLOAD}: 1,000,000 entries of 256 bytes, or
 * 4,096 entries of 64 KiB (256 MiB of payload, for hashing throughput).
 *
 * <p>{@code ours} is {@code WriterLog.verify}: paged reads, every link and hash checked. {@code
 * raw} is one streaming {@code SELECT ... ORDER BY seq} checking the same links and hashes. Run
 * with {@link HeapGrowthProfiler} to see the live heap either needs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Threads(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
public class VerifyChain {
  @Param({"1000000x256", "4096x65536"})
  public String chain = "1000000x256";

  private SqliteBackend ours;
  private RawLog raw;

  @Setup(Level.Trial)
  public void setup(BenchmarkParams params) throws SQLException {
    String[] shape = chain.split("x");
    Path file = Fixtures.chain(Integer.parseInt(shape[0]), Integer.parseInt(shape[1]));
    if (params.getBenchmark().endsWith(".ours")) {
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
  public Optional<Head> ours() {
    return WriterLog.verify(ours, STREAM, "w");
  }

  /** One streaming query over the chain, checking links and hashes. */
  @Benchmark
  public long raw() throws SQLException {
    return raw.verify(STREAM, "w");
  }
}
