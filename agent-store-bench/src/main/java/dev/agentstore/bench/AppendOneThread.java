package dev.agentstore.bench;

import static dev.agentstore.bench.Payloads.STREAM;

import dev.agentstore.Backend;
import dev.agentstore.Entry;
import dev.agentstore.WriterLog;
import java.sql.SQLException;
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
 * Appends one 256-byte entry to one chain from one thread, on a SQLite file (WAL, {@code
 * synchronous=NORMAL}), an in-memory SQLite database or PostgreSQL (one connection in use).
 *
 * <p>{@code ours} is {@code WriterLog.append}. {@code raw} on SQLite is the write transaction that
 * makes an append safe: {@code BEGIN IMMEDIATE}, head {@code SELECT}, BLAKE3, {@code INSERT},
 * {@code COMMIT}. {@code raw} on PostgreSQL is the floor for one row: a single auto-committed
 * {@code INSERT} after a head the baseline keeps in memory (correct only while nobody else writes
 * the chain).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Threads(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
public class AppendOneThread {
  @Param({Stores.SQLITE_FILE, Stores.SQLITE_MEMORY, Stores.POSTGRES})
  public String backend = Stores.SQLITE_FILE;

  private Stores stores;
  private Backend ours;
  private RawLog raw;
  private RawLog.Head rawHead;
  private final byte[] payload = Payloads.random(Payloads.SIZE, 1);
  private long n;

  @Setup(Level.Trial)
  public void setup(BenchmarkParams params) throws SQLException {
    stores = new Stores(backend);
    if (params.getBenchmark().endsWith(".ours")) {
      ours = stores.openOurs();
    } else {
      raw = stores.openRaw();
      rawHead = raw.head(STREAM, "w");
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

  /** {@code WriterLog.append} of one 256-byte payload. */
  @Benchmark
  public Entry ours() {
    return WriterLog.append(ours, STREAM, "w", Payloads.stamp(payload, ++n));
  }

  /** The same append as hand-written JDBC (see the class comment for what it does per backend). */
  @Benchmark
  public RawLog.Head raw() throws SQLException {
    byte[] next = Payloads.stamp(payload, ++n);
    if (stores.isSqlite()) {
      return raw.appendInTransaction(STREAM, "w", next);
    }
    rawHead = raw.insertAfter(STREAM, "w", rawHead, next);
    return rawHead;
  }
}
