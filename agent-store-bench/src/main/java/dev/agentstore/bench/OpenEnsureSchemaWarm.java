package dev.agentstore.bench;

import dev.agentstore.Generation;
import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import java.nio.file.Path;
import java.sql.ResultSet;
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

/**
 * Opens an existing SQLite store file whose tables exist, ensures both tables and closes it, in a
 * warm JVM (the driver loaded, the file in the page cache); the score is the time per open.
 *
 * <p>{@code ours}: {@code SqliteBackend.open}, {@code Generation.ensureSchema}, {@code
 * WriterLog.ensureSchema}, {@code close}. {@code raw}: connect, {@code PRAGMA journal_mode=WAL},
 * {@code PRAGMA synchronous=NORMAL}, {@code CREATE TABLE IF NOT EXISTS} for both tables, {@code
 * PRAGMA table_info} of both (the layout check), close.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Threads(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class OpenEnsureSchemaWarm {
  private Stores stores;
  private Path file;

  @Setup(Level.Trial)
  public void setup() {
    stores = new Stores(Stores.SQLITE_FILE);
    file = stores.file();
    stores.openOurs().close();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    stores.close();
  }

  /** {@code SqliteBackend.open}, both {@code ensureSchema} calls, {@code close}. */
  @Benchmark
  public String ours() {
    try (SqliteBackend db = SqliteBackend.open(file)) {
      Generation.ensureSchema(db);
      WriterLog.ensureSchema(db);
      return db.describe();
    }
  }

  /** The same with raw JDBC: connect, pragmas, both creates, both layout reads, close. */
  @Benchmark
  public int raw() throws SQLException {
    int columns = 0;
    try (RawLog raw = new RawLog(Stores.sqlite("jdbc:sqlite:" + file), "")) {
      raw.createTables();
      try (Statement statement = raw.connection().createStatement()) {
        for (String table : new String[] {"_agent_store_meta", "_agent_store_log"}) {
          try (ResultSet rows = statement.executeQuery("PRAGMA table_info(" + table + ")")) {
            while (rows.next()) {
              columns += rows.getInt("notnull") + rows.getString("type").length();
            }
          }
        }
      }
    }
    return columns;
  }
}
