package dev.agentstore.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.Backend;
import dev.agentstore.Checkpoint;
import dev.agentstore.CheckpointRegressionException;
import dev.agentstore.CheckpointSchedule;
import dev.agentstore.Checkpointer;
import dev.agentstore.InvalidInputException;
import dev.agentstore.WriterKey;
import dev.agentstore.WriterLog;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Checkpoints kept in a witness table of a second database, which refuses to go backwards. */
class PostgresWitnessTest {
  @RegisterExtension static final PostgresTestServer pg = new PostgresTestServer();

  private static final WriterKey KEY = WriterKey.generate();

  /** The second database, {@code test_witness} next to the store's, created when missing. */
  static String witnessUrl() throws SQLException {
    String url = PostgresTestServer.url();
    String database = org.postgresql.Driver.parseURL(url, null).getProperty("PGDBNAME");
    String witness = database + "_witness";
    try (Connection admin = PostgresTestServer.adminConnection();
        Statement statement = admin.createStatement()) {
      statement.execute("CREATE DATABASE " + witness);
    } catch (SQLException e) {
      // 42P04: it exists; 23505: another test run created it at the same moment.
      if (!"42P04".equals(e.getSQLState()) && !"23505".equals(e.getSQLState())) {
        throw e;
      }
    }
    int slash = url.indexOf("/" + database, "jdbc:postgresql://".length());
    return url.substring(0, slash + 1) + witness + url.substring(slash + 1 + database.length());
  }

  private static PostgresWitness witness() throws SQLException {
    return PostgresWitness.open(witnessUrl(), "store-" + UUID.randomUUID());
  }

  @Test
  void keepsEveryCheckpointAndChecksTheStoreAgainstTheLatest() throws Exception {
    PostgresBackend db = pg.newBackend();
    WriterLog.ensureSchema(db);
    PostgresWitness witness = witness();
    assertEquals(Optional.empty(), witness.latest());
    WriterLog.append(db, "conv", KEY, new byte[] {1});
    Checkpoint first = Checkpoint.take(db, KEY, Checkpoint.Selection.all());
    witness.publish(first);
    WriterLog.append(db, "conv", KEY, new byte[] {2});
    WriterLog.append(db, "conv", "bob", "hi");
    Checkpoint second = Checkpoint.take(db, KEY, Checkpoint.Selection.all());
    witness.publish(second);
    assertEquals(List.of(first, second), witness.all());
    assertEquals(Optional.of(second), witness.latest());
    assertEquals(Optional.of(second), witness.latest(KEY.publicKey()));
    assertEquals(Optional.empty(), witness.latest(WriterKey.generate().publicKey()));
    assertTrue(Checkpoint.check(db, witness, List.of(KEY.publicKey())).ok());

    // The owner cuts the tail: the store no longer extends what the witness holds.
    String writer = KEY.fingerprint().toHex();
    db.exec(
        "DELETE FROM _agent_store_log WHERE stream = 'conv' AND writer = ? AND seq = 2", writer);
    Checkpoint.Result result = Checkpoint.check(db, witness, List.of(KEY.publicKey()));
    assertEquals(
        List.of("conv/" + writer + " truncated: head 1, checkpoint at seq 2"),
        result.failures().stream().map(Checkpoint.ChainResult::describe).toList());

    // A checkpoint of the cut store is refused, naming the chain; the witness keeps what it had.
    Checkpoint cut = Checkpoint.take(db, KEY, Checkpoint.Selection.all());
    CheckpointRegressionException refused =
        assertThrows(CheckpointRegressionException.class, () -> witness.publish(cut));
    assertEquals(
        witness.describe().replace(" for " + name(witness), "")
            + " refuses a checkpoint of "
            + name(witness)
            + ": chain conv/"
            + writer
            + " goes back to seq 1 from the witnessed seq 2 (cut or rewritten since)",
        refused.getMessage());
    assertEquals(
        List.of("conv", writer, 2L, 1L),
        List.of(refused.stream(), refused.writer(), refused.witnessedSeq(), refused.offeredSeq()));
    assertEquals(List.of(first, second), witness.all());
  }

  @Test
  void aRewriteAtTheWitnessedSeqIsRefusedAndAnotherSignerHasItsOwnHistory() throws Exception {
    PostgresWitness witness = witness();
    PostgresBackend original = pg.newBackend();
    PostgresBackend rewritten = pg.newBackend();
    for (Backend db : List.of(original, rewritten)) {
      WriterLog.ensureSchema(db);
      WriterLog.append(db, "conv", "alice", "same");
    }
    WriterLog.append(original, "conv", "alice", "said");
    WriterLog.append(rewritten, "conv", "alice", "never said");
    witness.publish(Checkpoint.take(original, KEY, Checkpoint.Selection.all()));
    Checkpoint forked = Checkpoint.take(rewritten, KEY, Checkpoint.Selection.all());
    String message =
        assertThrows(CheckpointRegressionException.class, () -> witness.publish(forked))
            .getMessage();
    assertTrue(
        message.contains(
            "chain conv/alice has another entry at the witnessed seq 2 (content hash "
                + forked.chains().get(0).contentHashHex()),
        message);
    assertTrue(message.endsWith("): rewritten"), message);
    // Another signer's checkpoints are compared with that signer's only.
    witness.publish(Checkpoint.take(rewritten, WriterKey.generate(), Checkpoint.Selection.all()));
    assertEquals(2, witness.all().size());
  }

  @Test
  void ofTwoForksPublishedAtOnceTheWitnessAcceptsExactlyOne() throws Exception {
    List<Checkpoint> forks = new java.util.ArrayList<>();
    for (String payload : List.of("left", "right")) {
      PostgresBackend db = pg.newBackend();
      WriterLog.ensureSchema(db);
      WriterLog.append(db, "conv", "alice", payload);
      forks.add(Checkpoint.take(db, KEY, Checkpoint.Selection.all()));
    }
    for (int round = 0; round < 5; round++) {
      PostgresWitness fresh = PostgresWitness.open(witnessUrl(), "race-" + UUID.randomUUID());
      java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
      List<java.util.concurrent.Future<String>> outcomes = new java.util.ArrayList<>();
      java.util.concurrent.ExecutorService threads =
          java.util.concurrent.Executors.newFixedThreadPool(2);
      try {
        for (Checkpoint fork : forks) {
          outcomes.add(
              threads.submit(
                  () -> {
                    start.await();
                    try {
                      fresh.publish(fork);
                      return "kept";
                    } catch (CheckpointRegressionException e) {
                      return "refused";
                    }
                  }));
        }
        List<String> results = new java.util.ArrayList<>();
        for (java.util.concurrent.Future<String> outcome : outcomes) {
          results.add(outcome.get());
        }
        results.sort(null);
        assertEquals(List.of("kept", "refused"), results);
        assertEquals(1, fresh.all().size());
      } finally {
        threads.shutdownNow();
      }
    }
  }

  @Test
  void aForgedCheckpointIsRefusedAndTheTableIsAppendOnly() throws Exception {
    PostgresWitness witness = witness();
    PostgresBackend db = pg.newBackend();
    WriterLog.ensureSchema(db);
    WriterLog.append(db, "conv", "alice", "x");
    Checkpoint real = Checkpoint.take(db, KEY, Checkpoint.Selection.all());
    Checkpoint forged = new Checkpoint("elsewhere", real.chains(), real.signer(), real.signature());
    String message =
        assertThrows(InvalidInputException.class, () -> witness.publish(forged)).getMessage();
    assertTrue(
        message.endsWith(
            " signed by " + KEY.fingerprint().toHex() + ": its signature does not verify"),
        message);
    witness.publish(real);
    try (Connection connection = java.sql.DriverManager.getConnection(witnessUrl());
        Statement statement = connection.createStatement()) {
      SQLException e =
          assertThrows(
              SQLException.class,
              () -> statement.executeUpdate("DELETE FROM " + PostgresWitness.TABLE));
      assertTrue(
          e.getMessage().contains(PostgresWitness.TABLE + " is append-only: DELETE refused"),
          e.getMessage());
    }
    assertEquals(List.of(real), witness.all());
  }

  @Test
  void aCheckpointerFeedsTheWitness() throws Exception {
    PostgresWitness witness = witness();
    PostgresBackend db = pg.newBackend();
    WriterLog.ensureSchema(db);
    long[] now = {0};
    Checkpointer checkpointer =
        Checkpointer.create(
            db,
            KEY,
            Checkpoint.Selection.all(),
            CheckpointSchedule.everyEntries(2),
            witness,
            () -> now[0]);
    for (int i = 0; i < 5; i++) {
      checkpointer.observe(WriterLog.append(db, "conv", KEY, new byte[] {(byte) i}));
    }
    checkpointer.close();
    assertEquals(
        List.of(2L, 4L, 5L), witness.all().stream().map(c -> c.chains().get(0).seq()).toList());
  }

  @Test
  void aUrlOfAnotherKindIsRefusedWithoutEchoingCredentials() {
    assertEquals(
        "not a PostgreSQL URL: expected jdbc:postgresql://host[:port]/database or"
            + " postgresql://host[:port]/database, got a URL of another form",
        assertThrows(
                InvalidInputException.class,
                () -> PostgresWitness.open("mysql://u:secret@h/db", "s"))
            .getMessage());
    assertEquals(
        "jdbc:postgresql://h:5/db?user=u", PostgresWitness.jdbcUrl("postgres://h:5/db?user=u"));
  }

  private static String name(PostgresWitness witness) {
    String describe = witness.describe();
    return describe.substring(describe.lastIndexOf(" for ") + " for ".length());
  }
}
