package dev.agentstore.cli;

import dev.agentstore.Generation;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Reads generation counters; its subcommands bump and set them. */
@Command(
    name = "gen",
    customSynopsis = {
      "agent-store gen [OPTIONS] (STORE | --policy FILE) [KEY]",
      "       agent-store gen bump [OPTIONS] (STORE | --policy FILE) KEY",
      "       agent-store gen set [OPTIONS] (STORE | --policy FILE) KEY VALUE"
    },
    header = "Reads generation counters; gen bump and gen set change one.",
    mixinStandardHelpOptions = true,
    description = {
      "Prints the value of the generation counter KEY (0 when it was never bumped), or, without"
          + " KEY, lists every counter.",
      "'gen bump' and 'gen set' change a counter."
    },
    subcommands = {GenCommand.Bump.class, GenCommand.Set.class},
    footer = {
      "",
      "Examples:",
      "  agent-store gen agents.db report.nightly",
      "  agent-store gen agents.db --json",
      "  agent-store gen bump agents.db report.nightly",
      "  agent-store gen set agents.db report.nightly 42"
    })
final class GenCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin StoreArgs storeArgs;

  @Parameters(index = "1", arity = "0..1", paramLabel = "KEY", description = "The counter.")
  @Nullable String key;

  @Option(
      names = "--json",
      description = "Print the result as JSON (see docs/commands.md for its shape).")
  boolean json;

  @Override
  public Integer call() {
    StoreArgs.Parsed parsed = storeArgs.parse(key);
    String name = parsed.argument(0);
    PrintWriter out = spec.commandLine().getOut();
    try (Store store = parsed.store().open(StoreRef.Access.READ)) {
      store.requireTables();
      if (name != null) {
        Generation generation = new Generation(name);
        long value = store.hasTable(Store.META) ? generation.current(store.db()) : 0;
        print(out, json, name, value);
        return 0;
      }
      List<Store.Counter> counters = store.counters();
      if (json) {
        Json j = new Json(out).beginObject().field("store", store.describe());
        j.name("generations").beginArray();
        for (Store.Counter counter : counters) {
          j.beginObject().field("key", counter.key()).field("value", counter.value()).endObject();
        }
        j.endArray().endObject();
        return 0;
      }
      out.println("Store: " + store.describe());
      Table table = new Table("GENERATION", "VALUE>");
      for (Store.Counter counter : counters) {
        table.add(counter.key(), counter.value());
      }
      if (!table.isEmpty()) {
        out.println();
        table.print(out);
      }
      out.println();
      out.println(counters.size() + (counters.size() == 1 ? " generation." : " generations."));
      return 0;
    }
  }

  /** A counter's value alone on a line (for scripts), or as a JSON object. */
  static void print(PrintWriter out, boolean json, String key, long value) {
    if (json) {
      new Json(out).beginObject().field("key", key).field("value", value).endObject();
    } else {
      out.println(value);
    }
  }

  /** Bumps a counter and prints its new value. */
  @Command(
      name = "bump",
      customSynopsis = {"agent-store gen bump [OPTIONS] (STORE | --policy FILE) KEY"},
      header = "Adds one to a generation counter and prints the new value.",
      mixinStandardHelpOptions = true,
      description =
          "Atomically adds one to the generation counter KEY and prints the new value (a counter"
              + " never bumped reads 0, so the first bump gives 1).",
      footer = {
        "",
        "Examples:",
        "  agent-store gen bump agents.db report.nightly",
        "  agent-store gen bump new.db report.nightly --create"
      })
  static final class Bump implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin StoreArgs storeArgs;

    @Parameters(
        index = "1",
        arity = "0..1",
        paramLabel = "KEY",
        hideParamSyntax = true,
        description = "The counter.")
    @Nullable String key;

    @Mixin CreateOption create;

    @Option(names = "--json", description = "Print {\"key\": ..., \"value\": ...}.")
    boolean json;

    @Override
    public Integer call() {
      StoreArgs.Parsed parsed = storeArgs.parse(key);
      String name = required(parsed.argument(0), "KEY");
      Generation generation = new Generation(name);
      try (Store store = parsed.store().openForWriting(create.wanted)) {
        print(spec.commandLine().getOut(), json, name, generation.bump(store.db()));
        return 0;
      }
    }
  }

  /** Sets a counter, refusing to move it backwards. */
  @Command(
      name = "set",
      customSynopsis = {"agent-store gen set [OPTIONS] (STORE | --policy FILE) KEY VALUE"},
      header = "Sets a generation counter; never moves it backwards.",
      mixinStandardHelpOptions = true,
      description = {
        "Sets the generation counter KEY to VALUE and prints it. A counter never moves"
            + " backwards: a VALUE below the current one is refused (exit code 1) and nothing"
            + " changes; the current value again is allowed."
      },
      footer = {"", "Examples:", "  agent-store gen set agents.db report.nightly 42"})
  static final class Set implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin StoreArgs storeArgs;

    @Parameters(
        index = "1",
        arity = "0..1",
        paramLabel = "KEY",
        hideParamSyntax = true,
        description = "The counter.")
    @Nullable String key;

    @Parameters(
        index = "2",
        arity = "0..1",
        paramLabel = "VALUE",
        hideParamSyntax = true,
        description = "The new value, a 64-bit integer.")
    @Nullable String value;

    @Mixin CreateOption create;

    @Option(names = "--json", description = "Print {\"key\": ..., \"value\": ...}.")
    boolean json;

    @Override
    public Integer call() {
      StoreArgs.Parsed parsed = storeArgs.parse(key, value);
      String name = required(parsed.argument(0), "KEY");
      String text = required(parsed.argument(1), "VALUE");
      long target;
      try {
        target = Long.parseLong(text);
      } catch (NumberFormatException e) {
        throw CliException.usage("VALUE must be a 64-bit integer, got \"" + text + "\"");
      }
      Generation generation = new Generation(name);
      try (Store store = parsed.store().openForWriting(create.wanted)) {
        generation.set(store.db(), target);
        print(spec.commandLine().getOut(), json, name, target);
        return 0;
      }
    }
  }

  static String required(@Nullable String argument, String label) {
    if (argument == null) {
      throw CliException.usage("missing " + label);
    }
    return argument;
  }
}
