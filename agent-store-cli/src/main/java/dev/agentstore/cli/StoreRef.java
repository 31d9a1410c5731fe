package dev.agentstore.cli;

import dev.agentstore.InvalidInputException;
import dev.agentstore.StoreException;
import dev.agentstore.StorePolicy;
import dev.agentstore.postgres.PostgresBackend;
import dev.agentstore.postgres.PostgresOptions;
import dev.agentstore.sqlite.SqliteBackend;
import dev.agentstore.sqlite.SqliteOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A store as the command line names it — a SQLite file, a {@code jdbc:postgresql:} URL or a TOML
 * policy — checked but not yet opened. The one place where the command opens stores.
 */
final class StoreRef {
  /** What a command means to do with a store, which decides how it is opened. */
  enum Access {
    /** Read only: the store must exist; a SQLite file is opened read-only and never modified. */
    READ,
    /** Write to an existing store. */
    WRITE,
    /** Write, creating a SQLite file when there is none. */
    CREATE
  }

  private static final Pattern OTHER_URL = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://.*");

  private final @Nullable Path file;
  private final @Nullable String url;
  private final @Nullable StorePolicy policy;
  private final String schema;
  private final Duration connectTimeout;

  private StoreRef(
      @Nullable Path file,
      @Nullable String url,
      @Nullable StorePolicy policy,
      String schema,
      Duration connectTimeout) {
    this.file = file;
    this.url = url;
    this.policy = policy;
    this.schema = schema;
    this.connectTimeout = connectTimeout;
  }

  /**
   * A STORE argument: a {@code jdbc:postgresql:} URL, or else the path of a SQLite file.
   *
   * @throws CliException (usage) for a malformed or foreign URL, or {@code --schema} with SQLite
   */
  static StoreRef parse(String argument, @Nullable String schema, Duration connectTimeout) {
    if (argument.isBlank()) {
      throw CliException.usage(
          "STORE is empty; give a SQLite file, a jdbc:postgresql: URL, or --policy FILE");
    }
    if (argument.startsWith("jdbc:postgresql:")) {
      DriverLog.silence();
      if (org.postgresql.Driver.parseURL(argument, null) == null) {
        throw CliException.usage(
            "malformed PostgreSQL URL "
                + StorePolicy.redact(argument)
                + "; expected jdbc:postgresql://host[:port]/database[?user=...]");
      }
      return new StoreRef(null, argument, null, checkedSchema(schema), connectTimeout);
    }
    if (argument.regionMatches(true, 0, "jdbc:", 0, 5)) {
      throw CliException.usage(
          "unsupported store URL "
              + StorePolicy.redact(argument)
              + "; agent-store opens SQLite files and jdbc:postgresql: URLs");
    }
    if (OTHER_URL.matcher(argument).matches()) {
      throw CliException.usage(
          "STORE "
              + StorePolicy.redact(argument)
              + " looks like a URL; a PostgreSQL store is named"
              + " jdbc:postgresql://host:port/database");
    }
    if (schema != null) {
      throw CliException.usage("--schema applies to PostgreSQL stores only");
    }
    try {
      return new StoreRef(Path.of(argument), null, null, "", connectTimeout);
    } catch (InvalidPathException e) {
      throw CliException.usage("STORE " + argument + " is not a valid path: " + e.getReason());
    }
  }

  /**
   * The store a TOML policy describes ({@link StorePolicy#read}).
   *
   * @throws CliException (usage) when the policy is invalid, (store) when it cannot be read
   */
  static StoreRef policy(Path policyFile, @Nullable String schema, Duration connectTimeout) {
    if (schema != null) {
      throw CliException.usage(
          "--schema cannot be combined with --policy; set schema in the policy");
    }
    StorePolicy policy;
    try {
      policy = StorePolicy.read(policyFile);
    } catch (InvalidInputException e) {
      // What the user wrote is wrong (an unknown key, a bad value, invalid TOML): a usage error,
      // whose message names the key and the file. A file that cannot be read stays exit code 3.
      throw new CliException(Main.EXIT_USAGE, e.getMessage(), e);
    } catch (StoreException e) {
      throw new CliException(Main.EXIT_STORE, e.getMessage(), e);
    }
    if (StorePolicy.SQLITE.equals(policy.backend())) {
      return new StoreRef(policy.path().orElseThrow(), null, policy, "", connectTimeout);
    }
    DriverLog.silence();
    String policySchema = policy.setting("schema").orElse("public");
    return new StoreRef(null, policy.url().orElseThrow(), policy, policySchema, connectTimeout);
  }

  /**
   * The PostgreSQL driver logs through java.util.logging (a malformed URL, a failed connection);
   * the command reports those itself, in one line. Loaded only when a URL is seen.
   */
  private static final class DriverLog {
    // Held strongly: java.util.logging keeps only weak references to configured loggers.
    private static final Logger LOGGER = Logger.getLogger("org.postgresql");

    static void silence() {
      LOGGER.setLevel(Level.OFF);
    }
  }

  private static String checkedSchema(@Nullable String schema) {
    if (schema == null) {
      return PostgresOptions.defaults().schema();
    }
    try {
      return PostgresOptions.defaults().withSchema(schema).schema();
    } catch (InvalidInputException e) {
      throw CliException.usage("--schema: " + e.getMessage());
    }
  }

  boolean isPostgres() {
    return url != null;
  }

  /** Where the store is, for messages: a path, or host:port/database and schema; no password. */
  String shown() {
    if (file != null) {
      return file.toString();
    }
    return PostgresBackend.serverAddress(url) + " (schema " + schema + ")";
  }

  /** The file, or host:port/database of the server; never a password. */
  String address() {
    return file != null ? file.toString() : PostgresBackend.serverAddress(url);
  }

  /** A key equal for two references to the same store, to refuse copying a store onto itself. */
  String identity() {
    if (file != null) {
      Path absolute = file.toAbsolutePath().normalize();
      try {
        return "sqlite:" + (Files.exists(absolute) ? absolute.toRealPath() : absolute);
      } catch (IOException e) {
        return "sqlite:" + absolute;
      }
    }
    return "postgres:" + PostgresBackend.serverAddress(url) + "/" + schema;
  }

  /**
   * Opens the store for a command that writes, with agent-store's tables in place. Without {@code
   * create}, only an existing agent-store store is accepted: a missing file, an empty file, another
   * application's SQLite database or a PostgreSQL schema without the tables is refused before
   * anything is written (opening a SQLite file for writing would already switch it to WAL for
   * good). With {@code create}, the tables are added; when that fails on a SQLite file this call
   * created, the empty file is removed again.
   *
   * @throws CliException (store) when the store is not an agent-store store and {@code create} is
   *     false
   */
  Store openForWriting(boolean create) {
    if (file != null) {
      Path absolute = file.toAbsolutePath().normalize();
      if (!create && Files.exists(absolute)) {
        requireStoreFile(absolute);
      }
      List<Path> created = new ArrayList<>();
      for (String suffix : List.of("", "-wal", "-shm", "-journal")) {
        Path path = Path.of(absolute + suffix);
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
          created.add(path);
        }
      }
      try {
        return withTables(open(create ? Access.CREATE : Access.WRITE));
      } catch (RuntimeException e) {
        if (create && created.contains(absolute)) {
          removeIfEmpty(created, absolute);
        }
        throw e;
      }
    }
    Store store = open(Access.WRITE);
    try {
      if (!create && !store.hasTable(Store.LOG) && !store.hasTable(Store.META)) {
        throw CliException.store(
            "cannot write to "
                + shown()
                + ": schema "
                + schema
                + " holds no agent-store tables ("
                + Store.LOG
                + " and "
                + Store.META
                + " are missing); add --create to create them");
      }
      return withTables(store);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** Refuses a SQLite file that is not an agent-store store, reading it without changing it. */
  private void requireStoreFile(Path absolute) {
    try {
      if (Files.size(absolute) == 0) {
        throw CliException.store(
            "cannot write to "
                + absolute
                + ": it is an empty file, not an agent-store store; add --create to make it one");
      }
    } catch (IOException e) {
      throw CliException.store("cannot read " + absolute + ": " + e.getMessage());
    }
    SqliteOptions options = policy == null ? SqliteOptions.defaults() : policy.sqliteOptions();
    try (Store store = new Store(SqliteBackend.open(absolute, options.withReadOnly(true)), null)) {
      if (!store.hasTable(Store.LOG) && !store.hasTable(Store.META)) {
        throw CliException.store(
            "cannot write to "
                + absolute
                + ": it is a SQLite database without agent-store's tables ("
                + Store.LOG
                + " and "
                + Store.META
                + " are missing); add --create to add them");
      }
    }
  }

  private static Store withTables(Store store) {
    try {
      store.ensureTables();
      return store;
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /**
   * Removes the store file this command created when it is still empty (a failed open or schema
   * creation, e.g. on a full disk), with the journal files SQLite made beside it.
   */
  private static void removeIfEmpty(List<Path> created, Path file) {
    try {
      if (Files.size(file) != 0) {
        return;
      }
      for (Path path : created) {
        Files.deleteIfExists(path);
      }
    } catch (IOException ignored) {
      // The failure that brought us here is the one to report.
    }
  }

  /**
   * Opens the store for {@code access}.
   *
   * @throws CliException (store) when a SQLite file that must exist does not
   * @throws StoreException when the backend cannot open it
   */
  Store open(Access access) {
    if (file != null) {
      Path absolute = file.toAbsolutePath().normalize();
      if (access != Access.CREATE && !Files.exists(absolute)) {
        throw CliException.store(
            "cannot open SQLite store "
                + absolute
                + ": the file does not exist"
                + (access == Access.WRITE ? " (add --create to make a new store)" : ""));
      }
      SqliteOptions options = policy == null ? SqliteOptions.defaults() : policy.sqliteOptions();
      if (access == Access.READ) {
        options = options.withReadOnly(true);
      }
      return new Store(SqliteBackend.open(absolute, options), options.durability());
    }
    if (policy != null) {
      return new Store(policy.open(), null);
    }
    PostgresOptions options =
        PostgresOptions.defaults()
            .withSchema(schema)
            .withPoolSize(2)
            .withConnectTimeout(connectTimeout);
    return new Store(PostgresBackend.connect(url, options), null);
  }
}
