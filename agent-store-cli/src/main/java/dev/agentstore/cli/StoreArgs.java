package dev.agentstore.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * How a command names its store: the STORE argument (a SQLite file or a {@code jdbc:postgresql:}
 * URL) or {@code --policy FILE}, plus the PostgreSQL options. Mixed into every one-store command.
 */
final class StoreArgs {
  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "STORE",
      // Optional to picocli because --policy stands in for it; shown plain, as it is needed.
      hideParamSyntax = true,
      description =
          "The store: a SQLite file, or a jdbc:postgresql://host:port/database URL."
              + " Omit it when --policy is given.")
  @Nullable String store;

  @Option(
      names = "--policy",
      paramLabel = "FILE",
      description = "Open the store a TOML policy describes (backend, path or url, schema).")
  @Nullable Path policy;

  @Option(
      names = "--schema",
      paramLabel = "NAME",
      description = "The PostgreSQL schema that holds the tables (default: public).")
  @Nullable String schema;

  @Option(
      names = "--connect-timeout",
      paramLabel = "SECONDS",
      defaultValue = "10",
      description = "How long to wait for a PostgreSQL server (default: ${DEFAULT-VALUE}).")
  int connectTimeoutSeconds = 10;

  /** The store and the command's own positional arguments, as the user meant them. */
  record Parsed(StoreRef store, List<@Nullable String> arguments) {
    @Nullable String argument(int index) {
      return arguments.get(index);
    }
  }

  /**
   * Resolves STORE or {@code --policy}, and the command's own positional arguments declared after
   * STORE: with {@code --policy} there is no STORE argument, so what picocli took for STORE is the
   * command's first argument, and so on.
   */
  Parsed parse(@Nullable String... declared) {
    Duration timeout = connectTimeout(connectTimeoutSeconds);
    if (policy == null) {
      if (store == null) {
        throw CliException.usage(
            "missing STORE: give a SQLite file, a jdbc:postgresql: URL, or --policy FILE");
      }
      return new Parsed(StoreRef.parse(store, schema, timeout), Arrays.asList(declared));
    }
    boolean tooMany = declared.length == 0 ? store != null : declared[declared.length - 1] != null;
    if (tooMany) {
      throw CliException.usage("give either STORE or --policy FILE, not both");
    }
    List<@Nullable String> shifted = new ArrayList<>();
    if (declared.length > 0) {
      shifted.add(store);
      shifted.addAll(Arrays.asList(declared).subList(0, declared.length - 1));
    }
    return new Parsed(StoreRef.policy(policy, schema, timeout), shifted);
  }

  static Duration connectTimeout(int seconds) {
    if (seconds < 1 || seconds > 3600) {
      throw CliException.usage("--connect-timeout must be 1 to 3600 seconds, got " + seconds);
    }
    return Duration.ofSeconds(seconds);
  }
}
