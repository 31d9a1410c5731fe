package dev.agentstore.bench;

import static dev.agentstore.bench.Payloads.STREAM;

import dev.agentstore.Backend;
import dev.agentstore.StoreListener;
import dev.agentstore.WriterLog;
import dev.agentstore.micrometer.MicrometerListener;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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

/**
 * Ours and raw appends taking turns within one measurement, for workloads whose speed is set by the
 * disk's flush latency. On a shared machine that latency drifts by tens of percent within a minute,
 * so two measurements taken one after the other can compare two different disks; here every
 * invocation runs a block of {@link #BLOCK} appends per thread through agent-store and a block
 * through raw JDBC (alternating which goes first), and the counters add up each side's time.
 *
 * <p>The work is the same as {@link AppendOneThread} ({@code threads = 1}) and {@link
 * AppendFourThreadsOwnWriters} ({@code threads = 4}): each thread appends 256-byte entries to its
 * own chain, through one shared backend ({@code ours}) or a raw connection of its own ({@code raw}:
 * on SQLite the write transaction {@code BEGIN IMMEDIATE}, head {@code SELECT}, {@code INSERT},
 * {@code COMMIT}; on PostgreSQL one auto-committed {@code INSERT} after the head the thread keeps).
 *
 * <p>{@code listener} is what {@code ours} reports to: {@code none} (the default {@code
 * StoreListener.none()}, nothing timed) or {@code micrometer} (a {@code MicrometerListener} on a
 * {@code SimpleMeterRegistry}: two clock reads and an event per append, recorded in a timer and a
 * counter); SQLite file only.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Threads(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 4)
public class InterleavedAppend {
  /** Appends per thread in one block. */
  static final int BLOCK = 100;

  @Param({Stores.POSTGRES, Stores.SQLITE_FILE})
  public String backend = Stores.POSTGRES;

  @Param({"1", "4"})
  public int threads = 1;

  static final String NO_LISTENER = "none";
  static final String MICROMETER = "micrometer";

  @Param({NO_LISTENER, MICROMETER})
  public String listener = NO_LISTENER;

  private Stores stores;
  private Backend ours;
  private final List<RawLog> raws = new ArrayList<>();
  private final List<RawLog.Head> rawHeads = new ArrayList<>();
  private final byte[] payload = Payloads.random(Payloads.SIZE, 4);
  private ExecutorService pool;
  private long n;
  private boolean oursFirst;

  /** Each side's time and appends in this iteration; JMH reports them beside the score. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Sides {
    public long oursNanos;
    public long rawNanos;
    public long oursAppends;
    public long rawAppends;
    public long errors;

    @Setup(Level.Iteration)
    public void reset() {
      oursNanos = 0;
      rawNanos = 0;
      oursAppends = 0;
      rawAppends = 0;
      errors = 0;
    }
  }

  @Setup(Level.Trial)
  public void setup() throws SQLException {
    stores = new Stores(backend);
    ours =
        stores.openOurs(
            MICROMETER.equals(listener)
                ? MicrometerListener.of(new SimpleMeterRegistry())
                : StoreListener.none());
    for (int t = 0; t < threads; t++) {
      RawLog raw = stores.openRaw();
      raws.add(raw);
      rawHeads.add(raw.head(STREAM, "raw" + t));
    }
    pool = Executors.newFixedThreadPool(threads);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws InterruptedException {
    pool.shutdown();
    pool.awaitTermination(1, TimeUnit.MINUTES);
    raws.forEach(RawLog::close);
    ours.close();
    stores.close();
  }

  /** One block through agent-store and one through raw JDBC, in alternating order. */
  @Benchmark
  public void pair(Sides sides) throws InterruptedException {
    oursFirst = !oursFirst;
    if (oursFirst) {
      oursBlock(sides);
      rawBlock(sides);
    } else {
      rawBlock(sides);
      oursBlock(sides);
    }
  }

  private void oursBlock(Sides sides) throws InterruptedException {
    long first = n;
    n += (long) BLOCK * threads;
    List<Callable<Void>> tasks = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      String writer = "ours" + t;
      long from = first + (long) t * BLOCK;
      tasks.add(
          () -> {
            for (int i = 1; i <= BLOCK; i++) {
              WriterLog.append(ours, STREAM, writer, Payloads.stamp(payload, from + i));
            }
            return null;
          });
    }
    long start = System.nanoTime();
    sides.errors += run(tasks);
    sides.oursNanos += System.nanoTime() - start;
    sides.oursAppends += (long) BLOCK * threads;
  }

  private void rawBlock(Sides sides) throws InterruptedException {
    long first = n;
    n += (long) BLOCK * threads;
    List<Callable<Void>> tasks = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int index = t;
      String writer = "raw" + t;
      RawLog raw = raws.get(t);
      long from = first + (long) t * BLOCK;
      tasks.add(
          () -> {
            RawLog.Head head = rawHeads.get(index);
            for (int i = 1; i <= BLOCK; i++) {
              byte[] entry = Payloads.stamp(payload, from + i);
              head =
                  stores.isSqlite()
                      ? raw.appendInTransaction(STREAM, writer, entry)
                      : raw.insertAfter(STREAM, writer, head, entry);
            }
            rawHeads.set(index, head);
            return null;
          });
    }
    long start = System.nanoTime();
    sides.errors += run(tasks);
    sides.rawNanos += System.nanoTime() - start;
    sides.rawAppends += (long) BLOCK * threads;
  }

  /** Runs the blocks on the pool's threads at once; returns how many of them failed. */
  private int run(List<Callable<Void>> tasks) throws InterruptedException {
    int failed = 0;
    for (Future<Void> block : pool.invokeAll(tasks)) {
      try {
        block.get();
      } catch (ExecutionException e) {
        failed++;
      }
    }
    return failed;
  }
}
