package dev.agentstore;

import dev.agentstore.internal.Args;
import dev.agentstore.internal.BackendProvider;
import dev.agentstore.internal.TomlPolicy;
import dev.agentstore.sqlite.SqliteBackend;
import dev.agentstore.sqlite.SqliteOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * A declarative choice of backend, usually read from TOML — a bare policy file or the {@code
 * [store]} table of a consumer's existing configuration:
 *
 * <pre>{@code
 * [store]
 * backend = "sqlite"          # the default
 * path = "data/agents.db"     # relative paths are relative to the TOML file
 * durability = "normal"       # or "full"
 * commit_check_interval_ms = 10  # how often followers check for other processes' commits
 * require_signatures = true   # verify: unsigned entries of fingerprint-named writers break
 *
 * # or
 * [store]
 * backend = "postgres"
 * url = "jdbc:postgresql://db.internal:5432/fleet?user=agent"
 * schema = "fleet_a"
 * pool_size = 8
 * commit_notifications = true  # false: no NOTIFY trigger, no LISTEN; followers poll
 * }</pre>
 *
 * An empty or absent section means the SQLite default ({@value #DEFAULT_SQLITE_FILE} in the working
 * directory). Unknown backends, unknown keys and missing required keys are errors that name the
 * source. Reading TOML needs {@code com.electronwill.night-config:toml} on the class path; building
 * a policy in code does not. Immutable and thread-safe.
 */
public final class StorePolicy {
  /** The {@code backend} value of a SQLite policy. */
  public static final String SQLITE = "sqlite";

  /** The {@code backend} value of a PostgreSQL policy. */
  public static final String POSTGRES = "postgres";

  /** The file the default policy opens. */
  public static final String DEFAULT_SQLITE_FILE = "agent-store.db";

  private static final Set<String> SQLITE_KEYS =
      Set.of(
          "backend",
          "path",
          "durability",
          "busy_timeout_ms",
          "read_only",
          "commit_check_interval_ms",
          "require_signatures");
  private static final Set<String> POSTGRES_KEYS =
      Set.of(
          "backend",
          "url",
          "schema",
          "pool_size",
          "connect_timeout_ms",
          "statement_timeout_ms",
          "lock_timeout_ms",
          "commit_notifications",
          "require_signatures");

  /** The longest {@code commit_check_interval_ms}: an hour, as {@link SqliteOptions} allows. */
  private static final long MAX_COMMIT_CHECK_INTERVAL_MS = 3_600_000;

  private final String backend;
  private final Map<String, Object> settings;
  private final String source;

  private StorePolicy(String backend, Map<String, Object> settings, String source) {
    this.backend = backend;
    this.settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    this.source = source;
  }

  /**
   * SQLite at {@value #DEFAULT_SQLITE_FILE} in the working directory.
   *
   * @return the default policy
   */
  public static StorePolicy defaults() {
    return sqlite(Path.of(DEFAULT_SQLITE_FILE));
  }

  /**
   * SQLite at {@code path} with default options.
   *
   * @param path the database file
   * @return the policy
   */
  public static StorePolicy sqlite(Path path) {
    Args.notNull(path, "path");
    return new StorePolicy(SQLITE, Map.of("path", path.toString()), "code");
  }

  /**
   * PostgreSQL at a JDBC URL (needs the {@code agent-store-postgres} module to open).
   *
   * @param jdbcUrl the JDBC URL, e.g. {@code jdbc:postgresql://host/db}
   * @return the policy
   */
  public static StorePolicy postgres(String jdbcUrl) {
    Args.notNull(jdbcUrl, "jdbcUrl");
    return new StorePolicy(POSTGRES, Map.of("url", jdbcUrl), "code");
  }

  /**
   * Reads a policy from TOML text: the {@code [store]} table when the document has one, else the
   * document's top-level keys. Relative paths are relative to the working directory.
   *
   * @param toml the TOML text
   * @return the policy
   */
  public static StorePolicy parse(String toml) {
    Args.notNull(toml, "toml");
    return fromTable(readToml(toml, null, "policy text"), null, "policy text");
  }

  /**
   * Reads the table {@code section} (for example {@code "store"}) of a consumer's TOML text; an
   * absent section means the defaults.
   *
   * @param toml the TOML text
   * @param section the table's name
   * @return the policy
   */
  public static StorePolicy parseSection(String toml, String section) {
    Args.notNull(toml, "toml");
    Args.notNull(section, "section");
    return fromTable(readToml(toml, section, "policy text"), null, "policy text");
  }

  /**
   * Reads a policy from a TOML file, like {@link #parse}; a relative {@code path} is taken relative
   * to the file's directory.
   *
   * @param file the TOML file
   * @return the policy
   */
  public static StorePolicy read(Path file) {
    Args.notNull(file, "file");
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new StoreException("cannot read store policy " + file + ": " + e, e);
    }
    Path base = file.toAbsolutePath().getParent();
    return fromTable(readToml(text, null, file.toString()), base, file.toString());
  }

  /** The TOML artifact, as a build file names it. */
  static final String TOML_ARTIFACT = "com.electronwill.night-config:toml";

  /**
   * {@link TomlPolicy#read}, after checking that the TOML library is there: it is an optional
   * dependency, and without it the first use of {@link TomlPolicy} would fail with a bare {@code
   * NoClassDefFoundError} naming a class, not the artifact to add.
   */
  private static Map<String, Object> readToml(
      String toml, @Nullable String section, String source) {
    ClassLoader loader = StorePolicy.class.getClassLoader();
    try {
      Class.forName("com.electronwill.nightconfig.core.UnmodifiableConfig", false, loader);
      Class.forName("com.electronwill.nightconfig.toml.TomlParser", false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      throw new StoreException(
          "cannot read the store policy in "
              + source
              + ": reading TOML needs the Maven artifact "
              + TOML_ARTIFACT
              + " on the class path, and it is missing",
          e);
    }
    return TomlPolicy.read(toml, section, source);
  }

  private static StorePolicy fromTable(
      Map<String, Object> table, @Nullable Path base, String source) {
    Object kind = table.getOrDefault("backend", SQLITE);
    if (!(kind instanceof String name)) {
      throw new InvalidInputException("backend in " + source + " must be a string, found " + kind);
    }
    Set<String> allowed;
    if (SQLITE.equals(name)) {
      allowed = SQLITE_KEYS;
    } else if (POSTGRES.equals(name)) {
      allowed = POSTGRES_KEYS;
    } else {
      throw new InvalidInputException(
          "unknown backend \""
              + name
              + "\" in "
              + source
              + "; expected \"sqlite\" or \"postgres\"");
    }
    for (String key : table.keySet()) {
      if (!allowed.contains(key)) {
        throw new InvalidInputException(
            "unknown key \""
                + key
                + "\" for backend "
                + name
                + " in "
                + source
                + "; known keys: "
                + new TreeSet<>(allowed));
      }
    }
    Map<String, Object> settings = new LinkedHashMap<>(table);
    settings.remove("backend");
    if (SQLITE.equals(name)) {
      Object path = settings.getOrDefault("path", DEFAULT_SQLITE_FILE);
      if (!(path instanceof String text) || text.isBlank()) {
        throw new InvalidInputException(
            "path in " + source + " must be a non-empty string, found " + path);
      }
      Path resolved = base == null ? Path.of(text) : base.resolve(text);
      settings.put("path", resolved.toString());
    } else if (!(settings.get("url") instanceof String url) || url.isBlank()) {
      throw new InvalidInputException(
          "backend postgres in " + source + " needs url = \"jdbc:postgresql://host:port/db\"");
    }
    StorePolicy policy = new StorePolicy(name, settings, source);
    if (SQLITE.equals(name)) {
      policy.sqliteOptions();
    } else {
      policy.booleanSetting("commit_notifications");
    }
    return policy;
  }

  /**
   * {@value #SQLITE} or {@value #POSTGRES}.
   *
   * @return {@value #SQLITE} or {@value #POSTGRES}
   */
  public String backend() {
    return backend;
  }

  /** {@return the SQLite file, for a SQLite policy} */
  public Optional<Path> path() {
    return setting("path").map(Path::of);
  }

  /** {@return the JDBC URL, for a PostgreSQL policy} */
  public Optional<String> url() {
    return setting("url");
  }

  /**
   * {@return a setting as text, when present}
   *
   * @param key the setting's name, e.g. {@code busy_timeout_ms}; an unknown name gives empty
   */
  public Optional<String> setting(String key) {
    return Optional.ofNullable(settings.get(key)).map(String::valueOf);
  }

  /**
   * {@return an integer setting, when present}
   *
   * @param key the setting's name, e.g. {@code busy_timeout_ms}
   * @throws InvalidInputException naming the key and the policy's source when the value is not an
   *     integer
   */
  public OptionalLong longSetting(String key) {
    Object value = settings.get(key);
    if (value == null) {
      return OptionalLong.empty();
    }
    if (value instanceof Number number && !(value instanceof Double) && !(value instanceof Float)) {
      return OptionalLong.of(number.longValue());
    }
    throw new InvalidInputException(key + " in " + source + " must be an integer, found " + value);
  }

  /**
   * {@return a true/false setting, when present}
   *
   * @param key the setting's name, e.g. {@code commit_notifications}
   * @throws InvalidInputException naming the key and the policy's source when the value is not
   *     {@code true} or {@code false}
   */
  public Optional<Boolean> booleanSetting(String key) {
    Object value = settings.get(key);
    if (value == null) {
      return Optional.empty();
    }
    if (value instanceof Boolean flag) {
      return Optional.of(flag);
    }
    throw new InvalidInputException(
        key + " in " + source + " must be true or false, found " + value);
  }

  /**
   * {@return how verifying this store treats signatures: {@code require_signatures = true} (either
   * backend) makes an unsigned entry of a writer named by a key fingerprint a break; absent,
   * signatures present are checked and none is required}
   *
   * @throws InvalidInputException when {@code require_signatures} is not true or false
   */
  public VerifyOptions verifyOptions() {
    return VerifyOptions.defaults()
        .withRequireSignatures(booleanSetting("require_signatures").orElse(false));
  }

  /** {@return where this policy came from (a file, "policy text" or "code"), for messages} */
  public String source() {
    return source;
  }

  /** {@return the SQLite options this policy describes} */
  public SqliteOptions sqliteOptions() {
    SqliteOptions options = SqliteOptions.defaults();
    Optional<String> durability = setting("durability");
    if (durability.isPresent()) {
      String value = durability.get().toUpperCase(Locale.ROOT);
      if (!List.of("NORMAL", "FULL").contains(value)) {
        throw new InvalidInputException(
            "durability in "
                + source
                + " must be \"normal\" or \"full\", found \""
                + durability.get()
                + "\"");
      }
      options = options.withDurability(Durability.valueOf(value));
    }
    OptionalLong timeout = longSetting("busy_timeout_ms");
    if (timeout.isPresent()) {
      if (timeout.getAsLong() < 0 || timeout.getAsLong() > Integer.MAX_VALUE) {
        throw new InvalidInputException(
            "busy_timeout_ms in " + source + " out of range: " + timeout.getAsLong());
      }
      options = options.withBusyTimeout(Duration.ofMillis(timeout.getAsLong()));
    }
    OptionalLong commitCheck = longSetting("commit_check_interval_ms");
    if (commitCheck.isPresent()) {
      long millis = commitCheck.getAsLong();
      if (millis < 1 || millis > MAX_COMMIT_CHECK_INTERVAL_MS) {
        throw new InvalidInputException(
            "commit_check_interval_ms in "
                + source
                + " must be 1 to "
                + MAX_COMMIT_CHECK_INTERVAL_MS
                + " (milliseconds), got "
                + millis);
      }
      options = options.withCommitCheckInterval(Duration.ofMillis(millis));
    }
    Optional<Boolean> readOnly = booleanSetting("read_only");
    if (readOnly.isPresent()) {
      options = options.withReadOnly(readOnly.get());
    }
    return options;
  }

  /**
   * Opens the backend this policy names.
   *
   * @return the open backend; the caller closes it
   * @throws StoreException when the backend's module is not on the class path (the message names
   *     the Maven artifact to add), or when the store cannot be opened
   */
  public Backend open() {
    if (SQLITE.equals(backend)) {
      return SqliteBackend.open(path().orElseThrow(), sqliteOptions());
    }
    for (BackendProvider provider : ServiceLoader.load(BackendProvider.class)) {
      if (provider.name().equals(backend)) {
        return provider.open(this);
      }
    }
    throw new StoreException(
        "backend \""
            + backend
            + "\" (from "
            + source
            + ") needs the module dev.agentstore:agent-store-"
            + backend
            + " on the class path; add it as a dependency");
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof StorePolicy that
        && backend.equals(that.backend)
        && settings.equals(that.settings);
  }

  @Override
  public int hashCode() {
    return Objects.hash(backend, settings);
  }

  /** The backend and its location, never a password. */
  @Override
  public String toString() {
    return "StorePolicy["
        + backend
        + " "
        + (SQLITE.equals(backend) ? setting("path").orElse("") : redact(url().orElse("")))
        + "]";
  }

  /**
   * {@code url} with any password parameter or user-info password replaced by {@code ***}.
   *
   * @param url a JDBC URL
   * @return {@code url} with any password parameter or user-info password replaced by {@code ***}
   */
  public static String redact(String url) {
    return url.replaceAll("(?i)(password=)[^&;]*", "$1***")
        .replaceAll("//([^:/@]+):[^@/]*@", "//$1:***@");
  }
}
