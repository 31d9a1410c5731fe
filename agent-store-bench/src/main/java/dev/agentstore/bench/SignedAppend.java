package dev.agentstore.bench;

import static dev.agentstore.bench.Payloads.STREAM;

import dev.agentstore.Backend;
import dev.agentstore.Entry;
import dev.agentstore.WriterKey;
import dev.agentstore.WriterLog;
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

/**
 * Appends one 256-byte entry to one chain from one thread, signed and unsigned, on a SQLite file
 * (WAL, {@code synchronous=NORMAL}, or {@code FULL}: {@code Durability.FULL}), an in-memory SQLite
 * database or PostgreSQL.
 *
 * <p>{@code ours} is the signed {@code WriterLog.append(db, stream, key, payload)}: the entry, an
 * Ed25519 signature and a row of {@code _agent_store_sig}, in one write transaction. The baseline
 * {@code raw} is here the unsigned {@code WriterLog.append} of the same payload to a chain of the
 * same store, so the ratio is the cost of signing.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Threads(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
public class SignedAppend {
  @Param({Stores.SQLITE_FILE, Stores.SQLITE_FILE_FULL, Stores.SQLITE_MEMORY, Stores.POSTGRES})
  public String backend = Stores.SQLITE_FILE;

  private Stores stores;
  private Backend db;
  private final WriterKey key = WriterKey.generate();
  private final byte[] payload = Payloads.random(Payloads.SIZE, 1);
  private long n;

  @Setup(Level.Trial)
  public void setup() {
    stores = new Stores(backend);
    db = stores.openOurs();
    WriterLog.ensureSignatureSchema(db);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    db.close();
    stores.close();
  }

  /** The signed append of one 256-byte payload. */
  @Benchmark
  public Entry ours() {
    return WriterLog.append(db, STREAM, key, Payloads.stamp(payload, ++n));
  }

  /** The unsigned append of the same payload. */
  @Benchmark
  public Entry raw() {
    return WriterLog.append(db, STREAM, "w", Payloads.stamp(payload, ++n));
  }
}
