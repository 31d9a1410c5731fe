package dev.agentstore.bench;

import static dev.agentstore.bench.Payloads.STREAM;

import dev.agentstore.Backend;
import dev.agentstore.Entry;
import dev.agentstore.Generation;
import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.sqlite.SQLiteConfig;

/**
 * Whether remembering the head of a {@code (stream, writer)} pays: each operation appends one
 * 256-byte entry to one chain on a SQLite file (WAL, {@code synchronous=NORMAL}), one thread;
 * scores are appends per second.
 *
 * <p>{@code with} is {@code WriterLog.append} on a backend that owns its connection: one
 * auto-committed {@code INSERT ... SELECT ... WHERE EXISTS} after the head it remembers, which
 * inserts only while that head is still stored with its hash (and the primary key refuses a second
 * entry at the same seq). {@code without} is the same {@code WriterLog.append} on a backend
 * adopting a connection set up the same way, where agent-store cannot rely on auto-commit and so
 * takes its transaction path: {@code BEGIN IMMEDIATE}, head {@code SELECT}, {@code INSERT}, {@code
 * COMMIT}. Only the head strategy differs between the two. {@code withoutRaw} is that transaction
 * written by hand ({@link RawLog#appendInTransaction}), the floor for an append that re-reads its
 * head. {@code withPostgres} and {@code withoutPostgres} compare the same on PostgreSQL, where
 * reading the head costs round trips: the remembered head's one statement against agent-store's
 * locked transaction (what it does inside {@code inTransaction}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Threads(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
public class HeadRemembered {
  private Stores stores;
  private Backend backend;
  private Connection adopted;
  private RawLog raw;
  private final byte[] payload = Payloads.random(Payloads.SIZE, 7);
  private long n;

  @Setup(Level.Trial)
  public void setup(BenchmarkParams params) throws SQLException {
    String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
    stores = new Stores(method.endsWith("Postgres") ? Stores.POSTGRES : Stores.SQLITE_FILE);
    switch (method) {
      case "with", "withPostgres", "withoutPostgres" -> backend = stores.openOurs();
      case "without" -> {
        adopted = connectLikeOurs();
        backend = SqliteBackend.fromConnection(adopted);
        Generation.ensureSchema(backend);
        WriterLog.ensureSchema(backend);
      }
      default -> raw = stores.openRaw();
    }
  }

  /**
   * A connection to the trial's file with the settings agent-store gives its own: busy timeout,
   * WAL, {@code synchronous=NORMAL}, and no generated keys (which would add a query per INSERT).
   */
  private Connection connectLikeOurs() throws SQLException {
    SQLiteConfig config = new SQLiteConfig();
    config.setBusyTimeout(Stores.BUSY_TIMEOUT_MS);
    config.setGetGeneratedKeys(false);
    Connection connection = config.createConnection("jdbc:sqlite:" + stores.file());
    try (Statement statement = connection.createStatement()) {
      statement.execute("PRAGMA journal_mode=WAL");
      statement.execute("PRAGMA synchronous=NORMAL");
    }
    return connection;
  }

  @TearDown(Level.Trial)
  public void tearDown() throws SQLException {
    if (backend != null) {
      backend.close();
    }
    // An adopted connection stays its owner's to close.
    if (adopted != null) {
      adopted.close();
    }
    if (raw != null) {
      raw.close();
    }
    stores.close();
  }

  /** {@code WriterLog.append} as one guarded INSERT after the remembered head. */
  @Benchmark
  public Entry with() {
    return WriterLog.append(backend, STREAM, "w", Payloads.stamp(payload, ++n));
  }

  /** {@code WriterLog.append} as a write transaction that reads the head first. */
  @Benchmark
  public Entry without() {
    return WriterLog.append(backend, STREAM, "w", Payloads.stamp(payload, ++n));
  }

  /** {@code WriterLog.append} on PostgreSQL: one guarded INSERT after the remembered head. */
  @Benchmark
  public Entry withPostgres() {
    return WriterLog.append(backend, STREAM, "w", Payloads.stamp(payload, ++n));
  }

  /**
   * The same append on PostgreSQL inside a transaction, where agent-store reads the head instead:
   * {@code BEGIN}, the chain's advisory lock, head {@code SELECT}, {@code INSERT}, {@code COMMIT}.
   */
  @Benchmark
  public Entry withoutPostgres() {
    return backend.inTransaction(
        tx -> WriterLog.append(tx, STREAM, "w", Payloads.stamp(payload, ++n)));
  }

  /** The head-reading write transaction as hand-written JDBC. */
  @Benchmark
  public RawLog.Head withoutRaw() throws SQLException {
    return raw.appendInTransaction(STREAM, "w", Payloads.stamp(payload, ++n));
  }
}
