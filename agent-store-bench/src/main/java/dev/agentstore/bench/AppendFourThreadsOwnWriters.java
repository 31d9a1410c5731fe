package dev.agentstore.bench;

import static dev.agentstore.bench.Payloads.STREAM;

import dev.agentstore.Backend;
import dev.agentstore.StoreException;
import dev.agentstore.WriterLog;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * Four threads append 256-byte entries, each to its own chain (its own writer) of one store: one
 * SQLite file (WAL, {@code synchronous=NORMAL}) or one PostgreSQL database. Scores are appends per
 * second over all threads; {@code errors} counts appends that threw (the target is none).
 *
 * <p>{@code ours}: the four threads share one backend and call {@code WriterLog.append}. {@code
 * raw}: each thread has a connection of its own; on SQLite each append is the write transaction
 * {@code BEGIN IMMEDIATE}, head {@code SELECT}, {@code INSERT}, {@code COMMIT} (waiting on the busy
 * timeout), on PostgreSQL one auto-committed {@code INSERT} after the head the thread keeps.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Threads(4)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
public class AppendFourThreadsOwnWriters {
  /** The store all threads write to. */
  @State(Scope.Benchmark)
  public static class Shared {
    @Param({Stores.SQLITE_FILE, Stores.POSTGRES})
    public String backend = Stores.SQLITE_FILE;

    Stores stores;
    Backend ours;
    final AtomicInteger threads = new AtomicInteger();

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

  /** One thread's writer name, payload and (for {@code raw}) connection. */
  @State(Scope.Thread)
  public static class Writer {
    String name;
    RawLog raw;
    RawLog.Head head;
    final byte[] payload = Payloads.random(Payloads.SIZE, 3);
    long n;

    @Setup(Level.Trial)
    public void setup(Shared shared, BenchmarkParams params) throws SQLException {
      name = "w" + shared.threads.getAndIncrement();
      if (!params.getBenchmark().endsWith(".ours")) {
        raw = shared.stores.openRaw();
        head = raw.head(STREAM, name);
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      if (raw != null) {
        raw.close();
      }
    }
  }

  /** {@code WriterLog.append} to this thread's chain on the shared backend. */
  @Benchmark
  public void ours(Shared shared, Writer writer, Errors errors) {
    try {
      WriterLog.append(
          shared.ours, STREAM, writer.name, Payloads.stamp(writer.payload, ++writer.n));
    } catch (StoreException e) {
      errors.errors++;
    }
  }

  /** The same append on this thread's own raw connection. */
  @Benchmark
  public void raw(Shared shared, Writer writer, Errors errors) {
    byte[] payload = Payloads.stamp(writer.payload, ++writer.n);
    try {
      if (shared.stores.isSqlite()) {
        writer.raw.appendInTransaction(STREAM, writer.name, payload);
      } else {
        writer.head = writer.raw.insertAfter(STREAM, writer.name, writer.head, payload);
      }
    } catch (SQLException e) {
      errors.errors++;
    }
  }
}
