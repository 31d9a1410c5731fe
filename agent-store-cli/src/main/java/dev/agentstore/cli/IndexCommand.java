package dev.agentstore.cli;

import dev.agentstore.EmbeddingModel;
import dev.agentstore.RecallFilter;
import dev.agentstore.RecallIndexer;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Embeds the text entries that have no vector yet, for {@code recall}. */
@Command(
    name = "index",
    customSynopsis = {"agent-store index [OPTIONS] (STORE | --policy FILE)"},
    header = "Embeds the text entries not indexed yet, for recall.",
    mixinStandardHelpOptions = true,
    description = {
      "Embeds every text entry (or every one of a stream) that has no vector yet for the model"
          + " and stores the vectors beside the log, so that recall finds them. Entries without"
          + " text (binary payloads, JSON without a text or content member) are skipped.",
      "With --follow it then keeps indexing entries as they commit, until interrupted.",
      "The model is loaded in the process (a few seconds); vectors are kept per model name."
    },
    footer = {
      "",
      "Examples:",
      "  agent-store index agents.db",
      "  agent-store index agents.db --stream conv:demo --follow"
    })
final class IndexCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin StoreArgs storeArgs;

  @Mixin ProgressOptions progressOptions;

  @Option(names = "--stream", paramLabel = "S", description = "Only this stream's entries.")
  @Nullable String stream;

  @Option(
      names = "--model",
      paramLabel = "NAME",
      defaultValue = "minilm",
      description = "The embedding model: minilm (default: ${DEFAULT-VALUE}).")
  String model = "minilm";

  @Option(
      names = {"-f", "--follow"},
      description = "Keep indexing entries as they commit, until interrupted.")
  boolean follow;

  @Override
  public Integer call() throws InterruptedException {
    EmbeddingModel embedder = Models.named(model);
    StoreRef ref = storeArgs.parse().store();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    boolean drawn = progressOptions.enabled(Main.of(spec).stderrIsTerminal());
    try (Store store = ref.open(StoreRef.Access.WRITE)) {
      store.requireTables();
      RecallFilter filter = stream == null ? RecallFilter.all() : RecallFilter.stream(stream);
      RecallIndexer.Counts counts;
      try (Progress progress = Progress.start(err, drawn, "indexing", 0)) {
        RecallIndexer indexer =
            RecallIndexer.create(
                store.db(),
                embedder,
                RecallIndexer.Options.defaults()
                    .withFilter(filter)
                    .withProgress(c -> progress.update(c.indexed() + c.skipped())));
        counts = indexer.catchUp();
      }
      out.printf(
          Locale.ROOT,
          "Indexed %d %s with model %s (%d without text skipped) in %s.%n",
          counts.indexed(),
          counts.indexed() == 1 ? "entry" : "entries",
          embedder.name(),
          counts.skipped(),
          store.describe());
      out.flush();
      if (!follow) {
        return 0;
      }
      out.println("Following; new entries are indexed as they commit (Ctrl-C stops).");
      out.flush();
      // The follower re-reads, once, the entries without text that the catch-up skipped: a batch
      // of only those indexes nothing new and is not worth a line.
      long[] shown = {0};
      RecallIndexer.Options options =
          RecallIndexer.Options.defaults()
              .withFilter(filter)
              .withProgress(
                  c -> {
                    if (c.indexed() != shown[0]) {
                      shown[0] = c.indexed();
                      out.printf(Locale.ROOT, "Indexed %d new since following.%n", c.indexed());
                      out.flush();
                    }
                  });
      CountDownLatch stopped = new CountDownLatch(1);
      RecallIndexer running = RecallIndexer.start(store.db(), embedder, options);
      // SIGINT or SIGTERM: the batch in hand is finished and the command exits with 0.
      Main.Registration onStop = Main.of(spec).whenStopRequested(stopped::countDown);
      try {
        stopped.await();
      } finally {
        onStop.close();
        running.close();
      }
      out.printf(Locale.ROOT, "Stopped following.%n");
      return 0;
    }
  }
}
