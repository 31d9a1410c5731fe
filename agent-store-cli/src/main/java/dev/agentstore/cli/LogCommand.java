package dev.agentstore.cli;

import dev.agentstore.Entry;
import dev.agentstore.FollowOptions;
import dev.agentstore.Follower;
import dev.agentstore.StoreException;
import dev.agentstore.WriterLog;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Prints the entries of one chain in order, and with {@code --follow} those still to come. */
@Command(
    name = "log",
    customSynopsis = {"agent-store log [OPTIONS] (STORE | --policy FILE) --stream S [--writer W]"},
    header = "Prints the entries of one chain in order, or follows a chain or a stream.",
    mixinStandardHelpOptions = true,
    description = {
      "Prints the entries of the chain of one stream and writer, in seq order, streamed (any"
          + " length).",
      "Formats: text (default) shows a payload as UTF-8 text when it is valid UTF-8, with"
          + " control characters escaped (\\n, \\t, \\\\), else as 0x-prefixed hex; hex and"
          + " base64 always encode the payload; json prints a document (see docs/commands.md).",
      "With --follow it then keeps printing each new entry as it commits, from any process,"
          + " until stopped (Ctrl-C or SIGTERM: exit code 0), --limit entries are printed or"
          + " --idle-timeout passes without one. Without --writer it follows every writer of the"
          + " stream, also writers that appear later, with a WRITER column. json then prints one"
          + " object per line per entry. A chain that does not exist yet is waited for."
    },
    footer = {
      "",
      "Examples:",
      "  agent-store log agents.db --stream conv:demo --writer alice",
      "  agent-store log agents.db --stream jobs --writer w1 --after 100 --limit 10",
      "  agent-store log agents.db --stream jobs --writer worker-1 --format base64",
      "  agent-store log agents.db --stream jobs --writer worker-1 --json",
      "  agent-store log agents.db --stream conv:demo --writer alice --follow",
      "  agent-store log agents.db --stream conv:demo --follow --json --idle-timeout 30"
    })
final class LogCommand implements Callable<Integer> {
  /** The longest --idle-timeout, in seconds: a day. */
  private static final int MAX_IDLE_SECONDS = 86_400;

  /** How long one wait for a new entry lasts when no idle timeout bounds it. */
  /** The longest a follow waits before it asks again whether its reader is still there. */
  private static final Duration READER_CHECK = Duration.ofSeconds(1);

  /** How payloads are printed. */
  enum Format {
    text,
    hex,
    base64,
    json
  }

  @Spec CommandSpec spec;

  @Mixin StoreArgs storeArgs;

  @Option(names = "--stream", required = true, paramLabel = "S", description = "The stream.")
  String stream = "";

  @Option(
      names = "--writer",
      paramLabel = "W",
      description = "The writer (required without --follow; with it, omit it to follow them all).")
  @Nullable String writer;

  @Option(
      names = "--after",
      paramLabel = "N",
      defaultValue = "0",
      description = "Only entries with seq greater than N (default: ${DEFAULT-VALUE}).")
  long after;

  @Option(
      names = "--limit",
      paramLabel = "N",
      description = "At most N entries (with --follow: stop after N entries in all).")
  @Nullable Long limit;

  @Option(
      names = {"-f", "--follow"},
      description = "Keep printing new entries as they commit, until stopped.")
  boolean follow;

  @Option(
      names = "--idle-timeout",
      paramLabel = "SECONDS",
      description =
          "With --follow: stop (exit code 0) once no entry has come for SECONDS (decimals"
              + " allowed).")
  @Nullable Double idleTimeoutSeconds;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      defaultValue = "text",
      description = "text, hex, base64 or json (default: ${DEFAULT-VALUE}).")
  Format format = Format.text;

  @Option(names = "--json", description = "Same as --format json.")
  boolean json;

  // Set by a stop request (SIGINT, SIGTERM) from another thread while following.
  private volatile boolean stopped;
  private volatile @Nullable Follower following;

  @Override
  public Integer call() {
    StoreRef ref = storeArgs.parse().store();
    if (after < 0) {
      throw CliException.usage("--after must be 0 or more, got " + after);
    }
    if (limit != null && limit < 1) {
      throw CliException.usage("--limit must be 1 or more, got " + limit);
    }
    Duration idle = idleTimeout();
    if (writer == null && !follow) {
      throw CliException.usage(
          "missing --writer W (or add --follow to follow every writer of stream " + stream + ")");
    }
    Format chosen = json ? Format.json : format;
    long max = limit == null ? Long.MAX_VALUE : limit;
    if (follow) {
      return follow(ref, chosen, max, idle);
    }
    String chainWriter = Objects.requireNonNull(writer);
    PrintWriter out = spec.commandLine().getOut();
    try (Store store = ref.open(StoreRef.Access.READ)) {
      store.requireTables();
      Store.Chain chain = store.chain(stream, chainWriter);
      if (chain == null) {
        throw CliException.usage(
            "no chain " + stream + "/" + chainWriter + " (no entries) in " + store.describe());
      }
      try (Stream<Entry> entries = WriterLog.entries(store.db(), stream, chainWriter, after)) {
        Iterator<Entry> it = entries.limit(max).iterator();
        if (chosen == Format.json) {
          printJson(out, store, chainWriter, it);
        } else {
          printLines(out, it, chosen, Math.max(3, Long.toString(chain.headSeq()).length()));
        }
      }
      return 0;
    }
  }

  private @Nullable Duration idleTimeout() {
    if (idleTimeoutSeconds == null) {
      return null;
    }
    if (!follow) {
      throw CliException.usage("--idle-timeout applies only with --follow");
    }
    double seconds = idleTimeoutSeconds;
    if (!(seconds > 0 && seconds <= MAX_IDLE_SECONDS)) {
      throw CliException.usage(
          "--idle-timeout must be more than 0 and at most "
              + MAX_IDLE_SECONDS
              + " seconds, got "
              + idleTimeoutSeconds);
    }
    return Duration.ofNanos(Math.max(1, Math.round(seconds * 1e9)));
  }

  // ---------------------------------------------------------------- following

  /**
   * Prints the entries after {@code --after}, then each new one as it commits, until stopped,
   * {@code max} entries are printed, {@code idle} passes without one, or the reader of the output
   * goes away.
   */
  private int follow(StoreRef ref, Format chosen, long max, @Nullable Duration idle) {
    Main main = (Main) spec.root().userObject();
    PrintWriter out = spec.commandLine().getOut();
    Main.Registration onStop = main.whenStopRequested(this::stop);
    try (Store store = ref.open(StoreRef.Access.READ)) {
      store.requireTables();
      if (!store.hasTable(Store.LOG)) {
        throw CliException.store(
            store.describe() + " has no " + Store.LOG + " table: there is no log to follow");
      }
      List<Store.Chain> chains = store.chains(stream);
      try (Follower follower = startFollower(store, chains)) {
        following = follower;
        if (stopped) {
          stop(); // the request came while the store was opening
        }
        EntryPrinter printer = printer(out, chosen, chains);
        printer.header();
        return follow(out, follower, printer, max, idle);
      } finally {
        out.flush();
      }
    } finally {
      onStop.close();
    }
  }

  private int follow(
      PrintWriter out, Follower follower, EntryPrinter printer, long max, @Nullable Duration idle) {
    long printed = 0;
    boolean caughtUp = false;
    long idleSince = System.nanoTime();
    try {
      while (printed < max) {
        Optional<Entry> next = follower.poll(Duration.ZERO);
        if (next.isEmpty()) {
          // Nothing more is ready: what was printed reaches the reader before the wait.
          caughtUp = true;
          if (out.checkError() || ReaderGone.stdout()) {
            break; // the reader went away (a closed pipe)
          }
          Duration wait = waitFor(idle, idleSince);
          if (wait.isZero()) {
            break; // --idle-timeout passed without an entry
          }
          next = follower.poll(wait);
          if (next.isEmpty()) {
            if (follower.isClosed()) {
              break;
            }
            continue;
          }
        }
        idleSince = System.nanoTime();
        Entry entry = next.get();
        if (entry.seq() <= after) {
          continue; // a writer that appeared after the start: --after holds for every chain
        }
        printer.print(entry);
        printed++;
        // Past the catch-up each entry is flushed as it comes; during it, every 256 entries.
        if ((caughtUp || printed % 256 == 0) && out.checkError()) {
          break;
        }
      }
    } catch (StoreException e) {
      if (!(e.getCause() instanceof InterruptedException)) {
        throw e;
      }
      // An interrupted thread is asked to stop, as a signal; poll left its interrupt flag set.
    }
    return 0;
  }

  /**
   * How long the next wait for an entry may be: what is left of {@code idle} since the last entry,
   * and never more than {@link #READER_CHECK}, so that a reader that closed the pipe ends the
   * follow within about that long even when nothing new comes. Zero once {@code idle} has passed.
   */
  private static Duration waitFor(@Nullable Duration idle, long idleSince) {
    if (idle == null) {
      return READER_CHECK;
    }
    Duration left = idle.minusNanos(System.nanoTime() - idleSince);
    if (left.isNegative() || left.isZero()) {
      return Duration.ZERO;
    }
    return left.compareTo(READER_CHECK) < 0 ? left : READER_CHECK;
  }

  private Follower startFollower(Store store, List<Store.Chain> chains) {
    if (writer != null) {
      return WriterLog.follow(store.db(), stream, writer, after);
    }
    Map<String, Long> positions = new HashMap<>();
    for (Store.Chain chain : chains) {
      positions.put(chain.writer(), after);
    }
    return WriterLog.followStream(store.db(), stream, positions, FollowOptions.defaults());
  }

  /** Stops following: the follower's consumer returns, and the command ends with exit code 0. */
  private void stop() {
    stopped = true;
    Follower follower = following;
    if (follower != null) {
      follower.close();
    }
  }

  /** Prints one entry at a time, as it is followed. */
  private interface EntryPrinter {
    void header();

    void print(Entry entry);
  }

  private EntryPrinter printer(PrintWriter out, Format chosen, List<Store.Chain> chains) {
    if (chosen == Format.json) {
      return new EntryPrinter() {
        @Override
        public void header() {}

        @Override
        public void print(Entry entry) {
          // One document per line (JSON Lines): a follow has no end at which to close an array.
          entryJson(new Json(out), entry, true);
        }
      };
    }
    long headSeq = 0;
    int writerWidth = 0;
    for (Store.Chain chain : chains) {
      if (writer == null || chain.writer().equals(writer)) {
        headSeq = Math.max(headSeq, chain.headSeq());
        writerWidth = Math.max(writerWidth, DisplayWidth.of(Payloads.oneLine(chain.writer())));
      }
    }
    int seqWidth = Math.max(3, Long.toString(headSeq).length());
    int nameWidth = writer == null ? Math.max("WRITER".length(), writerWidth) : 0;
    return new EntryPrinter() {
      @Override
      public void header() {
        String name = nameWidth == 0 ? "" : padRight("WRITER", nameWidth) + "  ";
        out.println(name + padLeft("SEQ", seqWidth) + "  HASH          " + payloadHeader(chosen));
      }

      @Override
      public void print(Entry entry) {
        String name =
            nameWidth == 0 ? "" : padRight(Payloads.oneLine(entry.writer()), nameWidth) + "  ";
        out.println(name + line(entry, chosen, seqWidth));
      }
    };
  }

  // ---------------------------------------------------------------- printing

  private void printLines(PrintWriter out, Iterator<Entry> entries, Format chosen, int seqWidth) {
    out.println(padLeft("SEQ", seqWidth) + "  HASH          " + payloadHeader(chosen));
    long printed = 0;
    while (entries.hasNext()) {
      out.println(line(entries.next(), chosen, seqWidth));
      if (++printed % 256 == 0 && out.checkError()) {
        return; // the reader went away (a closed pipe): stop reading the chain
      }
    }
  }

  private static String payloadHeader(Format chosen) {
    return chosen == Format.text ? "PAYLOAD" : "PAYLOAD (" + chosen + ")";
  }

  /** An entry as a line of the text formats: seq, short hash, payload. */
  private static String line(Entry entry, Format chosen, int seqWidth) {
    return padLeft(Long.toString(entry.seq()), seqWidth)
        + "  "
        + Payloads.shortHex(entry.contentHash())
        + "  "
        + render(entry.payload(), chosen);
  }

  private static String padRight(String text, int width) {
    int length = DisplayWidth.of(text);
    return length >= width ? text : text + " ".repeat(width - length);
  }

  private static String padLeft(String text, int width) {
    return text.length() >= width ? text : " ".repeat(width - text.length()) + text;
  }

  private static String render(byte[] payload, Format chosen) {
    return switch (chosen) {
      case hex -> Payloads.hex(payload);
      case base64 -> Base64.getEncoder().encodeToString(payload);
      default -> {
        Optional<String> text = Payloads.utf8(payload);
        yield text.isPresent() ? Payloads.oneLine(text.get()) : "0x" + Payloads.hex(payload);
      }
    };
  }

  private void printJson(PrintWriter out, Store store, String chainWriter, Iterator<Entry> it) {
    Json json =
        new Json(out)
            .beginObject()
            .field("store", store.describe())
            .field("stream", stream)
            .field("writer", chainWriter);
    json.name("entries").beginArray();
    long printed = 0;
    while (it.hasNext()) {
      entryJson(json, it.next(), false);
      if (++printed % 256 == 0 && out.checkError()) {
        break;
      }
    }
    json.endArray().endObject();
  }

  /** An entry as a JSON object; with {@code named}, it also names its stream and writer. */
  private static void entryJson(Json json, Entry entry, boolean named) {
    byte[] payload = entry.payload();
    Optional<String> text = Payloads.utf8(payload);
    json.beginObject();
    if (named) {
      json.field("stream", entry.stream()).field("writer", entry.writer());
    }
    json.field("seq", entry.seq())
        .field("prev_hash", entry.prevHashHex().orElse(null))
        .field("content_hash", entry.contentHashHex())
        .field("size", payload.length)
        .field("encoding", text.isPresent() ? "utf8" : "hex")
        .field("payload", text.orElseGet(() -> Payloads.hex(payload)))
        .endObject();
  }
}
