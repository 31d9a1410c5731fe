package dev.agentstore.cli;

import dev.agentstore.ChainBrokenException;
import dev.agentstore.DamagedStoreException;
import dev.agentstore.Entry;
import dev.agentstore.Generation;
import dev.agentstore.Head;
import dev.agentstore.InvalidInputException;
import dev.agentstore.WriterLog;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Copies every chain and generation of one store into another with the original hashes, verified on
 * both sides, resumably.
 */
@Command(
    name = "copy",
    customSynopsis = {
      "agent-store copy [OPTIONS] SRC DST",
      "       (--from-policy FILE stands for SRC, --to-policy FILE for DST)"
    },
    header = "Copies chains and generations to another store, verified.",
    mixinStandardHelpOptions = true,
    description = {
      "Copies every chain and generation counter of SRC into DST (SQLite to PostgreSQL and back,"
          + " or file to file). Entries keep their seqs and hashes: they are inserted as they"
          + " are, never recomputed, and each link is checked as it is inserted.",
      "Before anything is written, a SQLite source's file is checked (PRAGMA integrity_check),"
          + " every source chain is verified, and every destination chain"
          + " that already has entries is verified and must be a prefix of the source chain;"
          + " otherwise the copy is refused (exit code 1) and nothing is written.",
      "Entries are committed in batches: an interrupted copy is resumed by running the same"
          + " command again, which continues after each destination head and never duplicates"
          + " an entry. A generation is raised to the source's value, never lowered.",
      "Afterwards every chain is verified on the destination, and entry counts and heads are"
          + " compared with the source, in a table of both sides."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:everything copied (or already there), verified, counts and heads match",
      "1:refused (a damaged source, a broken source or destination chain, a conflicting"
          + " destination chain),"
          + " or a mismatch after copying",
      "2:usage error",
      "3:a store cannot be opened"
    },
    footer = {
      "",
      "Examples:",
      "  PG='jdbc:postgresql://db.internal:5432/fleet?user=agent'",
      "  agent-store copy agents.db \"$PG\" --to-schema fleet --create",
      "  agent-store copy \"$PG\" --from-schema fleet backup.db --create",
      "  agent-store copy --from-policy laptop.toml --to-policy cluster.toml"
    })
final class CopyCommand implements Callable<Integer> {
  /** Most bytes of payload in one destination transaction, besides the entry count. */
  private static final long BATCH_BYTES = 8L * 1024 * 1024;

  @Spec CommandSpec spec;

  // Both optional to picocli: --from-policy or --to-policy stands in for one, and then the one
  // given comes first. Shown without brackets: a copy needs both, one way or the other.
  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "SRC",
      hideParamSyntax = true,
      description = "The store to copy: a SQLite file or a jdbc:postgresql: URL.")
  @Nullable String src;

  @Parameters(
      index = "1",
      arity = "0..1",
      paramLabel = "DST",
      hideParamSyntax = true,
      description =
          "The store to copy into: a SQLite file or a jdbc:postgresql: URL; an agent-store"
              + " store already, or --create given.")
  @Nullable String dst;

  @Option(names = "--from-policy", paramLabel = "FILE", description = "SRC from a TOML policy.")
  @Nullable Path fromPolicy;

  @Option(names = "--to-policy", paramLabel = "FILE", description = "DST from a TOML policy.")
  @Nullable Path toPolicy;

  @Option(names = "--from-schema", paramLabel = "NAME", description = "SRC's PostgreSQL schema.")
  @Nullable String fromSchema;

  @Option(names = "--to-schema", paramLabel = "NAME", description = "DST's PostgreSQL schema.")
  @Nullable String toSchema;

  @Option(
      names = "--connect-timeout",
      paramLabel = "SECONDS",
      defaultValue = "10",
      description = "How long to wait for a PostgreSQL server (default: ${DEFAULT-VALUE}).")
  int connectTimeoutSeconds = 10;

  @Option(
      names = "--batch",
      paramLabel = "N",
      defaultValue = "1000",
      description = "Entries per destination transaction (default: ${DEFAULT-VALUE}).")
  int batch = 1000;

  @Mixin CreateOption create;

  @Mixin ProgressOptions progressOptions;

  /** Whether progress lines are drawn, decided once per run. */
  private boolean progressEnabled;

  /** The progress line being drawn, for {@link #interrupted} to clear it first. */
  private volatile @Nullable Progress progress;

  /** Set once a signal ended the copy: no progress line is drawn after the notice. */
  private volatile boolean signalled;

  /** Entries committed to the destination so far, for {@link #interrupted}. */
  private final AtomicLong committed = new AtomicLong();

  @Option(
      names = "--json",
      description = "Print the result as JSON (see docs/commands.md for its shape).")
  boolean json;

  /** What the copy will do for one chain, decided before anything is written. */
  private record Plan(Store.Chain chain, Head sourceHead, long destinationSeq, boolean ahead) {}

  /** What happened to one chain. */
  private record Outcome(
      Plan plan,
      long copied,
      @Nullable Head destinationHead,
      long destinationEntries,
      String status) {}

  /** What happened to one generation counter. */
  private record CounterOutcome(String key, long source, long destination, String status) {}

  @Override
  public Integer call() {
    if (batch < 1 || batch > WriterLog.MAX_READ_LIMIT) {
      throw CliException.usage(
          "--batch must be 1 to " + WriterLog.MAX_READ_LIMIT + ", got " + batch);
    }
    Duration timeout = StoreArgs.connectTimeout(connectTimeoutSeconds);
    List<String> positional = new ArrayList<>();
    for (String store : Arrays.asList(src, dst)) {
      if (store != null) {
        positional.add(store);
      }
    }
    StoreRef from =
        fromPolicy != null
            ? StoreRef.policy(fromPolicy, fromSchema, timeout)
            : StoreRef.parse(take(positional, "SRC"), fromSchema, timeout);
    StoreRef to =
        toPolicy != null
            ? StoreRef.policy(toPolicy, toSchema, timeout)
            : StoreRef.parse(take(positional, "DST"), toSchema, timeout);
    if (!positional.isEmpty()) {
      throw CliException.usage("unexpected argument " + positional.get(0));
    }
    if (from.identity().equals(to.identity())) {
      throw CliException.usage("SRC and DST are the same store: " + from.shown());
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Main main = Main.of(spec);
    progressEnabled = progressOptions.enabled(main.stderrIsTerminal());
    Main.Registration notice = main.whenInterrupted(() -> interrupted(err, to));
    try {
      return copy(from, to, out, err);
    } finally {
      notice.close();
    }
  }

  /** The copy from {@code from} to {@code to}, once the command line is checked. */
  private int copy(StoreRef from, StoreRef to, PrintWriter out, PrintWriter err) {
    try (Store source = from.open(StoreRef.Access.READ)) {
      source.requireTables();
      checkSourceStorage(source);
      List<Store.Chain> chains = source.chains(null);
      List<Head> sourceHeads = verifySource(source, chains, err);
      // Read before the destination is touched: a malformed counter refuses the copy there.
      List<Store.Counter> counters = source.counters();
      try (Store destination = to.openForWriting(create.wanted)) {
        List<Plan> plans = plan(source, destination, chains, sourceHeads);
        for (Store.Counter counter : counters) {
          checkKey(destination, counter.key());
        }
        List<Long> copied = copy(source, destination, plans, err);
        List<Outcome> outcomes = check(destination, plans, copied, err);
        Set<String> stored = new HashSet<>();
        for (Store.Counter counter : destination.counters()) {
          stored.add(counter.key());
        }
        List<CounterOutcome> counterOutcomes = new ArrayList<>();
        for (Store.Counter counter : counters) {
          counterOutcomes.add(copyCounter(destination, counter, stored.contains(counter.key())));
        }
        boolean match = outcomes.stream().noneMatch(o -> o.status().equals("mismatch"));
        if (json) {
          printJson(out, source, destination, outcomes, counterOutcomes, match);
        } else {
          printText(out, source, destination, outcomes, counterOutcomes, match);
        }
        if (!match) {
          Outcome first =
              outcomes.stream()
                  .filter(o -> o.status().equals("mismatch"))
                  .findFirst()
                  .orElseThrow();
          out.flush();
          err.println(
              "agent-store: after copying, "
                  + first.plan().chain().name()
                  + " on the destination does not match the source (see the table)");
          return Main.EXIT_BROKEN;
        }
        return 0;
      }
    }
  }

  /**
   * Tells the user, when SIGINT or SIGTERM ends the copy, that running the same command again
   * resumes it: every batch is one transaction, so the destination holds whole batches only, and a
   * rerun continues after each destination head. Runs on the signal's thread.
   */
  private void interrupted(PrintWriter err, StoreRef to) {
    signalled = true;
    Progress shown = progress;
    boolean cleared = shown != null && shown.silence();
    long entries = committed.get();
    err.println(
        (cleared || !Main.of(spec).stderrIsTerminal() ? "" : System.lineSeparator())
            + "agent-store: copy interrupted with "
            + entries
            + (entries == 1 ? " entry" : " entries")
            + " committed to "
            + to.shown()
            + "; run the same command again to resume: it continues after each chain's"
            + " destination head and never copies an entry twice");
    err.flush();
  }

  /** Starts a progress line that {@link #interrupted} can find. */
  private Progress progress(PrintWriter err, String what, long total) {
    Progress started = Progress.start(err, progressEnabled && !signalled, what, total);
    progress = started;
    return started;
  }

  private static String take(List<String> positional, String label) {
    if (positional.isEmpty()) {
      throw CliException.usage(
          "missing " + label + ": give SRC and DST (or --from-policy / --to-policy)");
    }
    return positional.remove(0);
  }

  /**
   * Refuses a source whose storage is damaged: a damaged index can hide the end of a chain from
   * every read, and a copy would then carry a cut chain that verifies.
   */
  private static void checkSourceStorage(Store source) {
    try {
      WriterLog.checkStorage(source.db());
    } catch (DamagedStoreException e) {
      throw CliException.refused(
          "refusing to copy: the source's " + e.getMessage() + "; nothing was copied");
    }
  }

  /** Verifies every source chain; refuses the copy, naming the first broken one, if any is. */
  private List<Head> verifySource(Store source, List<Store.Chain> chains, PrintWriter err) {
    List<Head> heads = new ArrayList<>();
    List<String> broken = new ArrayList<>();
    long total = chains.stream().mapToLong(Store.Chain::entries).sum();
    try (Progress progress = progress(err, "verifying the source", total)) {
      long before = 0;
      for (Store.Chain chain : chains) {
        long base = before;
        try {
          heads.add(
              WriterLog.verify(
                      source.db(), chain.stream(), chain.writer(), d -> progress.update(base + d))
                  .orElseThrow());
        } catch (ChainBrokenException e) {
          broken.add(
              "source chain "
                  + chain.name()
                  + " is broken at seq "
                  + e.seq()
                  + " ("
                  + e.reason()
                  + "): "
                  + e.detail());
        } catch (InvalidInputException e) {
          broken.add("source chain " + chain.name() + " cannot be read: " + e.getMessage());
        }
        before += chain.entries();
      }
    }
    refuseIfAny(broken);
    return heads;
  }

  /**
   * Decides, for every chain, where the copy continues: after the destination's head, which must
   * verify and hold the source's hash at its seq. Refuses the copy when any chain conflicts.
   */
  private static List<Plan> plan(
      Store source, Store destination, List<Store.Chain> chains, List<Head> sourceHeads) {
    List<Plan> plans = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < chains.size(); i++) {
      Store.Chain chain = chains.get(i);
      Head sourceHead = sourceHeads.get(i);
      Optional<Head> destinationHead;
      try {
        destinationHead = WriterLog.verify(destination.db(), chain.stream(), chain.writer());
      } catch (ChainBrokenException e) {
        problems.add(
            "destination chain "
                + chain.name()
                + " is broken at seq "
                + e.seq()
                + " ("
                + e.reason()
                + "): "
                + e.detail()
                + "; repair or remove it first");
        continue;
      } catch (InvalidInputException e) {
        problems.add(
            "chain " + chain.name() + " cannot be stored in the destination: " + e.getMessage());
        continue;
      }
      if (destinationHead.isEmpty()) {
        plans.add(new Plan(chain, sourceHead, 0, false));
        continue;
      }
      Head there = destinationHead.get();
      long seq = Math.min(there.seq(), sourceHead.seq());
      byte[] sourceHash =
          WriterLog.readAfter(source.db(), chain.stream(), chain.writer(), seq - 1, 1)
              .get(0)
              .contentHash();
      byte[] destinationHash =
          seq == there.seq()
              ? there.contentHash()
              : WriterLog.readAfter(destination.db(), chain.stream(), chain.writer(), seq - 1, 1)
                  .get(0)
                  .contentHash();
      if (!Arrays.equals(sourceHash, destinationHash)) {
        problems.add(
            "destination chain "
                + chain.name()
                + " conflicts with the source at seq "
                + seq
                + ": the destination's content_hash is "
                + Payloads.hex(destinationHash)
                + ", the source's "
                + Payloads.hex(sourceHash));
        continue;
      }
      plans.add(new Plan(chain, sourceHead, there.seq(), there.seq() > sourceHead.seq()));
    }
    refuseIfAny(problems);
    return plans;
  }

  private static void checkKey(Store destination, String key) {
    try {
      new Generation(key).current(destination.db());
    } catch (InvalidInputException e) {
      throw CliException.refused(
          "refusing to copy: generation "
              + key
              + " cannot be stored in the destination: "
              + e.getMessage()
              + "; nothing was copied");
    }
  }

  private static void refuseIfAny(List<String> problems) {
    if (problems.isEmpty()) {
      return;
    }
    String more =
        problems.size() == 1
            ? ""
            : " (and "
                + (problems.size() - 1)
                + " more problem"
                + (problems.size() == 2 ? "" : "s")
                + ")";
    throw CliException.refused(
        "refusing to copy: " + problems.get(0) + more + "; nothing was copied");
  }

  /** Copies every chain past the destination's head, in batches; returns the counts copied. */
  private List<Long> copy(Store source, Store destination, List<Plan> plans, PrintWriter err) {
    long total = 0;
    for (Plan plan : plans) {
      total += Math.max(0, plan.sourceHead().seq() - plan.destinationSeq());
    }
    List<Long> copied = new ArrayList<>();
    try (Progress progress = progress(err, "copying", total)) {
      long before = 0;
      for (Plan plan : plans) {
        long base = before;
        long count =
            plan.ahead() ? 0 : copyChain(source, destination, plan, d -> progress.update(base + d));
        copied.add(count);
        before += count;
      }
    }
    return copied;
  }

  /**
   * Copies the entries of one chain after the destination's head, up to the verified source head
   * (entries appended since are left for the next run), each batch in one transaction.
   */
  private long copyChain(Store source, Store destination, Plan plan, LongConsumer progress) {
    Store.Chain chain = plan.chain();
    long last = plan.sourceHead().seq();
    long copied = 0;
    List<Entry> pending = new ArrayList<>();
    long bytes = 0;
    try (Stream<Entry> entries =
        WriterLog.entries(source.db(), chain.stream(), chain.writer(), plan.destinationSeq())) {
      Iterator<Entry> it = entries.iterator();
      while (it.hasNext()) {
        Entry entry = it.next();
        if (entry.seq() > last) {
          break;
        }
        pending.add(entry);
        bytes += entry.payload().length;
        if (pending.size() >= batch || bytes >= BATCH_BYTES) {
          WriterLog.importEntries(destination.db(), pending);
          committed.addAndGet(pending.size());
          copied += pending.size();
          progress.accept(copied);
          pending.clear();
          bytes = 0;
        }
      }
    }
    if (!pending.isEmpty()) {
      WriterLog.importEntries(destination.db(), pending);
      committed.addAndGet(pending.size());
      copied += pending.size();
      progress.accept(copied);
    }
    return copied;
  }

  /** Verifies every copied chain on the destination and compares it with the source. */
  private List<Outcome> check(
      Store destination, List<Plan> plans, List<Long> copied, PrintWriter err) {
    List<Outcome> outcomes = new ArrayList<>();
    long total = 0;
    for (Plan plan : plans) {
      total += Math.max(plan.destinationSeq(), plan.sourceHead().seq());
    }
    try (Progress progress = progress(err, "verifying the destination", total)) {
      long before = 0;
      for (int i = 0; i < plans.size(); i++) {
        Plan plan = plans.get(i);
        Store.Chain chain = plan.chain();
        long base = before;
        Head head = null;
        try {
          head =
              WriterLog.verify(
                      destination.db(),
                      chain.stream(),
                      chain.writer(),
                      d -> progress.update(base + d))
                  .orElse(null);
        } catch (ChainBrokenException e) {
          // Reported as a mismatch below: the destination chain does not verify.
        }
        Store.Chain there = destination.chain(chain.stream(), chain.writer());
        long entries = there == null ? 0 : there.entries();
        String status;
        if (head == null) {
          status = "mismatch";
        } else if (plan.ahead()) {
          status = entries == head.seq() ? "destination_ahead" : "mismatch";
        } else if (head.equals(plan.sourceHead()) && entries == plan.sourceHead().seq()) {
          status = copied.get(i) > 0 ? "copied" : "unchanged";
        } else {
          status = "mismatch";
        }
        outcomes.add(new Outcome(plan, copied.get(i), head, entries, status));
        before += Math.max(plan.destinationSeq(), plan.sourceHead().seq());
      }
    }
    return outcomes;
  }

  /**
   * Raises a destination counter to the source's value; never lowers it. A counter the destination
   * has no row for ({@code stored}: whether it has one) gets the source's row as it is, so both
   * list the same generations: at 0, and below 0 too, which the reference layout can hold although
   * {@link Generation#set} refuses it (an absent counter reads 0, which is not "ahead"). Keys are
   * written back exactly as read, empty or beyond the limit on keys the library creates included.
   */
  private static CounterOutcome copyCounter(
      Store destination, Store.Counter counter, boolean stored) {
    if (!stored && destination.addCounter(counter.key(), counter.value())) {
      return new CounterOutcome(counter.key(), counter.value(), counter.value(), "copied");
    }
    // The row exists now (another writer may have created it meanwhile): compare with its value.
    Generation generation = new Generation(counter.key());
    long current = generation.current(destination.db());
    if (current > counter.value()) {
      return new CounterOutcome(counter.key(), counter.value(), current, "destination_ahead");
    }
    if (current == counter.value()) {
      return new CounterOutcome(counter.key(), counter.value(), current, "unchanged");
    }
    if (destination.raiseCounter(counter.key(), counter.value())) {
      return new CounterOutcome(counter.key(), counter.value(), counter.value(), "copied");
    }
    // Another writer raised it to or past the source's value meanwhile; it stays there.
    long raced = generation.current(destination.db());
    return new CounterOutcome(
        counter.key(),
        counter.value(),
        raced,
        raced == counter.value() ? "unchanged" : "destination_ahead");
  }

  private static void printText(
      PrintWriter out,
      Store source,
      Store destination,
      List<Outcome> outcomes,
      List<CounterOutcome> counters,
      boolean match) {
    out.println("From: " + source.describe());
    out.println("To:   " + destination.describe());
    Table chains =
        new Table(
            "STREAM",
            "WRITER",
            "SRC ENTRIES>",
            "SRC HEAD",
            "COPIED>",
            "DST ENTRIES>",
            "DST HEAD",
            "STATUS");
    long copied = 0;
    long entries = 0;
    for (Outcome o : outcomes) {
      Head head = o.destinationHead();
      chains.add(
          o.plan().chain().stream(),
          o.plan().chain().writer(),
          o.plan().sourceHead().seq(),
          Payloads.shortHex(o.plan().sourceHead().contentHash()),
          o.copied(),
          o.destinationEntries(),
          head == null ? "-" : Payloads.shortHex(head.contentHash()),
          o.status());
      copied += o.copied();
      entries += o.plan().sourceHead().seq();
    }
    if (!chains.isEmpty()) {
      out.println();
      chains.print(out);
    }
    Table generations = new Table("GENERATION", "SRC VALUE>", "DST VALUE>", "STATUS");
    long raised = 0;
    for (CounterOutcome c : counters) {
      generations.add(c.key(), c.source(), c.destination(), c.status());
      raised += c.status().equals("copied") ? 1 : 0;
    }
    if (!generations.isEmpty()) {
      out.println();
      generations.print(out);
    }
    out.println();
    out.printf(
        Locale.ROOT,
        "Copied %d of %d %s in %d %s (%d already there) and %d of %d %s.%n",
        copied,
        entries,
        entries == 1 ? "entry" : "entries",
        outcomes.size(),
        outcomes.size() == 1 ? "chain" : "chains",
        Math.max(0, entries - copied),
        raised,
        counters.size(),
        counters.size() == 1 ? "generation" : "generations");
    out.println(
        match
            ? "Every chain verified on the destination; entry counts and heads match the source."
            : "MISMATCH: the destination does not match the source; see the table above.");
  }

  private static void printJson(
      PrintWriter out,
      Store source,
      Store destination,
      List<Outcome> outcomes,
      List<CounterOutcome> counters,
      boolean match) {
    Json json =
        new Json(out)
            .beginObject()
            .field("source", source.describe())
            .field("destination", destination.describe());
    json.name("chains").beginArray();
    long copied = 0;
    for (Outcome o : outcomes) {
      Head head = o.destinationHead();
      json.beginObject()
          .field("stream", o.plan().chain().stream())
          .field("writer", o.plan().chain().writer())
          .field("source_entries", o.plan().sourceHead().seq())
          .field("source_head_seq", o.plan().sourceHead().seq())
          .field("source_head_hash", o.plan().sourceHead().contentHashHex())
          .field("copied", o.copied())
          .field("destination_entries", o.destinationEntries());
      if (head == null) {
        json.name("destination_head_seq").value((String) null);
        json.name("destination_head_hash").value((String) null);
      } else {
        json.field("destination_head_seq", head.seq())
            .field("destination_head_hash", head.contentHashHex());
      }
      json.field("status", o.status()).endObject();
      copied += o.copied();
    }
    json.endArray();
    json.name("generations").beginArray();
    long raised = 0;
    for (CounterOutcome c : counters) {
      json.beginObject()
          .field("key", c.key())
          .field("source_value", c.source())
          .field("destination_value", c.destination())
          .field("status", c.status())
          .endObject();
      raised += c.status().equals("copied") ? 1 : 0;
    }
    json.endArray();
    json.name("summary")
        .beginObject()
        .field("chains", outcomes.size())
        .field("entries_copied", copied)
        .field("generations", counters.size())
        .field("generations_copied", raised)
        .field("match", match)
        .endObject();
    json.endObject();
  }
}
