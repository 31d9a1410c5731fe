package dev.agentstore.bench;

import dev.agentstore.Backend;
import dev.agentstore.Head;
import dev.agentstore.WriterLog;
import dev.agentstore.postgres.PostgresBackend;
import dev.agentstore.postgres.PostgresOptions;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.digests.Blake3Digest;

/**
 * Processes, not threads, appending to one shared chain on PostgreSQL: each process is a child JVM
 * with a backend (or, for {@code raw}, a connection) of its own, as agents on several machines
 * would be. The children warm up on a chain of their own, wait until all are ready, then append
 * 256-byte payloads to the shared chain for a fixed time, timing every append. Configurations take
 * turns round by round, so a drifting machine weighs on all of them alike.
 *
 * <p>{@code ours} calls {@code WriterLog.append}. {@code raw} is the careful hand-written appender
 * of {@link RawLog#appendLocked}: begin, advisory lock, head, insert, commit. After every run the
 * shared chain is verified through agent-store and its length must equal the appends the children
 * counted: no fork, nothing lost.
 */
final class MultiProcessAppend {
  static final String STREAM = "shared";
  static final int ROUNDS = 3;
  static final int SECONDS = 4;
  static final int WARMUP_APPENDS = 500;

  /** One configuration's totals over all rounds. */
  static final class Totals {
    final String side;
    final int processes;
    long appends;
    long errors;
    double seconds;
    long[] latencies = new long[0];

    Totals(String side, int processes) {
      this.side = side;
      this.processes = processes;
    }

    double rate() {
      return appends / seconds;
    }

    double percentileMillis(double p) {
      if (latencies.length == 0) {
        return Double.NaN;
      }
      long[] sorted = latencies.clone();
      Arrays.sort(sorted);
      int index = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
      return sorted[Math.max(0, index)] / 1e6;
    }
  }

  private MultiProcessAppend() {}

  /** Runs ours and raw with 1 and 4 processes; keyed {@code side|processes}. */
  static Map<String, Totals> run(String url) throws IOException, InterruptedException {
    Map<String, Totals> totals = new LinkedHashMap<>();
    for (String side : List.of("ours", "raw")) {
      for (int processes : new int[] {1, 4}) {
        totals.put(side + "|" + processes, new Totals(side, processes));
      }
    }
    Path dir = Files.createTempDirectory(Stores.benchDir(), "processes-");
    try (Stores stores = new Stores(Stores.POSTGRES);
        Backend check = stores.openOurs()) {
      String schema = ((PostgresBackend) check).schema();
      for (int round = 1; round <= ROUNDS; round++) {
        List<Totals> order = new ArrayList<>(totals.values());
        if (round % 2 == 0) {
          Collections.reverse(order);
        }
        for (Totals t : order) {
          String writer = "r" + round + "-" + t.side + "-" + t.processes;
          long appended = runOnce(url, schema, writer, t, dir);
          long length = WriterLog.verify(check, STREAM, writer).map(Head::seq).orElse(0L);
          if (length != appended) {
            throw new IllegalStateException(
                "chain "
                    + writer
                    + " holds "
                    + length
                    + " entries; the children counted "
                    + appended);
          }
        }
      }
    } finally {
      Stores.deleteTree(dir);
    }
    return totals;
  }

  /** One run of {@code t}'s configuration on chain {@code writer}; the appends it counted. */
  private static long runOnce(String url, String schema, String writer, Totals t, Path dir)
      throws IOException, InterruptedException {
    long appended = 0;
    List<Process> children = new ArrayList<>();
    List<BufferedReader> outputs = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    String java = ProcessHandle.current().info().command().orElse("java");
    for (int i = 0; i < t.processes; i++) {
      Path file = dir.resolve(writer + "-" + i + ".lat");
      files.add(file);
      Process child =
          new ProcessBuilder(
                  java,
                  "-Xmx256m",
                  "-cp",
                  System.getProperty("java.class.path"),
                  MultiProcessAppend.class.getName(),
                  t.side,
                  url,
                  schema,
                  writer,
                  String.valueOf(i),
                  file.toString())
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      children.add(child);
      outputs.add(
          new BufferedReader(
              new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8)));
    }
    for (BufferedReader out : outputs) {
      expect(out, "ready");
    }
    for (Process child : children) {
      OutputStream in = child.getOutputStream();
      in.write("go\n".getBytes(StandardCharsets.UTF_8));
      in.flush();
    }
    double slowest = 0;
    for (int i = 0; i < children.size(); i++) {
      String done = expect(outputs.get(i), "done");
      String[] parts = done.split(" ");
      appended += Long.parseLong(parts[1]);
      t.errors += Long.parseLong(parts[2]);
      slowest = Math.max(slowest, Long.parseLong(parts[3]) / 1e9);
      if (!children.get(i).waitFor(60, TimeUnit.SECONDS)) {
        children.get(i).destroyForcibly();
        throw new IllegalStateException("child " + i + " of " + writer + " did not exit");
      }
      t.latencies = concat(t.latencies, read(files.get(i)));
    }
    t.appends += appended;
    t.seconds += slowest;
    return appended;
  }

  private static String expect(BufferedReader out, String prefix) throws IOException {
    String line = out.readLine();
    if (line == null || !line.startsWith(prefix)) {
      throw new IllegalStateException("a child said " + line + " where " + prefix + " was due");
    }
    return line;
  }

  private static long[] read(Path file) throws IOException {
    try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
      int n = in.readInt();
      long[] values = new long[n];
      for (int i = 0; i < n; i++) {
        values[i] = in.readLong();
      }
      return values;
    }
  }

  private static long[] concat(long[] a, long[] b) {
    long[] all = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  /**
   * A child: {@code side url schema writer index latencyFile}. Prints {@code ready} after warming
   * up, waits for {@code go} on stdin, appends for {@link #SECONDS}, writes every latency to the
   * file and prints {@code done appends errors elapsedNanos}.
   */
  public static void main(String[] args) throws Exception {
    String side = args[0];
    String url = args[1];
    String schema = args[2];
    String writer = args[3];
    String index = args[4];
    Path file = Path.of(args[5]);
    byte[] payload = Payloads.random(Payloads.SIZE, 4);
    Appender appender =
        side.equals("ours") ? new OursAppender(url, schema) : new RawAppender(url, schema);
    try (appender) {
      for (int i = 0; i < WARMUP_APPENDS; i++) {
        appender.append(writer + "-warmup-" + index, payload);
      }
      System.out.println("ready");
      System.out.flush();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      if (!"go".equals(in.readLine())) {
        throw new IllegalStateException("expected go");
      }
      long[] latencies = new long[1 << 16];
      int n = 0;
      long errors = 0;
      long start = System.nanoTime();
      long end = start + TimeUnit.SECONDS.toNanos(SECONDS);
      long now = start;
      while (now < end) {
        try {
          appender.append(writer, payload);
          long after = System.nanoTime();
          if (n == latencies.length) {
            latencies = Arrays.copyOf(latencies, n * 2);
          }
          latencies[n++] = after - now;
          now = after;
        } catch (RuntimeException | SQLException e) {
          errors++;
          System.err.println("append failed: " + e);
          now = System.nanoTime();
        }
      }
      try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
        out.writeInt(n);
        for (int i = 0; i < n; i++) {
          out.writeLong(latencies[i]);
        }
      }
      System.out.println("done " + n + " " + errors + " " + (now - start));
      System.out.flush();
    }
  }

  private interface Appender extends AutoCloseable {
    void append(String writer, byte[] payload) throws SQLException;

    @Override
    void close() throws SQLException;
  }

  private static final class OursAppender implements Appender {
    private final Backend backend;

    OursAppender(String url, String schema) {
      backend = PostgresBackend.connect(url, PostgresOptions.defaults().withSchema(schema));
    }

    @Override
    public void append(String writer, byte[] payload) {
      WriterLog.append(backend, STREAM, writer, payload);
    }

    @Override
    public void close() {
      backend.close();
    }
  }

  private static final class RawAppender implements Appender {
    private final RawLog raw;

    RawAppender(String url, String schema) throws SQLException {
      raw = new RawLog(DriverManager.getConnection(url), Stores.quote(schema) + ".");
    }

    @Override
    public void append(String writer, byte[] payload) throws SQLException {
      raw.appendLocked(STREAM, writer, lockKey(writer), payload);
    }

    @Override
    public void close() {
      raw.close();
    }

    private static long lockKey(String writer) {
      Blake3Digest digest = new Blake3Digest(256);
      byte[] name = (STREAM + '\0' + writer).getBytes(StandardCharsets.UTF_8);
      digest.update(name, 0, name.length);
      byte[] out = new byte[32];
      digest.doFinal(out, 0);
      return ByteBuffer.wrap(out).getLong();
    }
  }

  /** Adds the rows of a run to the table and the JSON document. */
  static void report(Map<String, Totals> totals, StringBuilder md, List<Map<String, Object>> json) {
    Totals ours1 = totals.get("ours|1");
    for (int processes : new int[] {1, 4}) {
      Totals ours = totals.get("ours|" + processes);
      Totals raw = totals.get("raw|" + processes);
      double ratio = ours.rate() / raw.rate();
      double scaling = ours.rate() / ours1.rate();
      String workload =
          "append, PostgreSQL, "
              + processes
              + (processes == 1 ? " process" : " processes")
              + ", one chain";
      String target = processes == 1 ? "0 errors" : ">= 0.80 of 1 process, 0 errors";
      boolean met = ours.errors == 0 && (processes == 1 || scaling >= 0.80);
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s /s | %s /s | %.2f | %s | %s | %s of 1 process; p50 %.2f ms, p99 %.2f ms"
                  + " (raw p50 %.2f, p99 %.2f); errors %d (raw %d) |%n",
              workload,
              Report.fmt(ours.rate()),
              Report.fmt(raw.rate()),
              ratio,
              target,
              met ? "yes" : "**no**",
              String.format(Locale.ROOT, "%.2f", scaling),
              ours.percentileMillis(0.50),
              ours.percentileMillis(0.99),
              raw.percentileMillis(0.50),
              raw.percentileMillis(0.99),
              ours.errors,
              raw.errors));
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("workload", workload);
      entry.put("benchmark", MultiProcessAppend.class.getName());
      entry.put("processes", processes);
      entry.put("unit", "/s");
      entry.put("target", target);
      entry.put("ours", ours.rate());
      entry.put("raw", raw.rate());
      entry.put("ratio", ratio);
      entry.put("of_one_process", scaling);
      entry.put("p50_ms", ours.percentileMillis(0.50));
      entry.put("p99_ms", ours.percentileMillis(0.99));
      entry.put("raw_p50_ms", raw.percentileMillis(0.50));
      entry.put("raw_p99_ms", raw.percentileMillis(0.99));
      entry.put("errors", ours.errors);
      entry.put("met", met);
      json.add(entry);
    }
  }
}
