package dev.agentstore.bench;

import static dev.agentstore.bench.Payloads.STREAM;

import dev.agentstore.Backend;
import dev.agentstore.StoreException;
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
 * Four threads append 256-byte entries to the same chain (one writer) of one SQLite file (WAL,
 * {@code synchronous=NORMAL}). Scores are appends per second over all threads; {@code errors}
 * counts appends that threw (the target is none: every append must land, in a chain without forks).
 *
 * <p>{@code ours}: the four threads share one backend and call {@code WriterLog.append}. {@code
 * raw}: each thread has a connection of its own and runs {@code BEGIN IMMEDIATE}, head {@code
 * SELECT}, {@code INSERT}, {@code COMMIT}, waiting on the busy timeout.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Threads(4)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
public class AppendFourThreadsSameWriter {
  /** The store and chain all threads write to. */
  @State(Scope.Benchmark)
  public static class Shared {
    @Param({Stores.SQLITE_FILE})
    public String backend = Stores.SQLITE_FILE;

    Stores stores;
    Backend ours;

    @Setup(Level.Trial)
    public void setup(BenchmarkParams params) {
      stores = new Stores(backend);
      if (params.getBenchmark().endsWith(".ours")) {
        ours = stores.openOurs();
      } else {
        stores.openRaw().close(); // creates the tables once, before the threads connect
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      if (ours != null) {
        ours.close();
      }
      stores.close();
    }
  }

  /** One thread's payload and (for {@code raw}) connection. */
  @State(Scope.Thread)
  public static class Appender {
    RawLog raw;
    final byte[] payload = Payloads.random(Payloads.SIZE, 4);
    long n;

    @Setup(Level.Trial)
    public void setup(Shared shared, BenchmarkParams params) {
      if (!params.getBenchmark().endsWith(".ours")) {
        raw = shared.stores.openRaw();
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      if (raw != null) {
        raw.close();
      }
    }
  }

  /** {@code WriterLog.append} to the shared chain on the shared backend. */
  @Benchmark
  public void ours(Shared shared, Appender appender, Errors errors) {
    try {
      WriterLog.append(shared.ours, STREAM, "w", Payloads.stamp(appender.payload, ++appender.n));
    } catch (StoreException e) {
      errors.errors++;
    }
  }

  /** The same append as a write transaction on this thread's own raw connection. */
  @Benchmark
  public void raw(Appender appender, Errors errors) {
    try {
      appender.raw.appendInTransaction(STREAM, "w", Payloads.stamp(appender.payload, ++appender.n));
    } catch (SQLException e) {
      errors.errors++;
    }
  }
}
