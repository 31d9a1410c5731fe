package dev.agentstore.bench;

import static dev.agentstore.bench.Payloads.STREAM;

import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Whether reusing one prepared INSERT per connection pays: each operation appends one 256-byte
 * entry to one chain on a SQLite file (WAL, {@code synchronous=NORMAL}) as a single auto-committed
 * INSERT after a head the benchmark keeps in memory; scores are appends per second.
 *
 * <p>{@code with} binds the INSERT prepared once for the connection, as agent-store's
 * per-connection statement cache does. {@code without} prepares the INSERT, binds, runs and closes
 * it on every append. Both sides are hand-written JDBC, so the statement's lifetime is the only
 * difference.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Threads(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
public class PreparedStatementReuse {
  private Stores stores;
  private RawLog raw;
  private RawLog.Head head;
  private final byte[] payload = Payloads.random(Payloads.SIZE, 6);
  private long n;

  @Setup(Level.Trial)
  public void setup() throws SQLException {
    stores = new Stores(Stores.SQLITE_FILE);
    raw = stores.openRaw();
    head = raw.head(STREAM, "w");
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    raw.close();
    stores.close();
  }

  /** One INSERT on the statement prepared once for the connection. */
  @Benchmark
  public RawLog.Head with() throws SQLException {
    head = raw.insertAfter(STREAM, "w", head, Payloads.stamp(payload, ++n));
    return head;
  }

  /** One INSERT on a statement prepared for this append and closed after it. */
  @Benchmark
  public RawLog.Head without() throws SQLException {
    head = raw.insertAfterPreparingEach(STREAM, "w", head, Payloads.stamp(payload, ++n));
    return head;
  }
}
