package dev.agentstore.cli;

import dev.agentstore.ChainBrokenException;
import dev.agentstore.Doorbell;
import dev.agentstore.Entry;
import dev.agentstore.Generation;
import dev.agentstore.Head;
import dev.agentstore.Recall;
import dev.agentstore.RecallFilter;
import dev.agentstore.RecallHit;
import dev.agentstore.RecallIndexer;
import dev.agentstore.WriterLog;
import dev.agentstore.embeddings.MiniLm;
import dev.agentstore.sqlite.SqliteBackend;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Plays the seed's scenario on a SQLite file and tells the reader what happened. */
@Command(
    name = "demo",
    customSynopsis = {"agent-store demo [OPTIONS] [PATH]"},
    header = "Plays the demo story on a SQLite file (./agent-store-demo.db).",
    mixinStandardHelpOptions = true,
    description = {
      "Two agents append turns to a conversation, a report generation is bumped, a doorbell"
          + " subscriber prints each commit, every chain is verified, and a tampered copy shows"
          + " where verification breaks.",
      "Safe to run again: the chains continue where they stopped."
    },
    footer = {"", "Examples:", "  agent-store demo", "  agent-store demo /tmp/demo.db"})
final class DemoCommand implements Callable<Integer> {
  static final String STREAM = "conv:demo";
  static final String GENERATION = "report.nightly";

  /** The widest line the demo prints (a store path aside): an 80-column terminal. */
  static final int WIDTH = 80;

  /** The question step 5 asks of the conversation. */
  static final String QUESTION = "Which job has to finish first?";

  private static final List<String[]> TURNS =
      List.of(
          new String[] {"alice", "Bob, the nightly report is late again."},
          new String[] {"bob", "It waits for the ingest job; I will stamp it with a generation."},
          new String[] {"alice", "Good. Then no one compares clocks to know which one is newer."},
          new String[] {"bob", "Exactly: generation numbers and (writer, seq), nothing else."});

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "PATH",
      description = "The SQLite file to use (default: ${DEFAULT-VALUE}).",
      defaultValue = "agent-store-demo.db")
  Path path = Path.of("agent-store-demo.db");

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Path file = path.toAbsolutePath().normalize();
    boolean existed = Files.exists(file);
    // Loading the model takes seconds: it loads while steps 1 to 4 run. A failure is not lost:
    // step 5 loads again and reports it.
    MiniLm model = MiniLm.create();
    Thread loader =
        new Thread(
            () -> {
              try {
                model.load();
              } catch (RuntimeException e) {
                // Reported by the load of step 5.
              }
            },
            "agent-store demo model loader");
    loader.setDaemon(true);
    loader.start();

    out.println("agent-store demo: one SQLite file, two agents, one report clock.");
    out.println();
    try (SqliteBackend db = SqliteBackend.open(file)) {
      Generation.ensureSchema(db);
      WriterLog.ensureSchema(db);
      List<Head> before = WriterLog.heads(db, STREAM);
      out.println("Store: " + file);
      if (existed && !before.isEmpty()) {
        long entries = before.stream().mapToLong(Head::seq).sum();
        out.printf(
            "  (existing store: %d entries in %d chains of %s; the chains continue)%n",
            entries, before.size(), STREAM);
      } else {
        out.println("  (new file: WAL journal, synchronous=NORMAL)");
      }
      out.println();

      out.println(
          "1. Two agents, alice and bob, take turns in the conversation \"" + STREAM + "\".");
      out.println("   Each turn is appended to the speaker's own hash chain; the store's doorbell");
      out.println("   rings after each commit, and a subscriber prints the ring:");
      Doorbell.Subscription printer =
          db.doorbell()
              .subscribe(
                  event ->
                      out.printf(
                          "     [doorbell] %s/%s committed seq %d%n",
                          event.stream(), event.writer(), event.seq()));
      try {
        for (String[] turn : TURNS) {
          Entry entry =
              WriterLog.append(db, STREAM, turn[0], turn[1].getBytes(StandardCharsets.UTF_8));
          out.printf(
              "       %-5s \"%s\"%n             (hash %s...)%n",
              turn[0], turn[1], entry.contentHashHex().substring(0, 16));
        }
      } finally {
        printer.close();
      }
      out.println();

      Generation report = new Generation(GENERATION);
      long previous = report.current(db);
      long stamped = report.bump(db);
      out.printf(
          "2. The nightly report is stamped with generation \"%s\": %d -> %d.%n",
          GENERATION, previous, stamped);
      out.println("   Every bump returns a new value, across threads and processes; no clock is");
      out.println("   read to decide anything.");
      out.println();

      out.println("3. Verifying every chain: seqs contiguous from 1, every prev_hash the previous");
      out.println("   entry's content_hash, every content_hash = BLAKE3(prev_hash || payload):");
      for (Head head : WriterLog.heads(db, STREAM)) {
        Head verified = WriterLog.verify(db, STREAM, head.writer()).orElseThrow();
        out.printf(
            "     %s/%-5s intact, %d entries, head %s...%n",
            STREAM, head.writer(), verified.seq(), verified.contentHashHex().substring(0, 12));
      }
    }
    out.println();

    out.println("4. Tampering: a copy of the file gets one byte of alice's seq 2 flipped, as");
    out.println("   anyone with a SQLite shell could do:");
    for (String line : wrap(tamperedCopyVerdict(file), "     ", "       ")) {
      out.println(line);
    }
    out.println("   The original is untouched and still verifies; the copy is deleted.");
    out.println();

    recall(out, file, model, loader);
    out.println();
    out.println("Run it again: the chains continue where they stopped; the generation moves on.");
    out.println("Look inside with any SQLite tool: tables _agent_store_log, _agent_store_meta and");
    out.println("_agent_store_vec (the vectors).");
    return 0;
  }

  /**
   * {@code text} in lines of at most {@link #WIDTH} columns, broken at spaces, the first line after
   * {@code first}, the others after {@code next}: the demo is read in an 80-column terminal.
   */
  static List<String> wrap(String text, String first, String next) {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder(first);
    boolean empty = true;
    for (String word : text.split(" ")) {
      if (!empty && line.length() + 1 + word.length() > WIDTH) {
        lines.add(line.toString());
        line = new StringBuilder(next);
        empty = true;
      }
      if (!empty) {
        line.append(' ');
      }
      line.append(word);
      empty = false;
    }
    lines.add(line.toString());
    return lines;
  }

  /** Copies the closed store, flips one payload byte, and returns what verify says about it. */
  private static String tamperedCopyVerdict(Path file) {
    Path copy = null;
    try {
      copy = Files.createTempFile("agent-store-demo-tampered", ".db");
      Files.copy(file, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      try (SqliteBackend tampered = SqliteBackend.open(copy)) {
        byte[] payload = WriterLog.readAfter(tampered, STREAM, "alice", 1, 1).get(0).payload();
        payload[0] ^= 0x01;
        tampered.exec(
            "UPDATE _agent_store_log SET payload = ? WHERE stream = ? AND writer = ? AND seq = 2",
            payload,
            STREAM,
            "alice");
        Optional<Head> head = WriterLog.verify(tampered, STREAM, "alice");
        return "verify: intact up to seq " + head.map(Head::seq).orElse(0L) + " (unexpected)";
      } catch (ChainBrokenException e) {
        return "verify: " + e.getMessage();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a tampered copy of " + file, e);
    } finally {
      if (copy != null) {
        deleteQuietly(copy);
        deleteQuietly(Path.of(copy + "-wal"));
        deleteQuietly(Path.of(copy + "-shm"));
      }
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // A leftover temporary file is harmless.
    }
  }

  /** Step 5: indexes the turns not indexed yet and asks {@link #QUESTION} of them. */
  private static void recall(PrintWriter out, Path file, MiniLm model, Thread loader) {
    try {
      loader.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    model.load();
    try (SqliteBackend db = SqliteBackend.open(file)) {
      RecallFilter turns = RecallFilter.stream(STREAM);
      RecallIndexer.Counts counts =
          RecallIndexer.create(db, model, RecallIndexer.Options.defaults().withFilter(turns))
              .catchUp();
      out.printf(
          Locale.ROOT,
          "5. Recall: %d new turns embedded with %s (model load: %.1f s,%n",
          counts.indexed(),
          model.name(),
          model.load().toMillis() / 1000.0);
      out.println("   begun with step 1). Asked \"" + QUESTION + "\",");
      out.println("   the turns closest in meaning are, best first (cosine similarity):");
      for (RecallHit hit : Recall.search(db, model.name(), model.embed(QUESTION), 3, turns)) {
        Entry e = hit.entry();
        String text = new String(e.payload(), StandardCharsets.UTF_8);
        out.printf(
            Locale.ROOT,
            "     %.3f  %-5s seq %-3d \"%s\"%n",
            hit.score(),
            e.writer(),
            e.seq(),
            RecallCommand.cut(Payloads.oneLine(text), 50));
      }
    }
  }
}
