package dev.agentstore.bench;

import static dev.agentstore.bench.Payloads.STREAM;

import dev.agentstore.Backend;
import dev.agentstore.Entry;
import dev.agentstore.WriterLog;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Appends batches of 1,000 entries of 256 bytes to one chain in one transaction each, one thread;
 * scores are entries per second. SQLite: WAL, {@code synchronous=NORMAL}.
 *
 * <p>{@code ours} is {@code WriterLog.appendAll}. {@code raw} is one write transaction: begin
 * ({@code BEGIN IMMEDIATE} on SQLite), head {@code SELECT}, BLAKE3 of each entry, one JDBC batch of
 * 1,000 {@code INSERT}s, commit. The PostgreSQL connection URL is the same for both sides.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(AppendAllBatchOf1000.BATCH)
@Fork(1)
@Threads(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
public class AppendAllBatchOf1000 {
  static final int BATCH = 1000;

  @Param({Stores.SQLITE_FILE, Stores.SQLITE_MEMORY, Stores.POSTGRES})
  public String backend = Stores.SQLITE_FILE;

  private Stores stores;
  private Backend ours;
  private RawLog raw;
  private final List<byte[]> batch = Payloads.batch(BATCH, Payloads.SIZE, 2);

  @Setup(Level.Trial)
  public void setup(BenchmarkParams params) {
    stores = new Stores(backend);
    if (params.getBenchmark().endsWith(".ours")) {
      ours = stores.openOurs();
    } else {
      raw = stores.openRaw();
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
    stores.close();
  }

  /** {@code WriterLog.appendAll} of 1,000 payloads of 256 bytes. */
  @Benchmark
  public List<Entry> ours() {
    return WriterLog.appendAll(ours, STREAM, "w", batch);
  }

  /** One transaction: head {@code SELECT} and a JDBC batch of 1,000 hashed {@code INSERT}s. */
  @Benchmark
  public RawLog.Head raw() throws SQLException {
    return raw.appendBatch(STREAM, "w", batch);
  }
}
