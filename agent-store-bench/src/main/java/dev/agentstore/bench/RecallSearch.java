package dev.agentstore.bench;

import dev.agentstore.AgentStore;
import dev.agentstore.Backend;
import dev.agentstore.Entry;
import dev.agentstore.Recall;
import dev.agentstore.RecallHit;
import dev.agentstore.WriterLog;
import dev.agentstore.postgres.PostgresBackend;
import dev.agentstore.postgres.PostgresOptions;
import dev.agentstore.sqlite.SqliteBackend;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * Exact recall search latency: {@link Recall#search} for the 10 best of {@code size} vectors of 384
 * dimensions, against a hand-written JDBC scan of the same table in the same run (read the blob,
 * decode it with a little-endian {@link FloatBuffer}, dot product and norm, a {@link PriorityQueue}
 * of 10, then read the 10 entries). Ours and raw take turns, query by query, so a drifting machine
 * weighs on both alike; the table shows the median of each and the ratio raw time ÷ our time.
 *
 * <p>Stores are built once and kept between runs: SQLite files {@code recall-384-SIZE.db} in the
 * benchmark directory, PostgreSQL schemas {@code bench_recall_384_SIZE}. A build appends {@code
 * size} entries of about 40 bytes over 16 writers and indexes a random vector (uniform in [-1, 1),
 * seeded) for each, 50,000 entries and vectors per transaction. Not a JMH benchmark: loading a
 * million vectors per fork would dwarf the measurement.
 */
final class RecallSearch {
  static final int DIMENSION = 384;
  static final int K = 10;
  static final String MODEL = "bench-384";
  private static final int WRITERS = 16;
  private static final int CHUNK = 50_000;
  private static final int QUERIES = 16;

  private RecallSearch() {}

  /** The measurement of one store. */
  record Result(
      String backend,
      int size,
      double oursMedianMs,
      double oursP90Ms,
      double rawMedianMs,
      double rawP90Ms,
      int searches,
      boolean sameHits,
      double buildSeconds) {
    double ratio() {
      return rawMedianMs / oursMedianMs;
    }
  }

  /** Measures every size on SQLite (a file) and, when {@code postgres}, the sizes up to 100k. */
  static List<Result> run(List<Integer> sizes, boolean postgres, Path dir) throws SQLException {
    List<Result> results = new ArrayList<>();
    for (int size : sizes) {
      Path file = dir.resolve("recall-" + DIMENSION + "-" + size + ".db");
      long started = System.nanoTime();
      double build = 0;
      long stored;
      try (Backend existing = SqliteBackend.open(file)) {
        stored = count(existing);
      }
      if (stored != size) {
        try {
          Files.deleteIfExists(file);
          Files.deleteIfExists(Path.of(file + "-wal"));
          Files.deleteIfExists(Path.of(file + "-shm"));
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
        try (Backend fresh = SqliteBackend.open(file)) {
          build(fresh, size);
        }
        build = (System.nanoTime() - started) / 1e9;
      }
      try (Backend ours = SqliteBackend.open(file);
          Connection raw = Stores.sqlite("jdbc:sqlite:" + file)) {
        results.add(measure("SQLite file", size, ours, raw, "", build));
      }
    }
    if (postgres) {
      for (int size : sizes) {
        if (size > 100_000) {
          continue;
        }
        String schema = "bench_recall_" + DIMENSION + "_" + size;
        PostgresOptions options =
            PostgresOptions.defaults().withSchema(schema).withCommitNotifications(false);
        long started = System.nanoTime();
        double build = 0;
        try (Backend ours = PostgresBackend.connect(Stores.postgresUrl(), options)) {
          if (count(ours) != size) {
            try (Connection admin = DriverManager.getConnection(Stores.postgresUrl())) {
              admin.createStatement().execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
            try (Backend fresh = PostgresBackend.connect(Stores.postgresUrl(), options)) {
              build(fresh, size);
            }
            build = (System.nanoTime() - started) / 1e9;
          }
        }
        try (Backend ours = PostgresBackend.connect(Stores.postgresUrl(), options);
            Connection raw = DriverManager.getConnection(Stores.postgresUrl())) {
          // pgjdbc streams a result in batches only inside a transaction; agent-store does too.
          raw.setAutoCommit(false);
          results.add(measure("PostgreSQL", size, ours, raw, Stores.quote(schema) + ".", build));
        }
      }
    }
    return results;
  }

  /** The number of vectors of the benchmark model, or -1 when the store has no vector table. */
  private static long count(Backend backend) {
    try {
      return backend
          .queryOne(
              "SELECT COUNT(*) FROM _agent_store_vec WHERE model = ?", row -> row.getLong(1), MODEL)
          .orElse(0L);
    } catch (RuntimeException missing) {
      return -1;
    }
  }

  private static void build(Backend backend, int size) {
    AgentStore.ensureSchema(backend);
    Recall.ensureSchema(backend);
    SplittableRandom random = new SplittableRandom(384);
    System.err.printf(
        Locale.ROOT, "recall: building %,d vectors on %s%n", size, backend.describe());
    for (int from = 0; from < size; from += CHUNK) {
      int to = Math.min(size, from + CHUNK);
      int first = from;
      backend.runInTransaction(
          tx -> {
            List<Entry> entries = new ArrayList<>();
            List<float[]> vectors = new ArrayList<>();
            int perWriter = (to - first + WRITERS - 1) / WRITERS;
            for (int w = 0; w < WRITERS; w++) {
              List<byte[]> payloads = new ArrayList<>();
              for (int i = first + w * perWriter;
                  i < Math.min(to, first + (w + 1) * perWriter);
                  i++) {
                payloads.add(("turn " + i + " of the benchmark").getBytes(StandardCharsets.UTF_8));
              }
              if (!payloads.isEmpty()) {
                entries.addAll(WriterLog.appendAll(tx, "conv", "w" + w, payloads));
              }
            }
            for (int i = 0; i < entries.size(); i++) {
              vectors.add(randomVector(random));
            }
            Recall.indexAll(tx, MODEL, entries, vectors);
          });
    }
  }

  private static float[] randomVector(SplittableRandom random) {
    float[] v = new float[DIMENSION];
    for (int d = 0; d < DIMENSION; d++) {
      v[d] = (float) (random.nextDouble() * 2 - 1);
    }
    return v;
  }

  private static Result measure(
      String backend, int size, Backend ours, Connection raw, String prefix, double build)
      throws SQLException {
    SplittableRandom random = new SplittableRandom(7);
    float[][] queries = new float[QUERIES][];
    for (int i = 0; i < QUERIES; i++) {
      queries[i] = randomVector(random);
    }
    int warmup = size <= 10_000 ? 30 : size <= 100_000 ? 6 : 2;
    int rounds = size <= 10_000 ? 80 : size <= 100_000 ? 20 : 6;
    RawScan scan = new RawScan(raw, prefix);
    boolean same = true;
    for (int i = 0; i < warmup; i++) {
      float[] q = queries[i % QUERIES];
      List<String> a = keys(Recall.search(ours, MODEL, q, K));
      List<String> b = scan.search(q, K);
      same &= a.equals(b);
    }
    double[] oursMs = new double[rounds];
    double[] rawMs = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      float[] q = queries[i % QUERIES];
      // Alternate who goes first, so neither always finds the caches the other warmed.
      for (int turn = 0; turn < 2; turn++) {
        boolean oursNow = (turn == 0) == (i % 2 == 0);
        long t0 = System.nanoTime();
        if (oursNow) {
          Recall.search(ours, MODEL, q, K);
          oursMs[i] = (System.nanoTime() - t0) / 1e6;
        } else {
          scan.search(q, K);
          rawMs[i] = (System.nanoTime() - t0) / 1e6;
        }
      }
    }
    System.err.printf(
        Locale.ROOT,
        "recall: %s %,d: ours %.2f ms, raw %.2f ms (medians of %d)%n",
        backend,
        size,
        percentile(oursMs, 0.5),
        percentile(rawMs, 0.5),
        rounds);
    return new Result(
        backend,
        size,
        percentile(oursMs, 0.5),
        percentile(oursMs, 0.9),
        percentile(rawMs, 0.5),
        percentile(rawMs, 0.9),
        rounds,
        same,
        build);
  }

  private static List<String> keys(List<RecallHit> hits) {
    List<String> keys = new ArrayList<>();
    for (RecallHit hit : hits) {
      keys.add(hit.entry().stream() + "/" + hit.entry().writer() + "#" + hit.entry().seq());
    }
    return keys;
  }

  private static double percentile(double[] values, double p) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  }

  /** The hand-written baseline: the same table, plain JDBC. */
  private static final class RawScan {
    private record Candidate(String stream, String writer, long seq, double score) {}

    private final Connection connection;
    private final PreparedStatement scan;
    private final PreparedStatement entry;
    private final float[] vector = new float[DIMENSION];

    RawScan(Connection connection, String prefix) throws SQLException {
      this.connection = connection;
      scan =
          connection.prepareStatement(
              "SELECT vector, stream, writer, seq FROM "
                  + prefix
                  + "_agent_store_vec WHERE model = ?");
      scan.setFetchSize(512);
      entry =
          connection.prepareStatement(
              "SELECT payload FROM "
                  + prefix
                  + "_agent_store_log WHERE stream = ? AND writer = ? AND seq = ?");
    }

    List<String> search(float[] query, int k) throws SQLException {
      double queryNorm = 0;
      for (float x : query) {
        queryNorm += (double) x * x;
      }
      queryNorm = Math.sqrt(queryNorm);
      PriorityQueue<Candidate> heap =
          new PriorityQueue<>(Comparator.comparingDouble(Candidate::score));
      scan.setString(1, MODEL);
      try (ResultSet rs = scan.executeQuery()) {
        while (rs.next()) {
          ByteBuffer.wrap(rs.getBytes(1))
              .order(ByteOrder.LITTLE_ENDIAN)
              .asFloatBuffer()
              .get(vector);
          double dot = 0;
          double norm = 0;
          for (int i = 0; i < DIMENSION; i++) {
            dot += query[i] * vector[i];
            norm += vector[i] * vector[i];
          }
          double score = dot / (queryNorm * Math.sqrt(norm));
          if (heap.size() < k) {
            heap.add(new Candidate(rs.getString(2), rs.getString(3), rs.getLong(4), score));
          } else if (score > heap.peek().score()) {
            heap.poll();
            heap.add(new Candidate(rs.getString(2), rs.getString(3), rs.getLong(4), score));
          }
        }
      }
      List<Candidate> best = new ArrayList<>(heap);
      best.sort(Comparator.comparingDouble(Candidate::score).reversed());
      List<String> keys = new ArrayList<>();
      for (Candidate c : best) {
        entry.setString(1, c.stream());
        entry.setString(2, c.writer());
        entry.setLong(3, c.seq());
        try (ResultSet rs = entry.executeQuery()) {
          if (rs.next()) {
            rs.getBytes(1);
            keys.add(c.stream() + "/" + c.writer() + "#" + c.seq());
          }
        }
      }
      if (!connection.getAutoCommit()) {
        connection.rollback();
      }
      return keys;
    }
  }

  /** Adds the rows of a run to the table and the JSON document. */
  static void report(List<Result> results, StringBuilder md, List<Map<String, Object>> json) {
    for (Result r : results) {
      String workload =
          String.format(
              Locale.ROOT,
              "recall search, %s, %,d x %d, k=%d",
              r.backend(),
              r.size(),
              DIMENSION,
              K);
      boolean met = r.ratio() >= 0.90 && r.sameHits();
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %.2f ms | %.2f ms | %.2f | >= 0.90, same hits | %s | p90 %.2f ms (raw %.2f);"
                  + " %d searches each; %s%s |%n",
              workload,
              r.oursMedianMs(),
              r.rawMedianMs(),
              r.ratio(),
              met ? "yes" : "**no**",
              r.oursP90Ms(),
              r.rawP90Ms(),
              r.searches(),
              r.sameHits() ? "same hits" : "**hits differ**",
              r.buildSeconds() > 0
                  ? String.format(Locale.ROOT, "; store built in %.0f s", r.buildSeconds())
                  : ""));
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("workload", workload);
      entry.put("benchmark", RecallSearch.class.getName());
      entry.put("unit", "ms");
      entry.put("target", ">= 0.90, same hits");
      entry.put("ours", r.oursMedianMs());
      entry.put("raw", r.rawMedianMs());
      entry.put("ratio", r.ratio());
      entry.put("ours_p90_ms", r.oursP90Ms());
      entry.put("raw_p90_ms", r.rawP90Ms());
      entry.put("searches", r.searches());
      entry.put("same_hits", r.sameHits());
      entry.put("met", met);
      json.add(entry);
    }
  }
}
