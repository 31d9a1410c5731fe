package dev.agentstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.WriterKey;
import dev.agentstore.sqlite.SqliteBackend;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** checkpoint --publish nats:// / --witness postgresql://, and verify --against either. */
class CheckpointPlacesTest {
  private static final String NATS_URL =
      System.getenv().getOrDefault("AGENT_STORE_NATS_URL", "nats://127.0.0.1:4222");

  @TempDir Path dir;

  @Test
  void aWitnessDatabaseKeepsTheCheckpointAndRefusesOneThatGoesBack() throws Exception {
    TestStores.assumePostgres();
    String witness = witnessUrl();
    run(witness, "witness _agent_store_witness at " + serverAddress(witness) + " for cp-NAME");
  }

  @Test
  void aNatsStreamKeepsTheCheckpointAndRefusesOneThatGoesBack() throws Exception {
    assumeNats();
    run(
        NATS_URL,
        "NATS stream AGENT_STORE_CHECKPOINTS subject agent-store.checkpoints."
            + dev.agentstore.nats.NatsSubjects.escape("cp-NAME"));
  }

  @Test
  void aCheckpointNeedsSomewhereToGoAndEachOptionItsKindOfUrl() throws Exception {
    Path store = TestStores.sample(dir.resolve("s.db"));
    Path key = dir.resolve("w.key");
    Cli.run("keygen", key.toString()).expect(0);
    Cli.Result none =
        Cli.run("checkpoint", store.toString(), "--key", key.toString()).expect(Main.EXIT_USAGE);
    assertTrue(
        none.err()
            .contains(
                "say where the checkpoint goes: --out FILE, --publish nats://..., --witness"
                    + " postgresql://..."),
        none.err());
    Cli.Result wrong =
        Cli.run(
                "checkpoint",
                store.toString(),
                "--key",
                key.toString(),
                "--publish",
                "postgresql://h/db")
            .expect(Main.EXIT_USAGE);
    assertTrue(
        wrong.err().contains("--publish takes a nats:// URL, got postgresql://h/db"), wrong.err());
  }

  /** Checkpoint, verify, cut the tail, verify (truncated), checkpoint again (refused). */
  private void run(String place, String where) throws Exception {
    String name = "cp-" + UUID.randomUUID();
    where = where.replace("cp-NAME", name);
    Path store = dir.resolve("a.db");
    Path key = dir.resolve("alice.key");
    Path witnessKey = dir.resolve("witness.key");
    String writer = Cli.run("keygen", key.toString()).expect(0).out().strip();
    Cli.run("keygen", witnessKey.toString()).expect(0);
    for (int i = 1; i <= 3; i++) {
      Cli.run(
              "append",
              store.toString(),
              "--stream",
              "conv",
              "--key",
              key.toString(),
              "t" + i,
              "--create")
          .expect(0);
    }
    String signer = WriterKey.load(witnessKey).fingerprint().toHex();
    String option = place.startsWith("nats:") ? "--publish" : "--witness";
    assertEquals(
        "checkpoint of 1 chain signed by " + signer + " kept in " + where + "\n",
        Cli.run(
                "checkpoint",
                store.toString(),
                "--key",
                witnessKey.toString(),
                option,
                place,
                "--checkpoint-name",
                name)
            .expect(0)
            .out());
    String pub = witnessKey + ".pub";
    Cli.Result ok =
        Cli.run(
                "verify",
                store.toString(),
                "--against",
                place,
                "--checkpoint-name",
                name,
                "--trust",
                pub)
            .expect(0);
    assertTrue(ok.out().contains("Checkpoint: every chain extends it."), ok.out());

    try (SqliteBackend db = SqliteBackend.open(store)) {
      db.exec("DELETE FROM _agent_store_log WHERE writer = ? AND seq = 3", writer);
      db.exec("DELETE FROM _agent_store_sig WHERE writer = ? AND seq = 3", writer);
    }
    Cli.Result cut =
        Cli.run(
                "verify",
                store.toString(),
                "--against",
                place,
                "--checkpoint-name",
                name,
                "--trust",
                pub)
            .expect(Main.EXIT_BROKEN);
    assertTrue(
        cut.err().contains("first: conv/" + writer + " truncated: head 2, checkpoint at seq 3"),
        cut.err());
    Cli.Result refused =
        Cli.run(
                "checkpoint",
                store.toString(),
                "--key",
                witnessKey.toString(),
                option,
                place,
                "--checkpoint-name",
                name)
            .expect(Main.EXIT_BROKEN);
    assertTrue(
        refused
            .err()
            .contains(
                "refuses a checkpoint of "
                    + name
                    + ": chain conv/"
                    + writer
                    + " goes back to seq 2 from the witnessed seq 3 (cut or rewritten since)"),
        refused.err());
    // Nothing kept under another name: verify says so, exit 1.
    Cli.Result nothing =
        Cli.run(
                "verify",
                store.toString(),
                "--against",
                place,
                "--checkpoint-name",
                name + "-other",
                "--trust",
                pub)
            .expect(Main.EXIT_BROKEN);
    assertTrue(nothing.err().contains("no checkpoint of " + name + "-other in "), nothing.err());
  }

  /** {@code postgresql://} URL of the database {@code <test db>_witness}, created when missing. */
  private static String witnessUrl() throws SQLException {
    String url = TestStores.PG_URL;
    String database = org.postgresql.Driver.parseURL(url, null).getProperty("PGDBNAME");
    String witness = database + "_witness";
    try (Connection admin = DriverManager.getConnection(url);
        Statement statement = admin.createStatement()) {
      statement.execute("CREATE DATABASE " + witness);
    } catch (SQLException e) {
      // 42P04: it exists; 23505: another run created it at the same moment.
      if (!"42P04".equals(e.getSQLState()) && !"23505".equals(e.getSQLState())) {
        throw e;
      }
    }
    int slash = url.indexOf("/" + database, "jdbc:postgresql://".length());
    return url.substring("jdbc:".length(), slash + 1)
        + witness
        + url.substring(slash + 1 + database.length());
  }

  private static String serverAddress(String url) {
    return dev.agentstore.postgres.PostgresBackend.serverAddress("jdbc:" + url);
  }

  private static void assumeNats() {
    try (java.net.Socket socket = new java.net.Socket()) {
      java.net.URI uri = java.net.URI.create(NATS_URL);
      socket.connect(
          new java.net.InetSocketAddress(uri.getHost(), uri.getPort()),
          (int) Duration.ofSeconds(2).toMillis());
    } catch (IOException e) {
      String reason = "NATS at " + NATS_URL + " does not answer: " + e.getMessage();
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        Assertions.fail(reason + " (CI=true: required)");
      }
      Assumptions.abort(reason);
    }
  }
}
