package dev.agentstore.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Lists the head of every chain: its last seq and content hash. */
@Command(
    name = "heads",
    customSynopsis = {"agent-store heads [OPTIONS] (STORE | --policy FILE)"},
    header = "Lists the head (last seq and hash) of every chain.",
    mixinStandardHelpOptions = true,
    description = {
      "Lists the head of every chain (or of one stream's chains): the last seq, its content"
          + " hash and the number of entries.",
      "Heads are read as stored, without verifying; use verify for that."
    },
    footer = {
      "",
      "Examples:",
      "  agent-store heads agents.db",
      "  agent-store heads agents.db --stream conv:demo --json"
    })
final class HeadsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin StoreArgs storeArgs;

  @Option(names = "--stream", paramLabel = "S", description = "Only this stream's chains.")
  @Nullable String stream;

  @Option(
      names = "--json",
      description = "Print the result as JSON (see docs/commands.md for its shape).")
  boolean json;

  @Override
  public Integer call() {
    StoreRef ref = storeArgs.parse().store();
    PrintWriter out = spec.commandLine().getOut();
    try (Store store = ref.open(StoreRef.Access.READ)) {
      store.requireTables();
      List<Store.Chain> chains = store.chains(stream);
      if (stream != null && chains.isEmpty()) {
        throw CliException.usage("no chain in stream \"" + stream + "\" in " + store.describe());
      }
      if (json) {
        Json j = new Json(out).beginObject().field("store", store.describe());
        j.name("heads").beginArray();
        for (Store.Chain chain : chains) {
          j.beginObject()
              .field("stream", chain.stream())
              .field("writer", chain.writer())
              .field("head_seq", chain.headSeq())
              .field("head_hash", Payloads.hex(chain.headHash()))
              .field("entries", chain.entries())
              .endObject();
        }
        j.endArray().endObject();
        return 0;
      }
      out.println("Store: " + store.describe());
      Table table = new Table("STREAM", "WRITER", "HEAD SEQ>", "HEAD HASH", "ENTRIES>");
      for (Store.Chain chain : chains) {
        table.add(
            chain.stream(),
            chain.writer(),
            chain.headSeq(),
            Payloads.shortHex(chain.headHash()),
            chain.entries());
      }
      if (!table.isEmpty()) {
        out.println();
        table.print(out);
      }
      out.println();
      out.printf(Locale.ROOT, "%d %s.%n", chains.size(), chains.size() == 1 ? "chain" : "chains");
      return 0;
    }
  }
}
