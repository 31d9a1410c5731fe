package dev.agentstore.torture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.Backend;
import dev.agentstore.VerifyOptions;
import dev.agentstore.WriterKey;
import dev.agentstore.WriterLog;
import dev.agentstore.internal.Hex;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Child JVMs appending (single entries from two threads, and batches) are killed with SIGKILL at
 * random instants, round after round. After every round the store opens, every chain verifies,
 * every acknowledged entry is there, and every batch is wholly present or wholly absent.
 *
 * <p>The number of rounds is {@code agentstore.crash.rounds} (default 50); the random seed is
 * printed and can be fixed with {@code agentstore.crash.seed}.
 */
public abstract class CrashContract {
  @TempDir protected Path dir;

  /** A fresh, empty store that child JVMs can open too. */
  protected abstract StoreLocation newStoreLocation(Path dir);

  @Test
  void processesKilledAtRandomInstantsLoseNothingAcknowledged() throws Exception {
    int rounds = Integer.getInteger("agentstore.crash.rounds", 50);
    long seed = Long.getLong("agentstore.crash.seed", System.nanoTime());
    Random random = new Random(seed);
    StoreLocation location = newStoreLocation(dir);
    Path policy = ProcessTesting.prepare(dir, location);
    long acknowledged = 0;
    long singles = 0;
    long batched = 0;
    for (int round = 0; round < rounds; round++) {
      try (ChildJvm single =
              ProcessTesting.worker(
                  dir, policy, "single" + round, "append", 2, 1_000_000, "crash", "single");
          ChildJvm batch =
              ProcessTesting.worker(
                  dir, policy, "batch" + round, "batch", 1, 1_000_000, "crash", "batch")) {
        single.awaitLine("appending", 60);
        batch.awaitLine("appending", 60);
        // A random instant while both children are appending.
        single.process().waitFor(random.nextInt(200), TimeUnit.MILLISECONDS);
        single.kill();
        batch.process().waitFor(random.nextInt(40), TimeUnit.MILLISECONDS);
        batch.kill();
      }
      List<String> singleAcks = allAcks("single", round);
      List<String> batchAcks = allAcks("batch", round);
      try (Backend db = location.open()) {
        singles = ProcessTesting.checkChain(db, "crash", "single", singleAcks);
        batched = ProcessTesting.checkChain(db, "crash", "batch", batchAcks);
      }
      acknowledged = singleAcks.size() + batchAcks.size();
    }
    System.out.printf(
        "%s: %d rounds killed mid-stream (seed %d), %d acknowledged calls, %d single and %d"
            + " batched entries, 0 lost%n",
        getClass().getSimpleName(), rounds, seed, acknowledged, singles, batched);
    assertTrue(acknowledged >= 2L * rounds, "every round acknowledged work before the kill");
  }

  /**
   * Eight threads per child, so that appends (single ones to one chain, and batches to another) are
   * committed in groups when the store groups them: a kill in the middle of a group's commit must
   * lose nothing acknowledged and tear no batch.
   */
  @Test
  void manyThreadsKilledAtRandomInstantsLoseNothingAcknowledged() throws Exception {
    int rounds = Math.max(5, Integer.getInteger("agentstore.crash.rounds", 50) / 5);
    long seed = Long.getLong("agentstore.crash.seed", System.nanoTime());
    Random random = new Random(seed);
    StoreLocation location = newStoreLocation(dir);
    Path policy = ProcessTesting.prepare(dir, location);
    long acknowledged = 0;
    for (int round = 0; round < rounds; round++) {
      try (ChildJvm single =
              ProcessTesting.worker(
                  dir, policy, "many" + round, "append", 8, 1_000_000, "crash", "many");
          ChildJvm batch =
              ProcessTesting.worker(
                  dir, policy, "batches" + round, "batch", 8, 1_000_000, "crash", "batches")) {
        single.awaitLine("appending", 60);
        batch.awaitLine("appending", 60);
        single.process().waitFor(random.nextInt(200), TimeUnit.MILLISECONDS);
        single.kill();
        batch.process().waitFor(random.nextInt(40), TimeUnit.MILLISECONDS);
        batch.kill();
      }
      List<String> singleAcks = allAcks("many", round);
      List<String> batchAcks = allAcks("batches", round);
      try (Backend db = location.open()) {
        ProcessTesting.checkChain(db, "crash", "many", singleAcks);
        ProcessTesting.checkChain(db, "crash", "batches", batchAcks);
      }
      acknowledged = singleAcks.size() + batchAcks.size();
    }
    System.out.printf(
        "%s: %d rounds of 8-thread children killed mid-stream (seed %d), %d acknowledged calls,"
            + " 0 lost%n",
        getClass().getSimpleName(), rounds, seed, acknowledged);
    assertTrue(acknowledged >= 2L * rounds, "every round acknowledged work before the kill");
  }

  /**
   * As {@link #manyThreadsKilledAtRandomInstantsLoseNothingAcknowledged()}, with signed appends:
   * entries and their signature rows commit together, so every chain also verifies with signatures
   * required after every kill.
   */
  @Test
  void manyThreadsSigningKilledAtRandomInstantsLoseNothingAcknowledged() throws Exception {
    int rounds = Math.max(3, Integer.getInteger("agentstore.crash.rounds", 50) / 10);
    long seed = Long.getLong("agentstore.crash.seed", System.nanoTime());
    Random random = new Random(seed);
    StoreLocation location = newStoreLocation(dir);
    Path policy = ProcessTesting.prepare(dir, location);
    WriterKey singleKey = WriterKey.generate();
    WriterKey batchKey = WriterKey.generate();
    String singleWriter = singleKey.fingerprint().toHex();
    String batchWriter = batchKey.fingerprint().toHex();
    long acknowledged = 0;
    for (int round = 0; round < rounds; round++) {
      try (ChildJvm single =
              ProcessTesting.worker(
                  dir,
                  policy,
                  "signed" + round,
                  "signed-append",
                  8,
                  1_000_000,
                  "crash",
                  Hex.encode(singleKey.seed()));
          ChildJvm batch =
              ProcessTesting.worker(
                  dir,
                  policy,
                  "signedBatches" + round,
                  "signed-batch",
                  8,
                  1_000_000,
                  "crash",
                  Hex.encode(batchKey.seed()))) {
        single.awaitLine("appending", 60);
        batch.awaitLine("appending", 60);
        single.process().waitFor(random.nextInt(200), TimeUnit.MILLISECONDS);
        single.kill();
        batch.process().waitFor(random.nextInt(40), TimeUnit.MILLISECONDS);
        batch.kill();
      }
      List<String> singleAcks = allAcks("signed", round);
      List<String> batchAcks = allAcks("signedBatches", round);
      try (Backend db = location.open()) {
        long singles = ProcessTesting.checkChain(db, "crash", singleWriter, singleAcks);
        long batched = ProcessTesting.checkChain(db, "crash", batchWriter, batchAcks);
        VerifyOptions required = VerifyOptions.requiringSignatures();
        assertEquals(
            singles, WriterLog.verify(db, "crash", singleWriter, required).orElseThrow().seq());
        assertEquals(
            batched, WriterLog.verify(db, "crash", batchWriter, required).orElseThrow().seq());
      }
      acknowledged = singleAcks.size() + batchAcks.size();
    }
    System.out.printf(
        "%s: %d rounds of 8-thread signing children killed mid-stream (seed %d), %d acknowledged"
            + " calls, 0 lost%n",
        getClass().getSimpleName(), rounds, seed, acknowledged);
    assertTrue(acknowledged >= 2L * rounds, "every round acknowledged work before the kill");
  }

  private List<String> allAcks(String name, int upToRound) throws java.io.IOException {
    List<String> acks = new java.util.ArrayList<>();
    for (int round = 0; round <= upToRound; round++) {
      acks.addAll(ProcessTesting.acks(dir, name + round));
    }
    return acks;
  }
}
