package dev.agentstore.bench;

import static dev.agentstore.bench.Payloads.STREAM;

import dev.agentstore.Backend;
import dev.agentstore.Entry;
import dev.agentstore.StoreListener;
import dev.agentstore.WriterLog;
import dev.agentstore.micrometer.MicrometerListener;
import dev.agentstore.sqlite.SqliteBackend;
import dev.agentstore.sqlite.SqliteOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
 * What a {@link StoreListener} costs an append: one 256-byte entry to one chain from one thread on
 * a SQLite file (WAL, {@code synchronous=NORMAL}), as {@link AppendOneThread}, with {@code
 * listener} {@code none} (the default {@link StoreListener#none()}: nothing timed, no event) or
 * {@code micrometer} (a {@link MicrometerListener} on a {@link SimpleMeterRegistry}: two clock
 * reads and an event per append, recorded in a timer and a counter). {@code raw} is {@link
 * AppendOneThread}'s SQLite baseline, which no listener touches, run beside each.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Threads(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
public class AppendWithListener {
  static final String NONE = "none";
  static final String MICROMETER = "micrometer";

  @Param({NONE, MICROMETER})
  public String listener = NONE;

  private Stores stores;
  private Backend ours;
  private RawLog raw;
  private final byte[] payload = Payloads.random(Payloads.SIZE, 1);
  private long n;

  @Setup(Level.Trial)
  public void setup(BenchmarkParams params) throws SQLException {
    stores = new Stores(Stores.SQLITE_FILE);
    if (params.getBenchmark().endsWith(".ours")) {
      StoreListener chosen =
          MICROMETER.equals(listener)
              ? MicrometerListener.of(new SimpleMeterRegistry())
              : StoreListener.none();
      ours = SqliteBackend.open(stores.file(), SqliteOptions.defaults().withListener(chosen));
      WriterLog.ensureSchema(ours);
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

  /** {@code WriterLog.append} of one 256-byte payload, reported to the chosen listener. */
  @Benchmark
  public Entry ours() {
    return WriterLog.append(ours, STREAM, "w", Payloads.stamp(payload, ++n));
  }

  /**
   * The same append as hand-written JDBC: {@code BEGIN IMMEDIATE}, head, BLAKE3, INSERT, COMMIT.
   */
  @Benchmark
  public RawLog.Head raw() throws SQLException {
    return raw.appendInTransaction(STREAM, "w", Payloads.stamp(payload, ++n));
  }
}
