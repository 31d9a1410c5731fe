package dev.agentstore.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.SQLException;
import java.util.List;

/**
 * Long chains for the read benchmarks, built once with raw batched inserts and kept in the
 * benchmark directory so that later forks and runs reuse them. The bytes are exactly what
 * agent-store writes.
 */
final class Fixtures {
  private static final int BUILD_BATCH_BYTES = 16 * 1024 * 1024;

  private Fixtures() {}

  /**
   * A SQLite file (WAL) holding one chain {@code (bench, w)} of {@code entries} entries with
   * payloads of {@code payloadBytes} random bytes.
   */
  static synchronized Path chain(int entries, int payloadBytes) {
    Path file = Stores.benchDir().resolve("chain-" + entries + "x" + payloadBytes + ".db");
    if (Files.exists(file)) {
      return file;
    }
    Path building = file.resolveSibling(file.getFileName() + ".building");
    try {
      Files.deleteIfExists(building);
      int batch = Math.max(1, Math.min(10_000, BUILD_BATCH_BYTES / payloadBytes));
      try (RawLog raw = new RawLog(Stores.sqlite("jdbc:sqlite:" + building), "")) {
        raw.createTables();
        for (int done = 0; done < entries; done += batch) {
          List<byte[]> payloads =
              Payloads.batch(Math.min(batch, entries - done), payloadBytes, done);
          raw.appendBatch(Payloads.STREAM, "w", payloads);
        }
      }
      // Closing the last connection checkpointed the WAL into the file.
      Files.move(building, file, StandardCopyOption.ATOMIC_MOVE);
      return file;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot build the fixture " + file, e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
