package dev.agentstore.nats;

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
import dev.agentstore.sqlite.SqliteBackend;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.StreamConfiguration;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints published on a JetStream stream with history, against the machine's NATS. */
class NatsCheckpointsTest {
  private static final WriterKey KEY = WriterKey.generate();

  @TempDir Path dir;

  private Connection nats;
  private String stream;
  private String prefix;

  @BeforeEach
  void connect() throws Exception {
    nats = NatsTesting.connectToMachineServer();
    String run = UUID.randomUUID().toString().replace("-", "");
    stream = "AGENT_STORE_TEST_CP_" + run;
    prefix = "agentstore-test-cp." + run;
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (nats != null) {
      try {
        nats.jetStreamManagement().deleteStream(stream);
      } catch (JetStreamApiException e) {
        // not made by this test
      }
      nats.close();
    }
  }

  @Test
  void publishesWithHistoryAndTheStoreIsCheckedAgainstTheLatest() throws Exception {
    try (Backend db = SqliteBackend.open(dir.resolve("store.db"))) {
      WriterLog.ensureSchema(db);
      NatsCheckpoints checkpoints = NatsCheckpoints.of(nats, stream, prefix, db.describe());
      assertEquals(prefix + "." + NatsSubjects.escape(db.describe()), checkpoints.subject());
      StreamConfiguration config =
          nats.jetStreamManagement().getStreamInfo(stream).getConfiguration();
      assertEquals(List.of(prefix + ".>"), config.getSubjects());
      assertEquals(-1, config.getMaxMsgsPerSubject());
      assertTrue(config.getDenyDelete() && config.getDenyPurge());
      assertEquals(Optional.empty(), checkpoints.latest());
      assertEquals(List.of(), checkpoints.all());

      Checkpointer checkpointer =
          Checkpointer.create(
              db,
              KEY,
              Checkpoint.Selection.all(),
              CheckpointSchedule.everyEntries(2),
              checkpoints,
              System::nanoTime);
      for (int i = 0; i < 4; i++) {
        checkpointer.observe(WriterLog.append(db, "conv", KEY, new byte[] {(byte) i}));
      }
      assertEquals(
          List.of(2L, 4L), checkpoints.all().stream().map(c -> c.chains().get(0).seq()).toList());
      assertEquals(checkpointer.last(), checkpoints.latest());
      // A second handle (another process, say) reads the same history.
      assertEquals(
          checkpoints.all(), NatsCheckpoints.of(nats, stream, prefix, db.describe()).all());
      assertTrue(Checkpoint.check(db, checkpoints, List.of(KEY.publicKey())).ok());

      String writer = KEY.fingerprint().toHex();
      db.exec("DELETE FROM _agent_store_log WHERE writer = ? AND seq = 4", writer);
      assertEquals(
          List.of("conv/" + writer + " truncated: head 3, checkpoint at seq 4"),
          Checkpoint.check(db, checkpoints, List.of(KEY.publicKey())).failures().stream()
              .map(Checkpoint.ChainResult::describe)
              .toList());
      Checkpoint cut = Checkpoint.take(db, KEY, Checkpoint.Selection.all());
      CheckpointRegressionException refused =
          assertThrows(CheckpointRegressionException.class, () -> checkpoints.publish(cut));
      assertEquals(
          checkpoints.describe()
              + " refuses a checkpoint of "
              + db.describe()
              + ": chain conv/"
              + writer
              + " goes back to seq 3 from the witnessed seq 4 (cut or rewritten since)",
          refused.getMessage());
      assertEquals(2, checkpoints.all().size());
      // Another signer's checkpoint is not compared with this one's.
      checkpoints.publish(Checkpoint.take(db, WriterKey.generate(), Checkpoint.Selection.all()));
      assertEquals(3, checkpoints.all().size());
    }
  }

  @Test
  void ofTwoForksPublishedAtOnceExactlyOneIsKept() throws Exception {
    List<Checkpoint> forks = new java.util.ArrayList<>();
    for (String payload : List.of("left", "right")) {
      try (Backend db = SqliteBackend.open(dir.resolve(payload + ".db"))) {
        WriterLog.ensureSchema(db);
        WriterLog.append(db, "conv", "alice", "same");
        WriterLog.append(db, "conv", "alice", payload);
        forks.add(Checkpoint.take(db, KEY, Checkpoint.Selection.all()));
      }
    }
    java.util.concurrent.ExecutorService threads =
        java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 10; round++) {
        String name = "race-" + round;
        // Both sides have seen the same first checkpoint, so each compares with it.
        NatsCheckpoints.of(nats, stream, prefix, name).publish(earlier(forks.get(0)));
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
        List<java.util.concurrent.Future<String>> outcomes = new java.util.ArrayList<>();
        for (Checkpoint fork : forks) {
          NatsCheckpoints handle = NatsCheckpoints.of(nats, stream, prefix, name);
          outcomes.add(
              threads.submit(
                  () -> {
                    start.await();
                    try {
                      handle.publish(fork);
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
        assertEquals(List.of("kept", "refused"), results, "round " + round);
        assertEquals(2, NatsCheckpoints.of(nats, stream, prefix, name).all().size());
      }
    } finally {
      threads.shutdownNow();
    }
  }

  /** A checkpoint of seq 1 of the same chain, signed by the same key. */
  private Checkpoint earlier(Checkpoint checkpoint) {
    try (Backend db = SqliteBackend.open(dir.resolve("earlier-" + UUID.randomUUID() + ".db"))) {
      WriterLog.ensureSchema(db);
      WriterLog.append(db, "conv", "alice", "same");
      return Checkpoint.take(db, KEY, Checkpoint.Selection.all());
    }
  }

  @Test
  void aForgedCheckpointIsNotPublished() throws Exception {
    try (Backend db = SqliteBackend.open(dir.resolve("forged.db"))) {
      WriterLog.ensureSchema(db);
      WriterLog.append(db, "conv", "alice", "x");
      NatsCheckpoints checkpoints = NatsCheckpoints.of(nats, stream, prefix, "forged");
      Checkpoint real = Checkpoint.take(db, KEY, Checkpoint.Selection.all());
      Checkpoint forged = new Checkpoint("x", real.chains(), real.signer(), real.signature());
      assertEquals(
          checkpoints.describe()
              + " refuses a checkpoint signed by "
              + KEY.fingerprint().toHex()
              + ": its signature does not verify",
          assertThrows(InvalidInputException.class, () -> checkpoints.publish(forged))
              .getMessage());
      assertEquals(List.of(), checkpoints.all());
    }
  }
}
