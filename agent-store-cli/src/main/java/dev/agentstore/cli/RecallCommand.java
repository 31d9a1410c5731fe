package dev.agentstore.cli;

import dev.agentstore.EmbeddingModel;
import dev.agentstore.Entry;
import dev.agentstore.EntryText;
import dev.agentstore.Recall;
import dev.agentstore.RecallFilter;
import dev.agentstore.RecallHit;
import dev.agentstore.RecallIndexer;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Finds the entries whose text is closest in meaning to a question. */
@Command(
    name = "recall",
    customSynopsis = {"agent-store recall [OPTIONS] (STORE | --policy FILE) QUERY"},
    header = "Finds the entries closest in meaning to a query.",
    mixinStandardHelpOptions = true,
    description = {
      "Embeds QUERY and prints the K entries whose text is most similar (cosine similarity of"
          + " their vectors, 1 is the same direction), best first: stream, writer, seq, score and"
          + " text.",
      "Entries not indexed yet are indexed first (as agent-store index does), so the answer"
          + " covers the whole log."
    },
    footer = {
      "",
      "Examples:",
      "  agent-store recall agents.db \"where is the build log?\"",
      "  agent-store recall agents.db \"deploy steps\" --stream conv:demo --k 3 --json"
    })
final class RecallCommand implements Callable<Integer> {
  /** The widest the text column is on a terminal line. */
  private static final int TEXT_WIDTH = 60;

  @Spec CommandSpec spec;

  @Mixin StoreArgs storeArgs;

  @Parameters(index = "1", paramLabel = "QUERY", description = "The question or text to match.")
  String query = "";

  @Option(names = "--stream", paramLabel = "S", description = "Only this stream's entries.")
  @Nullable String stream;

  @Option(names = "--writer", paramLabel = "W", description = "Only this writer's entries.")
  @Nullable String writer;

  @Option(
      names = "--k",
      paramLabel = "N",
      defaultValue = "5",
      description = "How many entries to print (default: ${DEFAULT-VALUE}).")
  int k = 5;

  @Option(
      names = "--model",
      paramLabel = "NAME",
      defaultValue = "minilm",
      description = "The embedding model: minilm (default: ${DEFAULT-VALUE}).")
  String model = "minilm";

  @Option(
      names = "--json",
      description = "Print the result as JSON (see docs/commands.md for its shape).")
  boolean json;

  @Override
  public Integer call() {
    if (k < 1 || k > Recall.MAX_LIST) {
      throw CliException.usage("--k must be from 1 to " + Recall.MAX_LIST + ", got " + k);
    }
    if (query.isBlank()) {
      throw CliException.usage("QUERY is empty: give the text to match");
    }
    EmbeddingModel embedder = Models.named(model);
    StoreRef ref = storeArgs.parse().store();
    PrintWriter out = spec.commandLine().getOut();
    try (Store store = ref.open(StoreRef.Access.WRITE)) {
      store.requireTables();
      RecallFilter filter = RecallFilter.all();
      if (stream != null) {
        filter = filter.withStream(stream);
      }
      if (writer != null) {
        filter = filter.withWriter(writer);
      }
      RecallIndexer.create(
              store.db(), embedder, RecallIndexer.Options.defaults().withFilter(filter))
          .catchUp();
      List<RecallHit> hits =
          Recall.search(store.db(), embedder.name(), embedder.embed(query), k, filter);
      if (json) {
        Json j = new Json(out).beginObject().field("store", store.describe());
        j.field("model", embedder.name()).field("query", query);
        j.name("hits").beginArray();
        for (RecallHit hit : hits) {
          Entry e = hit.entry();
          j.beginObject()
              .field("stream", e.stream())
              .field("writer", e.writer())
              .field("seq", e.seq())
              .field("score", hit.score())
              .field("text", EntryText.defaults().of(e))
              .endObject();
        }
        j.endArray().endObject();
        return 0;
      }
      print(out, hits);
      out.printf(
          Locale.ROOT,
          "%n%d %s (model %s).%n",
          hits.size(),
          hits.size() == 1 ? "match" : "matches",
          embedder.name());
      return 0;
    }
  }

  /** The hits as a table, each text on one line and cut to {@link #TEXT_WIDTH} columns. */
  static void print(PrintWriter out, List<RecallHit> hits) {
    Table table = new Table("SCORE>", "STREAM", "WRITER", "SEQ>", "TEXT");
    for (RecallHit hit : hits) {
      Entry e = hit.entry();
      table.add(
          String.format(Locale.ROOT, "%.3f", hit.score()),
          e.stream(),
          e.writer(),
          e.seq(),
          cut(Payloads.oneLine(EntryText.defaults().of(e)), TEXT_WIDTH));
    }
    if (!table.isEmpty()) {
      table.print(out);
    }
  }

  /** {@code text} cut to at most {@code width} display columns, ending in "..." when cut. */
  static String cut(String text, int width) {
    if (DisplayWidth.of(text) <= width) {
      return text;
    }
    StringBuilder kept = new StringBuilder();
    int used = 0;
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      int w = DisplayWidth.of(cp);
      if (used + w > width - 3) {
        break;
      }
      kept.appendCodePoint(cp);
      used += w;
      i += Character.charCount(cp);
    }
    return kept.append("...").toString();
  }
}
