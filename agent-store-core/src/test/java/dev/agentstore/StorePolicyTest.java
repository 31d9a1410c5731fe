package dev.agentstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.sqlite.SqliteBackend;
import dev.agentstore.sqlite.SqliteOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StorePolicyTest {
  @TempDir Path dir;

  @Test
  void emptyPolicyMeansTheSqliteDefault() {
    StorePolicy policy = StorePolicy.parse("");
    assertEquals(StorePolicy.SQLITE, policy.backend());
    assertEquals(Path.of("agent-store.db"), policy.path().orElseThrow());
    assertEquals(StorePolicy.defaults(), policy);
    assertEquals(Durability.NORMAL, policy.sqliteOptions().durability());
  }

  @Test
  void barePolicyIsReadFromTopLevelKeys() {
    StorePolicy policy =
        StorePolicy.parse(
            "backend = \"sqlite\"\npath = \"x.db\"\ndurability = \"full\"\nbusy_timeout_ms = 250\n");
    assertEquals(Path.of("x.db"), policy.path().orElseThrow());
    assertEquals(Durability.FULL, policy.sqliteOptions().durability());
    assertEquals(Duration.ofMillis(250), policy.sqliteOptions().busyTimeout());
  }

  @Test
  void requireSignaturesIsAVerifyOptionOfEitherBackend() {
    assertEquals(VerifyOptions.defaults(), StorePolicy.parse("").verifyOptions());
    assertEquals(
        VerifyOptions.requiringSignatures(),
        StorePolicy.parse("path = \"x.db\"\nrequire_signatures = true\n").verifyOptions());
    assertEquals(
        VerifyOptions.requiringSignatures(),
        StorePolicy.parse(
                "backend = \"postgres\"\nurl = \"jdbc:postgresql://h/d\"\nrequire_signatures = true\n")
            .verifyOptions());
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class,
            () -> StorePolicy.parse("require_signatures = \"yes\"\n").verifyOptions());
    assertEquals(
        "require_signatures in policy text must be true or false, found yes", e.getMessage());
  }

  @Test
  void storeTableOfAConsumersConfigIsUsedAndTheRestIgnored() {
    String config =
        "name = \"newt\"\n[model]\nid = \"x\"\n[store]\nbackend = \"sqlite\"\npath = \"c.db\"\n";
    assertEquals(Path.of("c.db"), StorePolicy.parse(config).path().orElseThrow());
    assertEquals(Path.of("c.db"), StorePolicy.parseSection(config, "store").path().orElseThrow());
  }

  @Test
  void absentOrEmptySectionMeansTheDefault() {
    assertEquals(StorePolicy.defaults(), StorePolicy.parseSection("name = \"x\"\n", "store"));
    assertEquals(StorePolicy.defaults(), StorePolicy.parseSection("[store]\n", "store"));
  }

  @Test
  void unknownBackendIsRefusedByName() {
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> StorePolicy.parse("backend = \"mysql\"\n"));
    assertTrue(e.getMessage().contains("unknown backend \"mysql\""), e.getMessage());
  }

  @Test
  void unknownKeyIsRefusedWithTheKnownOnes() {
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class, () -> StorePolicy.parse("[store]\npth = \"x.db\"\n"));
    assertTrue(e.getMessage().contains("unknown key \"pth\""), e.getMessage());
    assertTrue(e.getMessage().contains("path"), e.getMessage());
  }

  @Test
  void postgresNeedsAUrl() {
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class, () -> StorePolicy.parse("backend = \"postgres\"\n"));
    assertTrue(e.getMessage().contains("needs url"), e.getMessage());
  }

  @Test
  void postgresWithoutItsModuleNamesTheModuleToAdd() {
    StorePolicy policy =
        StorePolicy.parse(
            "backend = \"postgres\"\nurl = \"jdbc:postgresql://127.0.0.1:5432/test?user=postgres\"\n");
    StoreException e = assertThrows(StoreException.class, policy::open);
    assertTrue(e.getMessage().contains("dev.agentstore:agent-store-postgres"), e.getMessage());
  }

  @Test
  void badValuesAreRefusedByKey() {
    assertThrows(
        InvalidInputException.class, () -> StorePolicy.parse("durability = \"sometimes\"\n"));
    assertThrows(InvalidInputException.class, () -> StorePolicy.parse("busy_timeout_ms = \"x\"\n"));
    assertThrows(InvalidInputException.class, () -> StorePolicy.parse("read_only = 1\n"));
    assertThrows(InvalidInputException.class, () -> StorePolicy.parse("path = \"\"\n"));
  }

  @Test
  void commitCheckIntervalSetsHowOftenFollowersCheckForOtherProcessesCommits() throws Exception {
    assertEquals(
        SqliteOptions.DEFAULT_COMMIT_CHECK_INTERVAL,
        StorePolicy.parse("").sqliteOptions().commitCheckInterval());
    Path file = dir.resolve("agent.toml");
    Files.writeString(file, "[store]\npath = \"agents.db\"\ncommit_check_interval_ms = 25\n");
    StorePolicy policy = StorePolicy.read(file);
    assertEquals(Duration.ofMillis(25), policy.sqliteOptions().commitCheckInterval());
    try (Backend db = policy.open();
        Backend writer = SqliteBackend.open(dir.resolve("agents.db"))) {
      WriterLog.ensureSchema(db);
      try (Follower follower =
          WriterLog.follow(
              db, "s", "w", 0, FollowOptions.defaults().withPollInterval(Duration.ofHours(1)))) {
        Entry entry = WriterLog.append(writer, "s", "w", new byte[] {7});
        assertEquals(Optional.of(entry), follower.poll(Duration.ofSeconds(60)));
      }
    }
  }

  @Test
  void aCommitCheckIntervalOutOfRangeIsRefusedNamingTheKeyAndTheFile() throws IOException {
    Path file = dir.resolve("agent.toml");
    for (String value : List.of("0", "-5", "3600001")) {
      Files.writeString(file, "[store]\ncommit_check_interval_ms = " + value + "\n");
      InvalidInputException e =
          assertThrows(InvalidInputException.class, () -> StorePolicy.read(file));
      assertEquals(
          "commit_check_interval_ms in "
              + file
              + " must be 1 to 3600000 (milliseconds), got "
              + value,
          e.getMessage());
    }
    for (String value : List.of("\"10ms\"", "2.5")) {
      Files.writeString(file, "[store]\ncommit_check_interval_ms = " + value + "\n");
      InvalidInputException e =
          assertThrows(InvalidInputException.class, () -> StorePolicy.read(file));
      assertTrue(
          e.getMessage().startsWith("commit_check_interval_ms in " + file + " must be an integer"),
          e.getMessage());
    }
    Files.writeString(
        file,
        "backend = \"postgres\"\nurl = \"jdbc:postgresql://h/d\"\ncommit_check_interval_ms = 5\n");
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> StorePolicy.read(file));
    assertTrue(
        e.getMessage().startsWith("unknown key \"commit_check_interval_ms\" for backend postgres"),
        e.getMessage());
  }

  @Test
  void commitNotificationsMustBeTrueOrFalse() throws IOException {
    Path file = dir.resolve("fleet.toml");
    String url = "url = \"jdbc:postgresql://db.internal:5432/fleet\"\n";
    Files.writeString(
        file, "[store]\nbackend = \"postgres\"\n" + url + "commit_notifications = false\n");
    assertEquals(Optional.of(false), StorePolicy.read(file).booleanSetting("commit_notifications"));
    Files.writeString(
        file, "[store]\nbackend = \"postgres\"\n" + url + "commit_notifications = \"off\"\n");
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> StorePolicy.read(file));
    assertEquals(
        "commit_notifications in " + file + " must be true or false, found off", e.getMessage());
  }

  @Test
  void invalidTomlNamesItsSource() throws IOException {
    Path file = dir.resolve("broken.toml");
    Files.writeString(file, "backend = \n");
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> StorePolicy.read(file));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }

  @Test
  void policyFileResolvesItsPathAndOpensAWorkingStore() throws IOException {
    Files.createDirectories(dir.resolve("conf/data"));
    Path file = dir.resolve("conf/agent.toml");
    Files.writeString(file, "[store]\nbackend = \"sqlite\"\npath = \"data/agents.db\"\n");
    StorePolicy policy = StorePolicy.read(file);
    assertEquals(dir.resolve("conf/data/agents.db"), policy.path().orElseThrow());
    try (Backend db = policy.open()) {
      assertTrue(db instanceof SqliteBackend);
      WriterLog.ensureSchema(db);
      WriterLog.append(db, "s", "w", new byte[] {1});
    }
    assertTrue(Files.exists(dir.resolve("conf/data/agents.db")));
  }

  @Test
  void toStringNeverShowsAPassword() {
    StorePolicy policy =
        StorePolicy.postgres("jdbc:postgresql://db:5432/fleet?user=agent&password=hunter2");
    assertTrue(!policy.toString().contains("hunter2"), policy.toString());
    assertEquals(
        "jdbc:postgresql://agent:***@db/fleet",
        StorePolicy.redact("jdbc:postgresql://agent:hunter2@db/fleet"));
  }
}
