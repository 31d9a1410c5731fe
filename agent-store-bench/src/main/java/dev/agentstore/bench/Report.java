package dev.agentstore.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the benchmarks behind every row of the performance table, ours and raw side by side in the
 * same run, and prints the table in Markdown; writes it and every number as JSON too.
 *
 * <pre>
 * java -cp agent-store-bench/target/benchmarks.jar dev.agentstore.bench.Report [options]
 *   --long          the benchmarks' own (longer) warmup and measurement instead of the short run
 *   --curve         the cost curve of verify and readAfter at 10k, 100k and 1M entries instead
 *   --optimisations each optimisation measured with and without it, in the same run, instead:
 *                   prepared statements, remembered head, BLAKE3 implementation, verify
 *                   strategy, batched appendAll (see {@link #OPTIMISATIONS})
 *   --only TEXT     only the rows whose workload (or optimisation) contains TEXT (repeatable);
 *                   {@code --only recall} runs the recall search rows alone
 *   --recall-sizes LIST  the store sizes of the recall rows, e.g. {@code 10k,100k} (default
 *                   10k,100k,1M on SQLite; PostgreSQL takes those up to 100k)
 *                   --only groupcommit runs the group-commit table (GroupCommitAppend) alone;
 *                   --only "signed append" adds its 8-thread signed rows (grouped, not grouped,
 *                   unsigned baseline, signatures made again)
 *   --out DIR       where results.json, results.md and JMH's own JSON go
 *                   (default agent-store-bench/target/bench-results)
 * </pre>
 *
 * PostgreSQL rows use {@code -Dagentstore.bench.postgres=URL} (default the local test server) and
 * are skipped when it cannot be reached.
 */
public final class Report {
  private static final String PACKAGE = Report.class.getPackageName();

  /** How a row turns a JMH score into what the table shows, and what it must reach. */
  private enum Unit {
    PER_SECOND("/s", true),
    ENTRIES_PER_SECOND("entries/s", true),
    MEGABYTES_PER_SECOND("MB/s", true),
    /** Calls per second times the sentences per call, which is the row's value. */
    SENTENCES_PER_SECOND("sentences/s", true),
    MILLISECONDS("ms", false);

    final String label;
    final boolean higherIsBetter;

    Unit(String label, boolean higherIsBetter) {
      this.label = label;
      this.higherIsBetter = higherIsBetter;
    }
  }

  /**
   * One row of the table.
   *
   * @param minRatio the least ours/raw ratio (in throughput), or NaN
   * @param minOurs the least value ours must reach (most, for times), or NaN
   * @param maxHeapMiB the most live-heap growth allowed, or NaN
   * @param noErrors whether any failed operation misses the target
   */
  private record Row(
      String workload,
      String benchmark,
      String param,
      String value,
      Unit unit,
      double minRatio,
      double minOurs,
      double maxHeapMiB,
      boolean noErrors,
      String target) {
    boolean postgres() {
      return value.equals(Stores.POSTGRES);
    }
  }

  private static final double NONE = Double.NaN;

  /** What {@code --only} matches to run {@link MultiProcessAppend}'s rows. */
  private static final String PROCESSES_WORKLOAD = "append, PostgreSQL, processes, one chain";

  private static final List<Row> ROWS =
      List.of(
          row("append, SQLite file, 1 thread", "AppendOneThread", Stores.SQLITE_FILE, 0.90),
          row("append, SQLite in-memory", "AppendOneThread", Stores.SQLITE_MEMORY, 0.90),
          row("appendAll, batches of 1,000", "AppendAllBatchOf1000", Stores.SQLITE_FILE, 0.85),
          row("generation bump, file", "GenerationBump", Stores.SQLITE_FILE, 0.90),
          row("signed append vs unsigned, SQLite file", "SignedAppend", Stores.SQLITE_FILE, 0.80),
          row(
              "signed append vs unsigned, SQLite file, FULL",
              "SignedAppend",
              Stores.SQLITE_FILE_FULL,
              0.80),
          new Row(
              "verify, 1 M entries",
              "VerifyChain",
              "chain",
              "1000000x256",
              Unit.ENTRIES_PER_SECOND,
              NONE,
              1_000_000,
              16,
              false,
              ">= 1,000,000 entries/s, heap growth < 16 MiB"),
          new Row(
              "verify, 64 KiB payloads",
              "VerifyChain",
              "chain",
              "4096x65536",
              Unit.MEGABYTES_PER_SECOND,
              NONE,
              400,
              NONE,
              false,
              ">= 400 MB/s"),
          new Row(
              "append, 4 threads own writers, one file",
              "AppendFourThreadsOwnWriters",
              "backend",
              Stores.SQLITE_FILE,
              Unit.PER_SECOND,
              0.90,
              NONE,
              NONE,
              true,
              ">= 0.90, 0 errors"),
          new Row(
              "append, 4 threads same writer",
              "AppendFourThreadsSameWriter",
              "backend",
              Stores.SQLITE_FILE,
              Unit.PER_SECOND,
              NONE,
              20_000,
              NONE,
              true,
              ">= 20,000/s, 0 errors"),
          row("append, PostgreSQL, 1 connection", "AppendOneThread", Stores.POSTGRES, 0.90),
          new Row(
              "append, PostgreSQL, 4 threads",
              "AppendFourThreadsOwnWriters",
              "backend",
              Stores.POSTGRES,
              Unit.PER_SECOND,
              0.90,
              NONE,
              NONE,
              true,
              ">= 0.90, 0 errors"),
          row(
              "appendAll PostgreSQL, batches of 1,000",
              "AppendAllBatchOf1000",
              Stores.POSTGRES,
              0.80),
          new Row(
              "open + ensureSchema, warm",
              "OpenEnsureSchemaWarm",
              "",
              "",
              Unit.MILLISECONDS,
              NONE,
              2.0,
              NONE,
              false,
              "<= 2 ms"),
          new Row(
              "embed, MiniLm, 1 sentence per call",
              "EmbedSentences",
              "batch",
              "1",
              Unit.SENTENCES_PER_SECOND,
              0.90,
              NONE,
              NONE,
              false,
              ">= 0.90"),
          new Row(
              "embed, MiniLm, batches of 32",
              "EmbedSentences",
              "batch",
              "32",
              Unit.SENTENCES_PER_SECOND,
              0.90,
              NONE,
              NONE,
              false,
              ">= 0.90"),
          new Row(
              "embed, MiniLm, model load in a fresh JVM",
              "EmbedLoad",
              "",
              "",
              Unit.MILLISECONDS,
              0.90,
              3000,
              NONE,
              false,
              ">= 0.90, <= 3,000 ms"));

  private static Row row(String workload, String benchmark, String backend, double minRatio) {
    return new Row(
        workload,
        benchmark,
        "backend",
        backend,
        Unit.PER_SECOND,
        minRatio,
        NONE,
        NONE,
        false,
        String.format(Locale.ROOT, ">= %.2f", minRatio));
  }

  /**
   * A row measured by {@link InterleavedAppend}: ours and raw taking turns in blocks within one
   * measurement, so that a drifting disk weighs on both sides alike.
   */
  private record Interleaved(
      String workload, String backend, int threads, String listener, double minRatio) {
    Interleaved(String workload, String backend, int threads, double minRatio) {
      this(workload, backend, threads, InterleavedAppend.NO_LISTENER, minRatio);
    }

    boolean postgres() {
      return backend.equals(Stores.POSTGRES);
    }
  }

  private static final List<Interleaved> INTERLEAVED =
      List.of(
          new Interleaved("append, SQLite file, 1 thread", Stores.SQLITE_FILE, 1, 0.90),
          new Interleaved("append, 4 threads own writers, one file", Stores.SQLITE_FILE, 4, 0.90),
          new Interleaved("append, PostgreSQL, 1 connection", Stores.POSTGRES, 1, 0.90),
          new Interleaved("append, PostgreSQL, 4 threads", Stores.POSTGRES, 4, 0.90),
          // What a StoreListener costs: with none registered the append must match the row above.
          new Interleaved(
              "append, listener unused",
              Stores.SQLITE_FILE,
              1,
              InterleavedAppend.NO_LISTENER,
              0.90),
          new Interleaved(
              "append, Micrometer bound",
              Stores.SQLITE_FILE,
              1,
              InterleavedAppend.MICROMETER,
              0.90));

  /**
   * One line of the optimisations table: two methods of one benchmark class, {@code with} doing
   * what agent-store does and {@code without} leaving the optimisation out, run one after the other
   * in the same run. Both score a rate; {@code scale} turns it into {@code unit}.
   *
   * @param size the benchmark's {@code size} parameter, or empty when it has none
   */
  record Optimisation(
      String name,
      String benchmark,
      String with,
      String without,
      String size,
      double scale,
      String unit) {
    Optimisation(String name, String benchmark, String with, String without, String unit) {
      this(name, benchmark, with, without, "", 1, unit);
    }
  }

  static final List<Optimisation> OPTIMISATIONS =
      List.of(
          new Optimisation(
              "prepared INSERT reused per connection (vs prepared on every append)",
              "PreparedStatementReuse",
              "with",
              "without",
              "appends/s"),
          new Optimisation(
              "head remembered, one guarded INSERT (vs agent-store re-reading it in a transaction)",
              "HeadRemembered",
              "with",
              "without",
              "appends/s"),
          new Optimisation(
              "head remembered, one guarded INSERT (vs hand-written head-reading transaction)",
              "HeadRemembered",
              "with",
              "withoutRaw",
              "appends/s"),
          new Optimisation(
              "head remembered on PostgreSQL, one guarded INSERT (vs agent-store's locked"
                  + " transaction reading it)",
              "HeadRemembered",
              "withPostgres",
              "withoutPostgres",
              "appends/s"),
          new Optimisation(
              "BLAKE3 BouncyCastle (vs commons-codec), 256 B",
              "Blake3Implementations",
              "with",
              "without",
              "256",
              256 / 1e6,
              "MB/s"),
          new Optimisation(
              "BLAKE3 BouncyCastle (vs commons-codec), 64 KiB",
              "Blake3Implementations",
              "with",
              "without",
              "65536",
              65536 / 1e6,
              "MB/s"),
          new Optimisation(
              "verify 200k entries in segments on several threads (vs one streaming pass)",
              "VerifyStrategies",
              "with",
              "withoutOnePass",
              "entries/s"),
          new Optimisation(
              "verify 200k entries in segments on several threads (vs paged on one thread)",
              "VerifyStrategies",
              "with",
              "withoutPaged",
              "entries/s"),
          new Optimisation(
              "appendAll of 1,000 as one JDBC batch (vs 1,000 INSERTs in one transaction)",
              "AppendAllBatched",
              "with",
              "without",
              "entries/s"));

  private Report() {}

  public static void main(String[] args) throws RunnerException, IOException {
    boolean longRun = false;
    boolean curve = false;
    boolean optimisations = false;
    List<String> only = new ArrayList<>();
    List<Integer> recallSizes = RECALL_SIZES;
    Path out = Path.of("agent-store-bench", "target", "bench-results");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--long" -> longRun = true;
        case "--curve" -> curve = true;
        case "--optimisations" -> optimisations = true;
        case "--only" -> only.add(args[++i]);
        case "--out" -> out = Path.of(args[++i]);
        case "--recall-sizes" -> recallSizes = parseSizes(args[++i]);
        default -> {
          System.err.println("unknown option " + args[i] + "; see the Report class comment");
          System.exit(2);
        }
      }
    }
    Files.createDirectories(out);
    Path data = Stores.benchDir();
    double loadBefore = loadAverage();
    if (only.contains(GROUP_COMMIT)) {
      runGroupCommit(out, loadBefore);
    } else if (optimisations) {
      runOptimisations(out, data, longRun, only, loadBefore);
    } else if (curve) {
      runCurve(out, data, longRun);
    } else {
      runTable(out, data, longRun, only, recallSizes, loadBefore);
    }
  }

  /** The store sizes of the recall rows unless {@code --recall-sizes} names others. */
  private static final List<Integer> RECALL_SIZES = List.of(10_000, 100_000, 1_000_000);

  /**
   * What {@code --only} matches (and only it: the full table leaves them out) to run the 8-thread
   * signed rows of {@link GroupCommitAppend#signedReport}.
   */
  private static final String SIGNED_GROUP_WORKLOAD = "signed append, 8 threads";

  /** What {@code --only} matches to run {@link RecallSearch}'s rows. */
  private static final String RECALL_WORKLOAD = "recall search";

  /** {@code 10000,100000} or {@code 10k,1M} as a list of sizes. */
  private static List<Integer> parseSizes(String text) {
    List<Integer> sizes = new ArrayList<>();
    for (String part : text.split(",")) {
      String p = part.trim().toLowerCase(Locale.ROOT);
      int scale = p.endsWith("k") ? 1_000 : p.endsWith("m") ? 1_000_000 : 1;
      String digits = scale == 1 ? p : p.substring(0, p.length() - 1);
      sizes.add(Math.multiplyExact(Integer.parseInt(digits), scale));
    }
    return List.copyOf(sizes);
  }

  /** What {@code --only} names to run {@link GroupCommitAppend}'s table instead of the others. */
  private static final String GROUP_COMMIT = "groupcommit";

  // ---------------------------------------------------------------- group commit

  private static void runGroupCommit(Path out, double loadBefore) throws IOException {
    StringBuilder md = new StringBuilder();
    List<Map<String, Object>> json = new ArrayList<>();
    try {
      GroupCommitAppend.report(md, json, loadBefore, postgresReachable());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while measuring group commit", e);
    } catch (Exception e) {
      throw new IOException("group commit benchmark failed: " + e.getMessage(), e);
    }
    double loadAfter = loadAverage();
    String machine = machine(loadBefore, loadAfter, false);
    md.append("\nMachine: ").append(machine).append('\n');
    md.append(
        "ours: group commit on; today: the same backend with group commit off; raw: one"
            + " connection under a lock, one transaction per append. Latency per append.\n");
    Map<String, Object> document = document(machine, loadBefore, loadAfter, false);
    document.put("rows", json);
    finish(out, md.toString(), document);
  }

  // ---------------------------------------------------------------- the table

  private static void runTable(
      Path out,
      Path data,
      boolean longRun,
      List<String> only,
      List<Integer> recallSizes,
      double loadBefore)
      throws RunnerException, IOException {
    List<Row> rows = new ArrayList<>();
    for (Row row : ROWS) {
      if (only.isEmpty() || only.stream().anyMatch(row.workload()::contains)) {
        rows.add(row);
      }
    }
    boolean postgres = postgresReachable();
    // One JMH run per benchmark class, with every parameter value its rows need.
    Map<String, Set<String>> values = new LinkedHashMap<>();
    for (Row row : rows) {
      if (row.postgres() && !postgres) {
        continue;
      }
      values.computeIfAbsent(row.benchmark(), b -> new LinkedHashSet<>()).add(row.value());
    }
    Map<String, RunResult> results = new LinkedHashMap<>();
    for (Map.Entry<String, Set<String>> run : values.entrySet()) {
      String benchmark = run.getKey();
      Row first = rows.stream().filter(r -> r.benchmark().equals(benchmark)).findFirst().get();
      ChainedOptionsBuilder options = options(benchmark, "(ours|raw)", out, data, longRun);
      if (!first.param().isEmpty()) {
        options.param(first.param(), run.getValue().toArray(String[]::new));
      }
      if (benchmark.equals("VerifyChain")) {
        options.addProfiler(HeapGrowthProfiler.class);
      }
      if (benchmark.equals("EmbedLoad")) {
        // The model loads once per JVM: each measurement is the first load in a fork of its own.
        options.forks(3).warmupIterations(0).measurementIterations(1);
      }
      for (RunResult result : new Runner(options.build()).run()) {
        String method = method(result);
        String value = first.param().isEmpty() ? "" : result.getParams().getParam(first.param());
        results.put(benchmark + "." + method + "|" + value, result);
      }
    }
    double loadAfter = loadAverage();

    List<Map<String, Object>> json = new ArrayList<>();
    StringBuilder md = new StringBuilder();
    md.append("| workload | ours | raw JDBC | ours/raw | target | met | notes |\n");
    md.append("|---|---|---|---|---|---|---|\n");
    for (Row row : rows) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("workload", row.workload());
      entry.put("benchmark", PACKAGE + "." + row.benchmark());
      if (!row.param().isEmpty()) {
        entry.put(row.param(), row.value());
      }
      entry.put("unit", row.unit().label);
      entry.put("target", row.target());
      RunResult ours = results.get(row.benchmark() + ".ours|" + row.value());
      RunResult raw = results.get(row.benchmark() + ".raw|" + row.value());
      if (ours == null || raw == null) {
        String why = row.postgres() && !postgres ? "not run: PostgreSQL unreachable" : "failed";
        md.append(
            String.format("| %s | — | — | — | %s | %s | |%n", row.workload(), row.target(), why));
        entry.put("met", null);
        entry.put("note", why);
        json.add(entry);
        continue;
      }
      double o = value(row, ours);
      double r = value(row, raw);
      double ratio = row.unit().higherIsBetter ? o / r : r / o;
      double errors = secondary(ours, "errors");
      double heap = secondary(ours, "heap.growth");
      double rawHeap = secondary(raw, "heap.growth");
      double allocOurs = allocPerEntry(row, ours);
      double allocRaw = allocPerEntry(row, raw);
      boolean met = true;
      if (!Double.isNaN(row.minRatio())) {
        met &= ratio >= row.minRatio();
      }
      if (!Double.isNaN(row.minOurs())) {
        met &= row.unit().higherIsBetter ? o >= row.minOurs() : o <= row.minOurs();
      }
      if (!Double.isNaN(row.maxHeapMiB())) {
        met &= !Double.isNaN(heap) && heap < row.maxHeapMiB();
      }
      if (row.noErrors()) {
        met &= !Double.isNaN(errors) && errors == 0;
      }
      List<String> notes = new ArrayList<>();
      if (row.noErrors()) {
        notes.add(
            String.format(Locale.ROOT, "errors %.0f (raw %.0f)", errors, secondary(raw, "errors")));
      }
      if (!Double.isNaN(heap)) {
        notes.add(String.format(Locale.ROOT, "heap growth %.1f MiB (raw %.1f)", heap, rawHeap));
      }
      if (!Double.isNaN(allocOurs)) {
        notes.add(
            String.format(Locale.ROOT, "alloc %s B/entry (raw %s)", fmt(allocOurs), fmt(allocRaw)));
      }
      md.append(
          String.format(
              "| %s | %s %s | %s %s | %.2f | %s | %s | %s |%n",
              row.workload(),
              fmt(o),
              row.unit().label,
              fmt(r),
              row.unit().label,
              ratio,
              row.target(),
              met ? "yes" : "**no**",
              String.join("; ", notes)));
      entry.put("ours", o);
      entry.put("raw", r);
      entry.put("ratio", ratio);
      entry.put("ours_error_99_9", error(row, ours));
      entry.put("raw_error_99_9", error(row, raw));
      entry.put("met", met);
      putIfNumber(entry, "errors", errors);
      putIfNumber(entry, "heap_growth_mib", heap);
      putIfNumber(entry, "raw_heap_growth_mib", rawHeap);
      putIfNumber(entry, "alloc_bytes_per_entry", allocOurs);
      putIfNumber(entry, "raw_alloc_bytes_per_entry", allocRaw);
      json.add(entry);
    }
    List<Interleaved> interleaved = new ArrayList<>();
    for (Interleaved row : INTERLEAVED) {
      if ((only.isEmpty() || only.stream().anyMatch(row.workload()::contains))
          && (postgres || !row.postgres())) {
        interleaved.add(row);
      }
    }
    if (!interleaved.isEmpty()) {
      runInterleaved(interleaved, out, data, longRun, md, json);
      loadAfter = loadAverage();
    }
    if (postgres && (only.isEmpty() || only.stream().anyMatch(PROCESSES_WORKLOAD::contains))) {
      try {
        MultiProcessAppend.report(MultiProcessAppend.run(Stores.postgresUrl()), md, json);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while the child processes appended", e);
      }
      loadAfter = loadAverage();
    }
    // Asked for by name only: a few minutes more, mostly FULL's flushes.
    if (!only.isEmpty() && only.stream().anyMatch(SIGNED_GROUP_WORKLOAD::contains)) {
      try {
        GroupCommitAppend.signedReport(md, json);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while measuring signed group commit", e);
      } catch (Exception e) {
        throw new IOException("signed group commit benchmark failed: " + e.getMessage(), e);
      }
      loadAfter = loadAverage();
    }
    if (only.isEmpty() || only.stream().anyMatch(RECALL_WORKLOAD::contains)) {
      try {
        RecallSearch.report(RecallSearch.run(recallSizes, postgres, data), md, json);
      } catch (SQLException e) {
        throw new IOException("the recall benchmark failed", e);
      }
      loadAfter = loadAverage();
    }
    String machine = machine(loadBefore, loadAfter, longRun);
    md.append("\nMachine: ").append(machine).append('\n');
    md.append(
        "Ratios are ours ÷ raw in throughput (for times, raw time ÷ our time): above 1 is faster"
            + " than the raw-JDBC baseline.\n");
    Map<String, Object> document = document(machine, loadBefore, loadAfter, longRun);
    document.put("rows", json);
    finish(out, md.toString(), document);
  }

  /** Runs {@link InterleavedAppend} for {@code rows} and adds their lines to the table. */
  private static void runInterleaved(
      List<Interleaved> rows,
      Path out,
      Path data,
      boolean longRun,
      StringBuilder md,
      List<Map<String, Object>> json)
      throws RunnerException {
    // One JMH run per listener, with the backends and thread counts its rows need.
    Map<String, RunResult> results = new LinkedHashMap<>();
    Set<String> listeners = new LinkedHashSet<>();
    rows.forEach(row -> listeners.add(row.listener()));
    for (String listener : listeners) {
      Set<String> backends = new LinkedHashSet<>();
      Set<String> threads = new LinkedHashSet<>();
      rows.stream()
          .filter(row -> row.listener().equals(listener))
          .forEach(
              row -> {
                backends.add(row.backend());
                threads.add(String.valueOf(row.threads()));
              });
      ChainedOptionsBuilder options = options("InterleavedAppend", "pair", out, data, longRun);
      options.param("backend", backends.toArray(String[]::new));
      options.param("threads", threads.toArray(String[]::new));
      options.param("listener", listener);
      for (RunResult result : new Runner(options.build()).run()) {
        results.put(
            result.getParams().getParam("backend")
                + "|"
                + result.getParams().getParam("threads")
                + "|"
                + listener,
            result);
      }
    }
    for (Interleaved row : rows) {
      String workload =
          row.listener().equals(InterleavedAppend.NO_LISTENER)
                  && !row.workload().contains("listener")
              ? row.workload() + ", interleaved"
              : row.workload();
      String target = String.format(Locale.ROOT, ">= %.2f", row.minRatio());
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("workload", workload);
      entry.put("benchmark", PACKAGE + ".InterleavedAppend");
      entry.put("backend", row.backend());
      entry.put("threads", row.threads());
      entry.put("listener", row.listener());
      entry.put("unit", Unit.PER_SECOND.label);
      entry.put("target", target);
      RunResult result = results.get(row.backend() + "|" + row.threads() + "|" + row.listener());
      if (result == null) {
        md.append(String.format("| %s | — | — | — | %s | failed | |%n", workload, target));
        entry.put("met", null);
        entry.put("note", "failed");
        json.add(entry);
        continue;
      }
      // Wall time of blocks run by all threads at once: appends over seconds is the rate.
      double o = secondary(result, "oursAppends") / (secondary(result, "oursNanos") / 1e9);
      double r = secondary(result, "rawAppends") / (secondary(result, "rawNanos") / 1e9);
      double ratio = o / r;
      double errors = secondary(result, "errors");
      boolean met = ratio >= row.minRatio() && errors == 0;
      md.append(
          String.format(
              "| %s | %s /s | %s /s | %.2f | %s | %s | failed blocks %.0f; %,.0f appends per side"
                  + " |%n",
              workload,
              fmt(o),
              fmt(r),
              ratio,
              target,
              met ? "yes" : "**no**",
              errors,
              secondary(result, "oursAppends")));
      entry.put("ours", o);
      entry.put("raw", r);
      entry.put("ratio", ratio);
      entry.put("met", met);
      entry.put("errors", errors);
      json.add(entry);
    }
  }

  // ---------------------------------------------------------------- the cost curve

  private static void runCurve(Path out, Path data, boolean longRun)
      throws RunnerException, IOException {
    ChainedOptionsBuilder options =
        options("CostCurve", "(verify|readAfter)(Ours|Raw)", out, data, longRun);
    Map<String, RunResult> results = new LinkedHashMap<>();
    for (RunResult result : new Runner(options.build()).run()) {
      results.put(method(result) + "|" + result.getParams().getParam("entries"), result);
    }
    StringBuilder md = new StringBuilder();
    md.append(
        "| entries | verify ours | verify raw | verify ours/raw | readAfter "
            + CostCurve.PAGE
            + " ours | readAfter raw | readAfter ours/raw |\n");
    md.append("|---|---|---|---|---|---|---|\n");
    List<Map<String, Object>> json = new ArrayList<>();
    for (String entries : new String[] {"10000", "100000", "1000000"}) {
      RunResult vo = results.get("verifyOurs|" + entries);
      RunResult vr = results.get("verifyRaw|" + entries);
      RunResult ro = results.get("readAfterOurs|" + entries);
      RunResult rr = results.get("readAfterRaw|" + entries);
      if (vo == null || vr == null || ro == null || rr == null) {
        md.append("| ").append(entries).append(" | failed | | | | | |\n");
        continue;
      }
      int n = Integer.parseInt(entries);
      // Scores are microseconds per call; shown as nanoseconds per entry.
      double verifyOurs = score(vo) * 1000 / n;
      double verifyRaw = score(vr) * 1000 / n;
      double readOurs = score(ro) * 1000 / CostCurve.PAGE;
      double readRaw = score(rr) * 1000 / CostCurve.PAGE;
      md.append(
          String.format(
              Locale.ROOT,
              "| %,d | %.0f ns/entry | %.0f ns/entry | %.2f | %.0f ns/entry | %.0f ns/entry | %.2f"
                  + " |%n",
              n,
              verifyOurs,
              verifyRaw,
              verifyRaw / verifyOurs,
              readOurs,
              readRaw,
              readRaw / readOurs));
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("entries", n);
      entry.put("verify_ours_ns_per_entry", verifyOurs);
      entry.put("verify_raw_ns_per_entry", verifyRaw);
      entry.put("read_after_ours_ns_per_entry", readOurs);
      entry.put("read_after_raw_ns_per_entry", readRaw);
      json.add(entry);
    }
    md.append(
        "\nverify must stay flat per entry (linear in the chain); readAfter reads "
            + CostCurve.PAGE
            + " entries from the middle and must stay flat as the chain grows.\n");
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("when", Instant.now().toString());
    document.put("cores", Runtime.getRuntime().availableProcessors());
    document.put("load_after", loadAverage());
    document.put("curve", json);
    finish(out, md.toString(), document);
  }

  // ---------------------------------------------------------------- the optimisations

  private static void runOptimisations(
      Path out, Path data, boolean longRun, List<String> only, double loadBefore)
      throws RunnerException, IOException {
    List<Optimisation> rows = new ArrayList<>();
    for (Optimisation row : OPTIMISATIONS) {
      if (only.isEmpty() || only.stream().anyMatch(row.name()::contains)) {
        rows.add(row);
      }
    }
    // One JMH run for every method the rows name; each method shared by rows runs once.
    Set<String> methods = new LinkedHashSet<>();
    for (Optimisation row : rows) {
      methods.add(row.benchmark() + "." + row.with());
      methods.add(row.benchmark() + "." + row.without());
    }
    List<String> includes = new ArrayList<>();
    for (String method : methods) {
      includes.add("^" + Pattern.quote(PACKAGE + "." + method) + "$");
    }
    // Short: 14 trials of 2 + 3 seconds each (plus a fork apiece), under two minutes in all.
    ChainedOptionsBuilder options = options(includes, "Optimisations", out, data, longRun, 1);
    String[] sizes =
        rows.stream()
            .map(Optimisation::size)
            .filter(size -> !size.isEmpty())
            .toArray(String[]::new);
    if (sizes.length > 0) {
      options.param("size", sizes);
    }
    Map<String, RunResult> results = new LinkedHashMap<>();
    if (!includes.isEmpty()) {
      for (RunResult result : new Runner(options.build()).run()) {
        String name = result.getParams().getBenchmark();
        String benchmark = name.substring(PACKAGE.length() + 1);
        String size = result.getParams().getParam("size");
        results.put(benchmark + "|" + (size == null ? "" : size), result);
      }
    }
    double loadAfter = loadAverage();

    List<Map<String, Object>> json = new ArrayList<>();
    StringBuilder md = new StringBuilder();
    md.append("| optimisation | with | without | with/without | unit |\n");
    md.append("|---|---|---|---|---|\n");
    for (Optimisation row : rows) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("optimisation", row.name());
      entry.put("benchmark", PACKAGE + "." + row.benchmark());
      entry.put("with_method", row.with());
      entry.put("without_method", row.without());
      if (!row.size().isEmpty()) {
        entry.put("size", Integer.parseInt(row.size()));
      }
      entry.put("unit", row.unit());
      RunResult with = results.get(row.benchmark() + "." + row.with() + "|" + row.size());
      RunResult without = results.get(row.benchmark() + "." + row.without() + "|" + row.size());
      if (with == null || without == null) {
        md.append(String.format("| %s | — | — | failed | %s |%n", row.name(), row.unit()));
        entry.put("note", "failed");
        json.add(entry);
        continue;
      }
      double w = score(with) * row.scale();
      double wo = score(without) * row.scale();
      double ratio = w / wo;
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %.2f | %s |%n",
              row.name(),
              fmt(w),
              fmt(wo),
              ratio,
              row.unit()));
      entry.put("with", w);
      entry.put("without", wo);
      entry.put("ratio", ratio);
      entry.put("with_error_99_9", with.getPrimaryResult().getScoreError() * row.scale());
      entry.put("without_error_99_9", without.getPrimaryResult().getScoreError() * row.scale());
      putIfNumber(entry, "with_alloc_bytes_per_op", secondary(with, "gc.alloc.rate.norm"));
      putIfNumber(entry, "without_alloc_bytes_per_op", secondary(without, "gc.alloc.rate.norm"));
      json.add(entry);
    }
    String machine = machine(loadBefore, loadAfter, longRun);
    md.append("\nMachine: ").append(machine).append('\n');
    md.append(
        "Each pair ran in the same run, one side after the other, on a SQLite file (WAL,"
            + " synchronous=NORMAL), called from one thread. with/without is the throughput ratio:"
            + " above 1 the optimisation pays. The benchmark classes' comments say what each side"
            + " does.\n");
    Map<String, Object> document = document(machine, loadBefore, loadAfter, longRun);
    document.put("optimisations", json);
    finish(out, md.toString(), document);
  }

  // ---------------------------------------------------------------- helpers

  private static String machine(double loadBefore, double loadAfter, boolean longRun) {
    return String.format(
        Locale.ROOT,
        "%d cores, load average %.2f before / %.2f after, %s %s, %s run",
        Runtime.getRuntime().availableProcessors(),
        loadBefore,
        loadAfter,
        System.getProperty("java.vm.name"),
        System.getProperty("java.version"),
        longRun ? "long" : "short");
  }

  /** The JSON document's fields that say when, where and how a run was made. */
  private static Map<String, Object> document(
      String machine, double loadBefore, double loadAfter, boolean longRun) {
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("when", Instant.now().toString());
    document.put("machine", machine);
    document.put("cores", Runtime.getRuntime().availableProcessors());
    document.put("load_before", loadBefore);
    document.put("load_after", loadAfter);
    document.put("mode", longRun ? "long" : "short");
    return document;
  }

  private static ChainedOptionsBuilder options(
      String benchmark, String methods, Path out, Path data, boolean longRun) {
    return options(
        List.of("^" + Pattern.quote(PACKAGE + "." + benchmark + ".") + methods + "$"),
        benchmark,
        out,
        data,
        longRun,
        benchmark.equals("VerifyChain") ? 1 : 2);
  }

  /**
   * Options running every benchmark matching one of {@code includes}, writing JMH's JSON as {@code
   * jmh-NAME.json}; the short run measures {@code measureSeconds} per iteration.
   */
  private static ChainedOptionsBuilder options(
      List<String> includes,
      String name,
      Path out,
      Path data,
      boolean longRun,
      int measureSeconds) {
    ChainedOptionsBuilder options =
        new OptionsBuilder()
            .addProfiler(GCProfiler.class)
            .jvmArgsAppend(
                "-Dagentstore.bench.dir=" + data.toAbsolutePath(),
                "-Dagentstore.bench.postgres=" + Stores.postgresUrl())
            .resultFormat(ResultFormatType.JSON)
            .result(out.resolve("jmh-" + name + ".json").toString());
    includes.forEach(options::include);
    if (!longRun) {
      options
          .forks(1)
          .warmupIterations(2)
          .warmupTime(TimeValue.seconds(1))
          .measurementIterations(3)
          .measurementTime(TimeValue.seconds(measureSeconds));
    }
    return options;
  }

  private static String method(RunResult result) {
    String name = result.getParams().getBenchmark();
    return name.substring(name.lastIndexOf('.') + 1);
  }

  private static double score(RunResult result) {
    return result.getPrimaryResult().getScore();
  }

  /** The score of {@code result} in the row's unit. */
  private static double value(Row row, RunResult result) {
    double score = score(result);
    return switch (row.unit()) {
      case PER_SECOND, MILLISECONDS -> score;
      case ENTRIES_PER_SECOND -> entries(row) / (score / 1000);
      case SENTENCES_PER_SECOND -> score * Double.parseDouble(row.value());
      case MEGABYTES_PER_SECOND -> entries(row) * payload(row) / 1e6 / (score / 1000);
    };
  }

  private static double error(Row row, RunResult result) {
    double score = score(result);
    double error = result.getPrimaryResult().getScoreError();
    if (Double.isNaN(error)) {
      return Double.NaN;
    }
    // For rates derived from times, the relative error carries over.
    return row.unit() == Unit.ENTRIES_PER_SECOND
            || row.unit() == Unit.MEGABYTES_PER_SECOND
            || row.unit() == Unit.SENTENCES_PER_SECOND
        ? value(row, result) * error / score
        : error;
  }

  private static double entries(Row row) {
    return Double.parseDouble(row.value().split("x")[0]);
  }

  private static double payload(Row row) {
    return Double.parseDouble(row.value().split("x")[1]);
  }

  private static double allocPerEntry(Row row, RunResult result) {
    double perOp = secondary(result, "gc.alloc.rate.norm");
    if (row.unit() == Unit.SENTENCES_PER_SECOND) {
      return perOp / Double.parseDouble(row.value());
    }
    return row.benchmark().equals("VerifyChain") ? perOp / entries(row) : perOp;
  }

  private static double secondary(RunResult result, String name) {
    Result<?> value = result.getSecondaryResults().get(name);
    return value == null ? Double.NaN : value.getScore();
  }

  private static void putIfNumber(Map<String, Object> entry, String key, double value) {
    if (!Double.isNaN(value)) {
      entry.put(key, value);
    }
  }

  static String fmt(double value) {
    if (Double.isNaN(value)) {
      return "—";
    }
    if (Math.abs(value) >= 100) {
      return String.format(Locale.ROOT, "%,.0f", value);
    }
    return String.format(Locale.ROOT, "%.2f", value);
  }

  private static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  private static boolean postgresReachable() {
    DriverManager.setLoginTimeout(3);
    try (Connection connection = DriverManager.getConnection(Stores.postgresUrl())) {
      return connection.isValid(3);
    } catch (SQLException e) {
      System.err.println(
          "PostgreSQL at " + Stores.postgresUrl() + " unreachable: " + e.getMessage());
      return false;
    }
  }

  private static void finish(Path out, String markdown, Map<String, Object> document)
      throws IOException {
    Files.writeString(out.resolve("results.md"), markdown, StandardCharsets.UTF_8);
    Files.writeString(out.resolve("results.json"), json(document) + "\n", StandardCharsets.UTF_8);
    PrintStream stdout = System.out;
    stdout.println();
    stdout.print(markdown);
    stdout.println();
    stdout.println(
        "Written to " + out.resolve("results.md") + " and " + out.resolve("results.json"));
  }

  // ---------------------------------------------------------------- a small JSON writer

  static String json(@Nullable Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof Boolean) {
      return value.toString();
    }
    if (value instanceof Number number) {
      double d = number.doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        return "null";
      }
      return number instanceof Integer || number instanceof Long
          ? number.toString()
          : String.format(Locale.ROOT, "%.6g", d);
    }
    if (value instanceof Map<?, ?> map) {
      List<String> members = new ArrayList<>();
      for (Map.Entry<?, ?> member : map.entrySet()) {
        members.add(quote(String.valueOf(member.getKey())) + ": " + json(member.getValue()));
      }
      return "{" + String.join(", ", members) + "}";
    }
    if (value instanceof Collection<?> items) {
      List<String> elements = new ArrayList<>();
      for (Object item : items) {
        elements.add(json(item));
      }
      return "[\n  " + String.join(",\n  ", elements) + "\n]";
    }
    return quote(value.toString());
  }

  private static String quote(String text) {
    StringBuilder quoted = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      switch (c) {
        case '"' -> quoted.append("\\\"");
        case '\\' -> quoted.append("\\\\");
        case '\n' -> quoted.append("\\n");
        default -> {
          if (c < 0x20) {
            quoted.append(String.format("\\u%04x", (int) c));
          } else {
            quoted.append(c);
          }
        }
      }
    }
    return quoted.append('"').toString();
  }
}
