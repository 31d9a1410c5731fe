package dev.agentstore.cli;

import dev.agentstore.Generation;
import dev.agentstore.SchemaMismatchException;
import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Describes a store: backend, size, durability settings, tables and whether they are ours. */
@Command(
    name = "info",
    customSynopsis = {"agent-store info [OPTIONS] (STORE | --policy FILE)"},
    header = "Describes a store: backend, size, settings, tables, layout.",
    mixinStandardHelpOptions = true,
    description = {
      "Describes the store: backend and version, file size (SQLite) or table size (PostgreSQL),"
          + " journal mode and synchronous setting, row counts, and whether both tables have the"
          + " reference layout that Rust and Java agents share.",
      "Reads only; a SQLite file is opened read-only."
    },
    footer = {
      "",
      "Examples:",
      "  agent-store info agents.db",
      "  agent-store info 'jdbc:postgresql://db/fleet?user=agent' --schema fleet --json"
    })
final class InfoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin StoreArgs storeArgs;

  @Option(
      names = "--json",
      description = "Print the result as JSON (see docs/commands.md for its shape).")
  boolean json;

  /** One of agent-store's tables as found. */
  private record TableInfo(
      String name, boolean present, long rows, String layout, @Nullable String detail) {}

  /**
   * What a PostgreSQL operator asks first: which role this is and what it may do, whether commit
   * notifications are installed and switched on, and how big the tables and their indexes are.
   *
   * @param trigger the announcing trigger's state: {@code missing}, {@code enabled} (it notifies
   *     while a listener is registered) or {@code disabled} (left so by an earlier version until
   *     {@code ensureSchema} upgrades the store, or by hand)
   * @param listeners rows in the listeners table; null when it is missing or unreadable
   */
  private record Operator(
      String role,
      boolean mayRead,
      boolean mayAppend,
      boolean mayBump,
      boolean mayListen,
      boolean mayInstall,
      String trigger,
      @Nullable Long listeners,
      long tableBytes,
      long indexBytes) {}

  /** Everything info reports. */
  private record Facts(
      String store,
      String backend,
      String version,
      String location,
      @Nullable String schema,
      long sizeBytes,
      @Nullable Long walBytes,
      @Nullable String journalMode,
      @Nullable String walLevel,
      String synchronous,
      List<TableInfo> tables,
      @Nullable Long chains,
      @Nullable Long streams,
      @Nullable Long generations,
      @Nullable Operator operator) {
    boolean schemaMatches() {
      return tables.stream().allMatch(t -> t.layout().equals("reference"));
    }
  }

  @Override
  public Integer call() {
    StoreRef ref = storeArgs.parse().store();
    PrintWriter out = spec.commandLine().getOut();
    try (Store store = ref.open(StoreRef.Access.READ)) {
      Facts facts = store.isPostgres() ? postgres(store, ref.address()) : sqlite(store);
      if (json) {
        printJson(out, facts);
      } else {
        printText(out, facts);
      }
      return 0;
    }
  }

  private static Facts sqlite(Store store) {
    Path file = ((SqliteBackend) store.db()).path().orElseThrow();
    Path wal = Path.of(file + "-wal");
    List<TableInfo> tables = tables(store);
    return new Facts(
        store.describe(),
        "sqlite",
        text(store, "SELECT sqlite_version()"),
        file.toString(),
        null,
        size(file),
        Files.exists(wal) ? size(wal) : 0L,
        text(store, "PRAGMA journal_mode"),
        null,
        String.valueOf(store.durability()),
        tables,
        chains(store, tables),
        streams(store, tables),
        generations(store, tables),
        null);
  }

  private static Facts postgres(Store store, String address) {
    List<TableInfo> tables = tables(store);
    Operator operator = operator(store);
    return new Facts(
        store.describe(),
        "postgres",
        text(store, "SELECT current_setting('server_version')"),
        address,
        store.schema(),
        operator.tableBytes() + operator.indexBytes(),
        null,
        null,
        text(store, "SELECT current_setting('wal_level')"),
        text(store, "SELECT current_setting('synchronous_commit')"),
        tables,
        chains(store, tables),
        streams(store, tables),
        generations(store, tables),
        operator);
  }

  private static final String LISTENERS = "_agent_store_listeners";

  private static Operator operator(Store store) {
    String log = store.table(Store.LOG);
    String meta = store.table(Store.META);
    String listeners = store.table(LISTENERS);
    String schema = String.valueOf(store.schema());
    // has_*_privilege answers for the role as it is now, grants through other roles included; a
    // missing table answers false rather than failing.
    Operator found =
        store
            .db()
            .query(
                "SELECT current_user::text,"
                    + " COALESCE(has_table_privilege(to_regclass(?), 'SELECT'), false)::int,"
                    + " COALESCE(has_table_privilege(to_regclass(?), 'INSERT'), false)::int,"
                    + " COALESCE(has_table_privilege(to_regclass(?), 'INSERT')"
                    + "   AND has_table_privilege(to_regclass(?), 'UPDATE'), false)::int,"
                    + " COALESCE(has_table_privilege(to_regclass(?), 'INSERT')"
                    + "   AND has_table_privilege(to_regclass(?), 'DELETE'), false)::int,"
                    + " COALESCE((SELECT pg_has_role(relowner, 'USAGE') FROM pg_class"
                    + "   WHERE oid = to_regclass(?)),"
                    + "   (SELECT has_schema_privilege(oid, 'CREATE') FROM pg_namespace"
                    + "   WHERE nspname = ?),"
                    + "   has_database_privilege(current_database(), 'CREATE'))::int,"
                    + " COALESCE((SELECT CASE WHEN tgenabled = 'D' THEN 'disabled' ELSE 'enabled'"
                    + "   END FROM pg_trigger WHERE tgname = '_agent_store_announce'"
                    + "   AND tgrelid = to_regclass(?)), 'missing'),"
                    + " COALESCE(pg_table_size(to_regclass(?)), 0)"
                    + "   + COALESCE(pg_table_size(to_regclass(?)), 0),"
                    + " COALESCE(pg_indexes_size(to_regclass(?)), 0)"
                    + "   + COALESCE(pg_indexes_size(to_regclass(?)), 0)",
                row ->
                    new Operator(
                        row.getString(1),
                        row.getLong(2) == 1,
                        row.getLong(3) == 1,
                        row.getLong(4) == 1,
                        row.getLong(5) == 1,
                        row.getLong(6) == 1,
                        row.getString(7),
                        null,
                        row.getLong(8),
                        row.getLong(9)),
                log,
                log,
                meta,
                meta,
                listeners,
                listeners,
                log,
                schema,
                log,
                log,
                meta,
                log,
                meta)
            .get(0);
    boolean readable =
        store
            .db()
            .query(
                "SELECT COALESCE(has_table_privilege(to_regclass(?), 'SELECT'), false)::int",
                row -> row.getLong(1) == 1,
                listeners)
            .get(0);
    if (!readable) {
      return found;
    }
    long registered =
        store.db().query("SELECT COUNT(*) FROM " + listeners, row -> row.getLong(1)).get(0);
    return new Operator(
        found.role(),
        found.mayRead(),
        found.mayAppend(),
        found.mayBump(),
        found.mayListen(),
        found.mayInstall(),
        found.trigger(),
        registered,
        found.tableBytes(),
        found.indexBytes());
  }

  private static List<TableInfo> tables(Store store) {
    List<TableInfo> tables = new ArrayList<>();
    for (String table : List.of(Store.LOG, Store.META)) {
      if (!store.hasTable(table)) {
        tables.add(new TableInfo(table, false, 0, "missing", null));
        continue;
      }
      String layout = "reference";
      String detail = null;
      try {
        if (table.equals(Store.LOG)) {
          WriterLog.checkSchema(store.db());
        } else {
          Generation.checkSchema(store.db());
        }
      } catch (SchemaMismatchException e) {
        layout = "different";
        detail = e.getMessage();
      }
      tables.add(new TableInfo(table, true, store.rows(table), layout, detail));
    }
    return tables;
  }

  private static boolean usable(List<TableInfo> tables, String table) {
    return tables.stream().anyMatch(t -> t.name().equals(table) && t.layout().equals("reference"));
  }

  private static @Nullable Long chains(Store store, List<TableInfo> tables) {
    return usable(tables, Store.LOG) ? (long) store.chains(null).size() : null;
  }

  private static @Nullable Long streams(Store store, List<TableInfo> tables) {
    return usable(tables, Store.LOG) ? (long) Store.byStream(store.chains(null)).size() : null;
  }

  private static @Nullable Long generations(Store store, List<TableInfo> tables) {
    return usable(tables, Store.META) ? store.rows(Store.META) : null;
  }

  private static String text(Store store, String sql) {
    return String.valueOf(store.db().query(sql, row -> row.getString(1)).get(0));
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw CliException.store("cannot read the size of " + file + ": " + e.getMessage());
    }
  }

  private static void printText(PrintWriter out, Facts f) {
    out.println("Store:         " + f.store());
    if (f.backend().equals("sqlite")) {
      out.println("Backend:       SQLite " + f.version() + " (embedded)");
      out.printf(
          Locale.ROOT,
          "File size:     %d bytes (write-ahead log: %d bytes)%n",
          f.sizeBytes(),
          f.walBytes());
      out.println("Journal mode:  " + f.journalMode());
      out.println(
          "Synchronous:   "
              + f.synchronous()
              + " (set by agent-store on each connection it writes with; not stored in the"
              + " file)");
    } else {
      out.println("Backend:       PostgreSQL " + f.version());
      out.println("Schema:        " + f.schema());
      Operator o = Objects.requireNonNull(f.operator());
      out.printf(
          Locale.ROOT,
          "Table size:    %d bytes (tables %d, indexes %d)%n",
          f.sizeBytes(),
          o.tableBytes(),
          o.indexBytes());
      out.println("WAL level:     " + f.walLevel());
      out.println("Synchronous:   synchronous_commit = " + f.synchronous());
      out.println(
          "Role:          "
              + o.role()
              + " (may read: "
              + yes(o.mayRead())
              + ", append: "
              + yes(o.mayAppend())
              + ", bump: "
              + yes(o.mayBump())
              + ", listen: "
              + yes(o.mayListen())
              + ", install: "
              + yes(o.mayInstall())
              + ")");
      out.println("Notifications: " + notifications(o));
    }
    out.println();
    Table table = new Table("TABLE", "ROWS>", "LAYOUT");
    for (TableInfo t : f.tables()) {
      table.add(
          t.name(), t.present() ? String.format(Locale.ROOT, "%d", t.rows()) : "-", t.layout());
    }
    table.print(out);
    for (TableInfo t : f.tables()) {
      if (t.detail() != null) {
        out.println("  " + t.detail());
      }
    }
    out.println();
    out.println(
        f.schemaMatches()
            ? "Schema matches the reference layout."
            : "Schema does NOT match the reference layout (see above).");
    if (f.chains() != null) {
      out.printf(
          Locale.ROOT,
          "%d %s in %d %s",
          f.chains(),
          f.chains() == 1 ? "chain" : "chains",
          f.streams(),
          f.streams() == 1 ? "stream" : "streams");
      if (f.generations() != null) {
        out.printf(
            Locale.ROOT,
            ", %d %s",
            f.generations(),
            f.generations() == 1 ? "generation" : "generations");
      }
      out.println(".");
    }
  }

  private static String yes(boolean may) {
    return may ? "yes" : "no";
  }

  private static String notifications(Operator o) {
    String listeners =
        o.listeners() == null
            ? "listeners unknown"
            : o.listeners() + (o.listeners() == 1 ? " listener" : " listeners") + " registered";
    return switch (o.trigger()) {
      case "missing" -> "not installed (followers in other processes poll)";
      case "enabled" ->
          o.listeners() != null && o.listeners() == 0
              ? "installed, off until a listener registers; " + listeners
              : "installed, on; " + listeners;
      default -> "installed, disabled (ensureSchema enables it); " + listeners;
    };
  }

  private static void printJson(PrintWriter out, Facts f) {
    Json json =
        new Json(out)
            .beginObject()
            .field("store", f.store())
            .field("backend", f.backend())
            .field("version", f.version())
            .field("location", f.location())
            .field("schema", f.schema())
            .field("size_bytes", f.sizeBytes());
    nullable(json, "wal_bytes", f.walBytes());
    json.field("journal_mode", f.journalMode())
        .field("wal_level", f.walLevel())
        .field("synchronous", f.synchronous());
    json.name("tables").beginArray();
    for (TableInfo t : f.tables()) {
      json.beginObject()
          .field("name", t.name())
          .field("present", t.present())
          .field("rows", t.rows())
          .field("layout", t.layout())
          .field("detail", t.detail())
          .endObject();
    }
    json.endArray();
    json.field("schema_matches", f.schemaMatches());
    nullable(json, "chains", f.chains());
    nullable(json, "streams", f.streams());
    nullable(json, "generations", f.generations());
    Operator o = f.operator();
    if (o != null) {
      json.field("role", o.role()).field("index_bytes", o.indexBytes());
      json.name("privileges")
          .beginObject()
          .field("read", o.mayRead())
          .field("append", o.mayAppend())
          .field("bump", o.mayBump())
          .field("listen", o.mayListen())
          .field("install", o.mayInstall())
          .endObject();
      json.name("notifications").beginObject().field("trigger", o.trigger());
      nullable(json, "listeners", o.listeners());
      json.endObject();
    }
    json.endObject();
  }

  private static void nullable(Json json, String name, @Nullable Long value) {
    if (value == null) {
      json.name(name).value((String) null);
    } else {
      json.field(name, value.longValue());
    }
  }
}
