package dev.agentstore.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Lists the streams of a store with their writers and entry counts. */
@Command(
    name = "streams",
    customSynopsis = {"agent-store streams [OPTIONS] (STORE | --policy FILE)"},
    header = "Lists the streams with their writers and entry counts.",
    mixinStandardHelpOptions = true,
    description = "Lists every stream with its number of writers (chains) and entries.",
    footer = {
      "",
      "Examples:",
      "  agent-store streams agents.db",
      "  agent-store streams 'jdbc:postgresql://db:5432/fleet?user=agent' --json"
    })
final class StreamsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin StoreArgs storeArgs;

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
      List<List<Store.Chain>> streams = Store.byStream(store.chains(null));
      if (json) {
        Json j = new Json(out).beginObject().field("store", store.describe());
        j.name("streams").beginArray();
        for (List<Store.Chain> chains : streams) {
          j.beginObject()
              .field("stream", chains.get(0).stream())
              .field("writers", chains.size())
              .field("entries", entries(chains))
              .endObject();
        }
        j.endArray().endObject();
        return 0;
      }
      out.println("Store: " + store.describe());
      Table table = new Table("STREAM", "WRITERS>", "ENTRIES>");
      long writers = 0;
      long entries = 0;
      for (List<Store.Chain> chains : streams) {
        table.add(chains.get(0).stream(), chains.size(), entries(chains));
        writers += chains.size();
        entries += entries(chains);
      }
      if (!table.isEmpty()) {
        out.println();
        table.print(out);
      }
      out.println();
      out.printf(
          Locale.ROOT,
          "%d %s, %d %s, %d %s.%n",
          streams.size(),
          streams.size() == 1 ? "stream" : "streams",
          writers,
          writers == 1 ? "chain" : "chains",
          entries,
          entries == 1 ? "entry" : "entries");
      return 0;
    }
  }

  private static long entries(List<Store.Chain> chains) {
    return chains.stream().mapToLong(Store.Chain::entries).sum();
  }
}
