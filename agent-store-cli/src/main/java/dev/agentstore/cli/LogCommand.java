package dev.agentstore.cli;

import dev.agentstore.Entry;
import dev.agentstore.WriterLog;
import java.io.PrintWriter;
import java.util.Base64;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Prints the entries of one chain in order. */
@Command(
    name = "log",
    header = "Prints the entries of one chain in order.",
    mixinStandardHelpOptions = true,
    description = {
      "Prints the entries of the chain of one stream and writer, in seq order, streamed (any"
          + " length).",
      "Formats: text (default) shows a payload as UTF-8 text when it is valid UTF-8, with"
          + " control characters escaped (\\n, \\t, \\\\), else as 0x-prefixed hex; hex and"
          + " base64 always encode the payload; json prints a document (see the README)."
    },
    footer = {
      "",
      "Examples:",
      "  agent-store log agents.db --stream conv:demo --writer alice",
      "  agent-store log agents.db --stream jobs --writer w1 --after 100 --limit 10",
      "  agent-store log agents.db --stream jobs --writer worker-1 --format base64",
      "  agent-store log agents.db --stream jobs --writer worker-1 --json"
    })
final class LogCommand implements Callable<Integer> {
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

  @Option(names = "--writer", required = true, paramLabel = "W", description = "The writer.")
  String writer = "";

  @Option(
      names = "--after",
      paramLabel = "N",
      defaultValue = "0",
      description = "Only entries with seq greater than N (default: ${DEFAULT-VALUE}).")
  long after;

  @Option(names = "--limit", paramLabel = "N", description = "At most N entries.")
  @Nullable Long limit;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      defaultValue = "text",
      description = "text, hex, base64 or json (default: ${DEFAULT-VALUE}).")
  Format format = Format.text;

  @Option(names = "--json", description = "Same as --format json.")
  boolean json;

  @Override
  public Integer call() {
    StoreRef ref = storeArgs.parse().store();
    if (after < 0) {
      throw CliException.usage("--after must be 0 or more, got " + after);
    }
    if (limit != null && limit < 1) {
      throw CliException.usage("--limit must be 1 or more, got " + limit);
    }
    Format chosen = json ? Format.json : format;
    PrintWriter out = spec.commandLine().getOut();
    try (Store store = ref.open(StoreRef.Access.READ)) {
      store.requireTables();
      Store.Chain chain = store.chain(stream, writer);
      if (chain == null) {
        throw CliException.usage(
            "no chain " + stream + "/" + writer + " (no entries) in " + store.describe());
      }
      long max = limit == null ? Long.MAX_VALUE : limit;
      try (Stream<Entry> entries = WriterLog.entries(store.db(), stream, writer, after)) {
        Iterator<Entry> it = entries.limit(max).iterator();
        if (chosen == Format.json) {
          printJson(out, store, it);
        } else {
          printLines(out, it, chosen, Math.max(3, Long.toString(chain.headSeq()).length()));
        }
      }
      return 0;
    }
  }

  private void printLines(PrintWriter out, Iterator<Entry> entries, Format chosen, int seqWidth) {
    String header = chosen == Format.text ? "PAYLOAD" : "PAYLOAD (" + chosen + ")";
    out.println(padLeft("SEQ", seqWidth) + "  HASH          " + header);
    long printed = 0;
    while (entries.hasNext()) {
      Entry entry = entries.next();
      out.println(
          padLeft(Long.toString(entry.seq()), seqWidth)
              + "  "
              + Payloads.shortHex(entry.contentHash())
              + "  "
              + render(entry.payload(), chosen));
      if (++printed % 256 == 0 && out.checkError()) {
        return; // the reader went away (a closed pipe): stop reading the chain
      }
    }
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

  private void printJson(PrintWriter out, Store store, Iterator<Entry> entries) {
    Json json =
        new Json(out)
            .beginObject()
            .field("store", store.describe())
            .field("stream", stream)
            .field("writer", writer);
    json.name("entries").beginArray();
    long printed = 0;
    while (entries.hasNext()) {
      Entry entry = entries.next();
      byte[] payload = entry.payload();
      Optional<String> text = Payloads.utf8(payload);
      json.beginObject()
          .field("seq", entry.seq())
          .field("prev_hash", entry.prevHashHex().orElse(null))
          .field("content_hash", entry.contentHashHex())
          .field("size", payload.length)
          .field("encoding", text.isPresent() ? "utf8" : "hex")
          .field("payload", text.orElseGet(() -> Payloads.hex(payload)))
          .endObject();
      if (++printed % 256 == 0 && out.checkError()) {
        break;
      }
    }
    json.endArray().endObject();
  }
}
