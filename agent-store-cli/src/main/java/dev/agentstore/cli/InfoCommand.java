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
      description = "Print the result as JSON (see the README for its shape).")
  boolean json;

  /** One of agent-store's tables as found. */
  private record TableInfo(
      String name, boolean present, long rows, String layout, @Nullable String detail) {}

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
      @Nullable Long generations) {
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
        generations(store, tables));
  }

  private static Facts postgres(Store store, String address) {
    List<TableInfo> tables = tables(store);
    long size = 0;
    for (String table : List.of(Store.LOG, Store.META)) {
      size +=
          store
              .db()
              .query(
                  "SELECT COALESCE(pg_total_relation_size(to_regclass(?)), 0)",
                  row -> row.getLong(1),
                  store.table(table))
              .get(0);
    }
    return new Facts(
        store.describe(),
        "postgres",
        text(store, "SELECT current_setting('server_version')"),
        address,
        store.schema(),
        size,
        null,
        null,
        text(store, "SELECT current_setting('wal_level')"),
        text(store, "SELECT current_setting('synchronous_commit')"),
        tables,
        chains(store, tables),
        streams(store, tables),
        generations(store, tables));
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
          "File size:     %,d bytes (write-ahead log: %,d bytes)%n",
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
      out.printf(Locale.ROOT, "Table size:    %,d bytes (with indexes)%n", f.sizeBytes());
      out.println("WAL level:     " + f.walLevel());
      out.println("Synchronous:   synchronous_commit = " + f.synchronous());
    }
    out.println();
    Table table = new Table("TABLE", "ROWS>", "LAYOUT");
    for (TableInfo t : f.tables()) {
      table.add(
          t.name(), t.present() ? String.format(Locale.ROOT, "%,d", t.rows()) : "-", t.layout());
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
