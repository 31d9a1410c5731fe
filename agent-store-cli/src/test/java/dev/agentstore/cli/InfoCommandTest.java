package dev.agentstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentstore.postgres.PostgresBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InfoCommandTest {
  @TempDir Path dir;

  @Test
  void describesASqliteStore() throws IOException {
    Path store = TestStores.sample(dir.resolve("a.db"));
    Cli.Result run = Cli.run("info", store.toString()).expect(0);
    assertTrue(run.out().contains("Backend:       SQLite 3."), run.out());
    assertTrue(run.out().contains("File size:     " + Files.size(store) + " bytes"), run.out());
    assertTrue(run.out().contains("Journal mode:  wal"), run.out());
    assertTrue(run.out().contains("Synchronous:   NORMAL"), run.out());
    assertTrue(run.out().contains("_agent_store_log     12  reference"), run.out());
    assertTrue(run.out().contains("_agent_store_meta     2  reference"), run.out());
    assertTrue(run.out().contains("Schema matches the reference layout."), run.out());
    assertTrue(run.out().contains("3 chains in 2 streams, 2 generations."), run.out());

    JsonNode json = Cli.run("info", store.toString(), "--json").expect(0).json();
    assertEquals("sqlite", json.get("backend").asText());
    assertTrue(json.get("version").asText().startsWith("3."), json.toString());
    assertEquals(store.toAbsolutePath().normalize().toString(), json.get("location").asText());
    assertTrue(json.get("schema").isNull());
    assertEquals(Files.size(store), json.get("size_bytes").asLong());
    assertEquals("wal", json.get("journal_mode").asText());
    assertEquals("NORMAL", json.get("synchronous").asText());
    assertEquals("_agent_store_log", json.get("tables").get(0).get("name").asText());
    assertEquals(12, json.get("tables").get(0).get("rows").asLong());
    assertEquals("reference", json.get("tables").get(0).get("layout").asText());
    assertTrue(json.get("schema_matches").asBoolean());
    assertEquals(3, json.get("chains").asLong());
    assertEquals(2, json.get("streams").asLong());
    assertEquals(2, json.get("generations").asLong());
  }

  @Test
  void showsTheDurabilityAPolicyAsksFor() throws IOException {
    TestStores.sample(dir.resolve("a.db"));
    Path policy =
        Files.writeString(dir.resolve("p.toml"), "path = \"a.db\"\ndurability = \"full\"\n");
    Cli.Result run = Cli.run("info", "--policy", policy.toString()).expect(0);
    assertTrue(run.out().contains("Synchronous:   FULL"), run.out());
  }

  @Test
  void saysWhenTheSchemaIsNotTheReferenceLayout() {
    Path foreign = dir.resolve("foreign.db");
    TestStores.modify(
        foreign,
        db -> {
          db.exec("CREATE TABLE _agent_store_meta (key TEXT PRIMARY KEY, value TEXT)");
          db.exec("INSERT INTO _agent_store_meta VALUES ('a', 'b')");
        });
    Cli.Result run = Cli.run("info", foreign.toString()).expect(0);
    assertTrue(run.out().contains("_agent_store_log      -  missing"), run.out());
    assertTrue(run.out().contains("_agent_store_meta     1  different"), run.out());
    assertTrue(run.out().contains("is not agent-store's"), run.out());
    assertTrue(run.out().contains("Schema does NOT match the reference layout"), run.out());

    JsonNode json = Cli.run("info", foreign.toString(), "--json").expect(0).json();
    assertFalse(json.get("schema_matches").asBoolean());
    assertFalse(json.get("tables").get(0).get("present").asBoolean());
    assertEquals("different", json.get("tables").get(1).get("layout").asText());
    assertTrue(json.get("chains").isNull());
  }

  @Test
  void describesAPostgresStore() {
    try (TestStores.Schema schema = TestStores.schema()) {
      try (PostgresBackend db = schema.open()) {
        TestStores.fill(db);
      }
      Cli.Result run = Cli.run("info", TestStores.PG_URL, "--schema", schema.name()).expect(0);
      assertTrue(run.out().contains("Backend:       PostgreSQL "), run.out());
      assertTrue(run.out().contains("Schema:        " + schema.name()), run.out());
      assertTrue(run.out().contains("Synchronous:   synchronous_commit = "), run.out());
      assertTrue(run.out().contains("_agent_store_log     12  reference"), run.out());

      JsonNode json =
          Cli.run("info", TestStores.PG_URL, "--schema", schema.name(), "--json").expect(0).json();
      assertEquals("postgres", json.get("backend").asText());
      assertEquals(schema.name(), json.get("schema").asText());
      assertTrue(json.get("size_bytes").asLong() > 0);
      assertTrue(json.get("journal_mode").isNull());
      assertFalse(json.get("wal_level").asText().isEmpty());
      assertTrue(json.get("schema_matches").asBoolean());
      assertEquals(3, json.get("chains").asLong());
    }
  }

  @Test
  void showsAnOperatorWhatEachRoleMayDoAndWhetherNotificationsAreOn() throws SQLException {
    try (TestStores.Schema schema = TestStores.schema()) {
      try (PostgresBackend db = schema.open()) {
        TestStores.fill(db);
      }
      JsonNode owner =
          Cli.run("info", TestStores.PG_URL, "--schema", schema.name(), "--json").expect(0).json();
      assertEquals("postgres", owner.get("role").asText());
      for (String may : List.of("read", "append", "bump", "listen", "install")) {
        assertTrue(owner.get("privileges").get(may).asBoolean(), may + ": " + owner);
      }
      // Enabled, and silent while no one listens; the listeners table is readable by every role.
      assertEquals("enabled", owner.get("notifications").get("trigger").asText());
      assertEquals(0, owner.get("notifications").get("listeners").asLong());
      assertTrue(owner.get("index_bytes").asLong() > 0, owner.toString());

      String reader = "cli_reader_" + schema.name().substring("cli_test_".length());
      try (Connection admin = DriverManager.getConnection(TestStores.PG_URL);
          Statement sql = admin.createStatement()) {
        String quoted = "\"" + schema.name() + "\"";
        sql.execute("CREATE ROLE " + reader + " LOGIN");
        try {
          sql.execute("GRANT USAGE ON SCHEMA " + quoted + " TO " + reader);
          sql.execute(
              "GRANT SELECT ON "
                  + quoted
                  + "._agent_store_log, "
                  + quoted
                  + "._agent_store_meta TO "
                  + reader);
          String url = TestStores.PG_URL.replace("user=postgres", "user=" + reader);
          Cli.Result text = Cli.run("info", url, "--schema", schema.name()).expect(0);
          assertTrue(
              text.out()
                  .contains(
                      "Role:          "
                          + reader
                          + " (may read: yes, append: no, bump: no, listen: no, install: no)"),
              text.out());
          assertTrue(
              text.out()
                  .contains(
                      "Notifications: installed, off until a listener registers; 0 listeners"
                          + " registered"),
              text.out());
          assertTrue(text.out().contains("Schema matches the reference layout."), text.out());
        } finally {
          sql.execute("DROP OWNED BY " + reader);
          sql.execute("DROP ROLE " + reader);
        }
      }
    }
  }
}
