package dev.agentstore.examples;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.agentstore.Backend;
import dev.agentstore.Entry;
import dev.agentstore.Generation;
import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A routine engine stamps every report it publishes with a generation. Each run starts by bumping
 * the counter {@code report.nightly}; when it finishes it appends its report, stamped with its
 * generation, only if no later run has started meanwhile (checked in the append's transaction), and
 * discards it otherwise. Readers trust the report whose stamp equals the current generation. No
 * clock decides what is newer.
 *
 * <p>Run: {@code java dev.agentstore.examples.ReportGenerations [STORE_FILE]} (default: a new file
 * in a new temporary directory). The file must not exist yet.
 */
public final class ReportGenerations {
  static final String STREAM = "reports";
  static final String WRITER = "engine";

  private static final Generation NIGHTLY = new Generation("report.nightly");

  private ReportGenerations() {}

  /** Runs the engine three times, the second run finishing last, and prints what was published. */
  public static void main(String[] args) throws Exception {
    Path file =
        args.length > 0
            ? Path.of(args[0])
            : Files.createTempDirectory("agent-store-example").resolve("reports.db");
    if (Files.exists(file)) {
      throw new IllegalArgumentException(file + " exists; give a path for a new store file");
    }
    System.out.println("store: " + file);
    try (SqliteBackend db = SqliteBackend.open(file)) {
      Generation.ensureSchema(db);
      WriterLog.ensureSchema(db);

      long a = start(db, "run A");
      publish(db, "run A", a, "3 jobs done");
      // Run B is slow; run C starts after it and finishes first.
      long b = start(db, "run B");
      long c = start(db, "run C");
      publish(db, "run C", c, "4 jobs done, 1 retried");
      publish(db, "run B", b, "5 jobs done");

      Entry latest = WriterLog.head(db, STREAM, WRITER).orElseThrow();
      long stamp = stamp(latest);
      System.out.println(
          "latest report: seq "
              + latest.seq()
              + ", generation "
              + stamp
              + (stamp == NIGHTLY.current(db) ? " (current)" : " (stale)")
              + ": "
              + body(latest));
      System.out.println(
          "verified "
              + STREAM
              + "/"
              + WRITER
              + " up to seq "
              + WriterLog.verify(db, STREAM, WRITER).orElseThrow().seq());
    }
  }

  /** A run starts by taking the next generation; every bump, from anywhere, is distinct. */
  static long start(Backend db, String run) {
    long generation = NIGHTLY.bump(db);
    System.out.println(run + " started: generation " + generation);
    return generation;
  }

  /**
   * Publishes a run's report, stamped with its generation, only if that is still the current
   * generation. The check and the append share one write transaction, so no bump can come between
   * them.
   */
  static Optional<Entry> publish(Backend db, String run, long generation, String body) {
    Optional<Entry> published =
        db.inTransaction(
            tx ->
                NIGHTLY.current(tx) == generation
                    ? Optional.of(WriterLog.append(tx, STREAM, WRITER, report(generation, body)))
                    : Optional.empty());
    System.out.println(
        published
            .map(entry -> run + " published report seq " + entry.seq() + ": " + body)
            .orElseGet(
                () ->
                    run
                        + " discarded its report: generation "
                        + generation
                        + " is stale, the current one is "
                        + NIGHTLY.current(db)));
    return published;
  }

  private static byte[] report(long generation, String body) {
    return ("generation=" + generation + "\n" + body).getBytes(UTF_8);
  }

  private static long stamp(Entry report) {
    String text = new String(report.payload(), UTF_8);
    return Long.parseLong(text.substring("generation=".length(), text.indexOf('\n')));
  }

  private static String body(Entry report) {
    String text = new String(report.payload(), UTF_8);
    return text.substring(text.indexOf('\n') + 1);
  }
}
