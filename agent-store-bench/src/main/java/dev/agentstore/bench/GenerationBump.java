package dev.agentstore.bench;

import dev.agentstore.Backend;
import dev.agentstore.Generation;
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
 * Bumps one generation counter, one thread, on a SQLite file (WAL, {@code synchronous=NORMAL}), an
 * in-memory SQLite database or PostgreSQL.
 *
 * <p>{@code ours} is {@code Generation.bump}. {@code raw} is one auto-committed {@code INSERT ...
 * ON CONFLICT DO UPDATE SET ival = ival + 1 RETURNING ival}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Threads(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
public class GenerationBump {
  @Param({Stores.SQLITE_FILE, Stores.SQLITE_MEMORY, Stores.POSTGRES})
  public String backend = Stores.SQLITE_FILE;

  private Stores stores;
  private Backend ours;
  private RawLog raw;
  private final Generation generation = new Generation("bench");

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

  /** {@code Generation.bump}. */
  @Benchmark
  public long ours() {
    return generation.bump(ours);
  }

  /** One auto-committed upsert {@code ... RETURNING ival}. */
  @Benchmark
  public long raw() throws SQLException {
    return raw.bump("bench");
  }
}
