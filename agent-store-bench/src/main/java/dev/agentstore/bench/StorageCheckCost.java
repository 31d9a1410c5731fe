package dev.agentstore.bench;

import dev.agentstore.Head;
import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What {@code WriterLog.checkStorage} ({@code PRAGMA integrity_check}) costs next to verifying
 * every chain, on a SQLite file of 1,000,000 entries of 256 bytes (four writers of 250,000 entries,
 * written with {@code appendAll} in batches of 10,000), warm page cache, one process. Also times
 * the cheaper checks that were considered: {@code PRAGMA quick_check} (pages and records, but no
 * comparison of an index with its table, so it misses an index that lost rows) and counting each
 * chain's rows with and without the primary-key index.
 *
 * <p>Run: {@code java -cp agent-store-bench/target/benchmarks.jar
 * dev.agentstore.bench.StorageCheckCost [FILE] [ROUNDS]}. The file is built on first use and kept.
 */
public final class StorageCheckCost {
  private static final int WRITERS = 4;
  private static final int PER_WRITER = 250_000;
  private static final int BATCH = 10_000;

  private StorageCheckCost() {}

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args.length > 0 ? args[0] : "agent-store-bench/target/storage-check-1m.db");
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    if (!Files.exists(file)) {
      build(file);
    }
    System.out.printf(Locale.ROOT, "%s: %,d bytes%n", file, Files.size(file) + walSize(file));
    try (SqliteBackend db = SqliteBackend.open(file)) {
      List<String> writers = new ArrayList<>();
      for (Head head : WriterLog.heads(db, Payloads.STREAM)) {
        writers.add(head.writer());
      }
      Map<String, Supplier<Object>> workloads = new LinkedHashMap<>();
      workloads.put(
          "WriterLog.checkStorage (PRAGMA integrity_check)", () -> WriterLog.checkStorage(db));
      workloads.put(
          "PRAGMA quick_check", () -> db.query("PRAGMA quick_check", r -> r.getString(1)));
      workloads.put(
          "verify every chain",
          () -> {
            long n = 0;
            for (String writer : writers) {
              n += WriterLog.verify(db, Payloads.STREAM, writer).orElseThrow().seq();
            }
            return n;
          });
      workloads.put(
          "count rows per chain through the index",
          () ->
              db.query(
                  "SELECT writer, COUNT(*), MAX(seq) FROM _agent_store_log GROUP BY stream, writer",
                  r -> r.getLong(2)));
      workloads.put(
          "count rows per chain without the index (NOT INDEXED)",
          () ->
              db.query(
                  "SELECT writer, COUNT(*), MAX(seq) FROM _agent_store_log NOT INDEXED"
                      + " GROUP BY stream, writer",
                  r -> r.getLong(2)));
      // Rounds take the workloads in turn, so that a change in the machine's load falls on all.
      Map<String, double[]> seconds = new LinkedHashMap<>();
      for (Map.Entry<String, Supplier<Object>> workload : workloads.entrySet()) {
        workload.getValue().get(); // warms the page cache and the code
        seconds.put(workload.getKey(), new double[rounds]);
      }
      for (int round = 0; round < rounds; round++) {
        for (Map.Entry<String, Supplier<Object>> workload : workloads.entrySet()) {
          long start = System.nanoTime();
          workload.getValue().get();
          seconds.get(workload.getKey())[round] = (System.nanoTime() - start) / 1e9;
        }
      }
      for (Map.Entry<String, double[]> result : seconds.entrySet()) {
        double[] sorted = result.getValue().clone();
        Arrays.sort(sorted);
        System.out.printf(
            Locale.ROOT,
            "%-55s median %.2f s (min %.2f, max %.2f, %d rounds)%n",
            result.getKey(),
            sorted[rounds / 2],
            sorted[0],
            sorted[rounds - 1],
            rounds);
      }
    }
  }

  private static long walSize(Path file) throws java.io.IOException {
    Path wal = file.resolveSibling(file.getFileName() + "-wal");
    return Files.exists(wal) ? Files.size(wal) : 0;
  }

  private static void build(Path file) {
    long start = System.nanoTime();
    try (SqliteBackend db = SqliteBackend.open(file)) {
      WriterLog.ensureSchema(db);
      for (int w = 0; w < WRITERS; w++) {
        for (int done = 0; done < PER_WRITER; done += BATCH) {
          WriterLog.appendAll(
              db, Payloads.STREAM, "w" + w, Payloads.batch(BATCH, Payloads.SIZE, done));
        }
      }
    }
    System.out.printf(
        Locale.ROOT,
        "built %,d entries in %.1f s%n",
        WRITERS * PER_WRITER,
        (System.nanoTime() - start) / 1e9);
  }
}
