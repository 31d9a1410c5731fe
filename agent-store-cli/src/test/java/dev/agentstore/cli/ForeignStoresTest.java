package dev.agentstore.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.agentstore.postgres.PostgresBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writing commands never convert a file or schema that is not an agent-store store: without {@code
 * --create}, a missing file, an empty file, another application's SQLite database and a PostgreSQL
 * schema without the tables are refused, naming the place and suggesting {@code --create}, and left
 * byte for byte as they were.
 */
class ForeignStoresTest {
  @TempDir Path dir;

  @Test
  void anEmptyFileIsRefusedUntouchedAndConvertedOnlyWithCreate() throws Exception {
    Path empty = Files.createFile(dir.resolve("empty.db"));
    String refused =
        "agent-store: cannot write to "
            + empty.toAbsolutePath()
            + ": it is an empty file, not an agent-store store; add --create to make it one\n";
    for (List<String> command : writingCommands(empty)) {
      Cli.Result run = Cli.run(command.toArray(String[]::new)).expect(Main.EXIT_STORE);
      assertEquals(refused, run.err(), command.toString());
      assertEquals(0, Files.size(empty), command.toString());
      assertEquals(List.of(empty), listing(), command.toString());
    }
    Cli.run("append", empty.toString(), "--stream", "s", "--writer", "w", "x", "--create")
        .expect(0);
    Cli.run("verify", empty.toString()).expect(0);
  }

  @Test
  void anotherApplicationsDatabaseIsRefusedUntouchedAndConvertedOnlyWithCreate() throws Exception {
    Path foreign = dir.resolve("app.db");
    try (Connection app = DriverManager.getConnection("jdbc:sqlite:" + foreign);
        Statement statement = app.createStatement()) {
      statement.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)");
      statement.execute("INSERT INTO users (name) VALUES ('ada')");
    }
    byte[] before = Files.readAllBytes(foreign);
    String refused =
        "agent-store: cannot write to "
            + foreign.toAbsolutePath()
            + ": it is a SQLite database without agent-store's tables (_agent_store_log and"
            + " _agent_store_meta are missing); add --create to add them\n";
    for (List<String> command : writingCommands(foreign)) {
      Cli.Result run = Cli.run(command.toArray(String[]::new)).expect(Main.EXIT_STORE);
      assertEquals(refused, run.err(), command.toString());
      assertArrayEquals(before, Files.readAllBytes(foreign), command.toString());
      assertEquals(List.of(foreign), listing(), command.toString());
      assertEquals("delete", journalMode(foreign), "still in its own journal mode");
    }
    Cli.run("gen", "bump", foreign.toString(), "g", "--create").expect(0);
    assertEquals("1\n", Cli.run("gen", foreign.toString(), "g").expect(0).out());
  }

  @Test
  void aMissingFileIsRefusedByEveryWritingCommandAndNotCreated() throws Exception {
    Path missing = dir.resolve("missing.db");
    String refused =
        "agent-store: cannot open SQLite store "
            + missing.toAbsolutePath()
            + ": the file does not exist (add --create to make a new store)\n";
    for (List<String> command : writingCommands(missing)) {
      Cli.Result run = Cli.run(command.toArray(String[]::new)).expect(Main.EXIT_STORE);
      assertEquals(refused, run.err(), command.toString());
      assertFalse(Files.exists(missing), command.toString());
    }
  }

  @Test
  void aPostgresSchemaWithoutTheTablesIsRefusedAndNotCreatedUnlessAsked() {
    try (TestStores.Schema schema = TestStores.schema()) {
      String url = TestStores.PG_URL;
      Cli.Result run =
          Cli.run("append", url, "--schema", schema.name(), "--stream", "s", "--writer", "w", "x")
              .expect(Main.EXIT_STORE);
      assertEquals(
          "agent-store: cannot write to "
              + PostgresBackend.serverAddress(TestStores.PG_URL)
              + " (schema "
              + schema.name()
              + "): schema "
              + schema.name()
              + " holds no agent-store tables (_agent_store_log and _agent_store_meta are"
              + " missing); add --create to create them\n",
          run.err());
      try (var db = schema.open()) {
        assertEquals(
            List.of(0L),
            db.query(
                "SELECT COUNT(*) FROM pg_namespace WHERE nspname = ?",
                row -> row.getLong(1),
                schema.name()),
            "the schema was not created");
      }
      Cli.run("gen", "bump", url, "--schema", schema.name(), "g").expect(Main.EXIT_STORE);
      Cli.run(
              "append",
              url,
              "--schema",
              schema.name(),
              "--stream",
              "s",
              "--writer",
              "w",
              "x",
              "--create")
          .expect(0);
      Cli.run("append", url, "--schema", schema.name(), "--stream", "s", "--writer", "w", "y")
          .expect(0);
      Cli.run("verify", url, "--schema", schema.name()).expect(0);
    }
  }

  /** append, gen bump, gen set, and copy with {@code target} as the destination. */
  private List<List<String>> writingCommands(Path target) {
    Path source = TestStores.sample(dir.resolve("source.store"));
    return List.of(
        List.of("append", target.toString(), "--stream", "s", "--writer", "w", "x"),
        List.of("gen", "bump", target.toString(), "g"),
        List.of("gen", "set", target.toString(), "g", "3"),
        List.of("copy", source.toString(), target.toString()));
  }

  /** The directory's files other than the sample source store. */
  private List<Path> listing() throws Exception {
    try (var files = Files.list(dir)) {
      return files
          .filter(p -> !p.getFileName().toString().startsWith("source.store"))
          .sorted()
          .toList();
    }
  }

  private static String journalMode(Path file) throws Exception {
    try (Connection app = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement statement = app.createStatement();
        ResultSet rows = statement.executeQuery("PRAGMA journal_mode")) {
      rows.next();
      return rows.getString(1);
    }
  }
}
