package dev.agentstore.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.agentstore.ChainBrokenException;
import dev.agentstore.Entry;
import dev.agentstore.StoreException;
import dev.agentstore.VerifyOptions;
import dev.agentstore.WriterKey;
import dev.agentstore.WriterLog;
import dev.agentstore.postgres.internal.PostgresDialect;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Group commit on PostgreSQL: appends that queue behind a busy one share one transaction, written
 * as one batch of guarded inserts; those the batch cannot take are written alone, and two backends
 * grouping on the same chains never fork them.
 */
class PostgresGroupCommitTest {
  @RegisterExtension static final PostgresTestServer pg = new PostgresTestServer();

  private static final long WAIT_SECONDS = 60;

  @Test
  void appendsQueuedBehindABusyAppendShareOneTransaction() throws Exception {
    PostgresBackend db = pg.newBackend();
    WriterLog.ensureSchema(db);
    // Heads this backend remembers, for the appends that go into the batch.
    for (String writer : List.of("lead", "a", "b", "c", "d")) {
      WriterLog.append(db, "s", writer, bytes(writer + " 1"));
    }
    List<CompletableFuture<Entry>> results =
        queuedBehindALockedAppend(
            db,
            List.of(
                () -> WriterLog.append(db, "s", "a", bytes("a 2")),
                () -> WriterLog.append(db, "s", "b", bytes("b 2")),
                () -> WriterLog.append(db, "s", "b", bytes("b 3")),
                () -> WriterLog.append(db, "s", "c", bytes("c 2")),
                // Left out of the batch and written alone: an optimistic append, and a chain this
                // backend has not seen.
                () -> WriterLog.append(db, "s", "d", bytes("d 2"), 1),
                () -> WriterLog.append(db, "s", "fresh", bytes("fresh 1"))));
    for (CompletableFuture<Entry> result : results) {
      result.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }
    Map<String, String> xmin = new HashMap<>();
    for (String row :
        db.query(
            "SELECT writer || ' ' || seq || '=' || xmin::text FROM _agent_store_log"
                + " WHERE stream = 's' AND (seq > 1 OR writer = 'fresh')",
            rs -> rs.getString(1))) {
      String[] parts = row.split("=");
      xmin.put(parts[0], parts[1]);
    }
    assertEquals(7, xmin.size(), xmin::toString);
    String group = xmin.get("a 2");
    for (String batched : List.of("b 2", "b 3", "c 2")) {
      assertEquals(group, xmin.get(batched), () -> batched + " was written in its own transaction");
    }
    Set<String> others = new HashSet<>();
    for (String alone : List.of("lead 2", "d 2", "fresh 1")) {
      assertNotEquals(group, xmin.get(alone), () -> alone + " was written with the batch");
      others.add(xmin.get(alone));
    }
    assertEquals(3, others.size(), () -> "each append left out commits alone: " + xmin);
    for (String writer : List.of("lead", "a", "b", "c", "d", "fresh")) {
      WriterLog.verify(db, "s", writer);
    }
    assertEquals(3, WriterLog.head(db, "s", "b").orElseThrow().seq());
  }

  @Test
  void signedAppendsQueuedBehindABusyAppendGoIntoTheBatchWithTheirSignatures() throws Exception {
    PostgresBackend db = pg.newBackend();
    WriterLog.ensureSchema(db);
    WriterKey shared = WriterKey.generate();
    WriterKey own = WriterKey.generate();
    WriterLog.append(db, "s", "lead", bytes("lead 1"));
    WriterLog.append(db, "s", shared, bytes("shared 1"));
    WriterLog.append(db, "s", own, bytes("own 1"));
    List<CompletableFuture<Entry>> results =
        queuedBehindALockedAppend(
            db,
            List.of(
                () -> WriterLog.append(db, "s", shared, bytes("shared 2")),
                // Signed ahead on the head the one before will leave.
                () -> WriterLog.append(db, "s", shared, bytes("shared 3")),
                () -> WriterLog.append(db, "s", own, bytes("own 2"))));
    for (CompletableFuture<Entry> result : results) {
      result.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }
    Set<String> transactions = new HashSet<>();
    for (String table : List.of("_agent_store_log", "_agent_store_sig")) {
      transactions.addAll(
          db.query(
              "SELECT xmin::text FROM "
                  + table
                  + " WHERE stream = 's' AND seq > 1 AND writer <> 'lead'",
              rs -> rs.getString(1)));
    }
    assertEquals(
        1, transactions.size(), () -> "entries and signatures of one batch: " + transactions);
    for (WriterKey key : List.of(shared, own)) {
      WriterLog.verify(db, "s", key.fingerprint().toHex(), VerifyOptions.requiringSignatures());
    }
    assertEquals(3, WriterLog.head(db, "s", shared.fingerprint().toHex()).orElseThrow().seq());
  }

  @Test
  void aSignedAppendWhoseHeadMovedWhileItWaitedIsSignedAgainInTheBatch() throws Exception {
    PostgresBackend db = pg.newBackend();
    WriterLog.ensureSchema(db);
    WriterKey key = WriterKey.generate();
    String signed = key.fingerprint().toHex();
    WriterLog.append(db, "s", key, bytes("signed 1"));
    WriterLog.append(db, "s", "other", bytes("other 1"));
    List<CompletableFuture<Entry>> results = new ArrayList<>();
    try (Connection other = holdingChainLock(db, "s", signed)) {
      // An unsigned append to the signed chain waits for the chain's lock at the front of the
      // line; the signed append queued behind it is signed ahead on seq 1, which that one moves.
      Thread lead = appender(results, () -> WriterLog.append(db, "s", signed, bytes("plain 2")));
      awaitLockWaiter(other);
      awaitParked(appender(results, () -> WriterLog.append(db, "s", key, bytes("signed 3"))));
      awaitParked(appender(results, () -> WriterLog.append(db, "s", "other", bytes("other 2"))));
      other.commit();
      lead.join();
    }
    assertEquals(2, results.get(0).get(WAIT_SECONDS, TimeUnit.SECONDS).seq());
    assertEquals(3, results.get(1).get(WAIT_SECONDS, TimeUnit.SECONDS).seq());
    assertEquals(2, results.get(2).get(WAIT_SECONDS, TimeUnit.SECONDS).seq());
    Set<String> transactions = new HashSet<>();
    transactions.addAll(
        db.query(
            "SELECT xmin::text FROM _agent_store_log WHERE stream = 's'"
                + " AND ((writer = ? AND seq = 3) OR (writer = 'other' AND seq = 2))",
            rs -> rs.getString(1),
            signed));
    transactions.addAll(
        db.query(
            "SELECT xmin::text FROM _agent_store_sig WHERE stream = 's' AND writer = ? AND seq = 3",
            rs -> rs.getString(1),
            signed));
    assertEquals(1, transactions.size(), () -> "signed again in the batch: " + transactions);
    assertEquals(3, WriterLog.verify(db, "s", signed).orElseThrow().seq());
  }

  @Test
  void aSignedAppendOverASignatureRowLeftBehindFailsAloneAndTheBatchIsWritten() throws Exception {
    PostgresBackend db = pg.newBackend();
    WriterLog.ensureSchema(db);
    WriterKey cut = WriterKey.generate();
    WriterKey own = WriterKey.generate();
    String cutWriter = cut.fingerprint().toHex();
    WriterLog.append(db, "s", "lead", bytes("lead 1"));
    WriterLog.append(db, "s", cut, bytes("cut 1"));
    WriterLog.append(db, "s", own, bytes("own 1"));
    // What a cut tail leaves: the signature row of a seq whose entry is gone.
    db.exec(
        "INSERT INTO _agent_store_sig (stream, writer, seq, public_key, signature)"
            + " VALUES ('s', ?, 2, ?, ?)",
        cutWriter,
        cut.publicKeyBytes(),
        new byte[64]);
    List<CompletableFuture<Entry>> results =
        queuedBehindALockedAppend(
            db,
            List.of(
                () -> WriterLog.append(db, "s", own, bytes("own 2")),
                () -> WriterLog.append(db, "s", cut, bytes("cut 2")),
                () -> WriterLog.append(db, "s", "plain", bytes("plain 1"))));
    assertEquals(2, results.get(1).get(WAIT_SECONDS, TimeUnit.SECONDS).seq());
    assertEquals(1, results.get(3).get(WAIT_SECONDS, TimeUnit.SECONDS).seq());
    ExecutionException refused =
        assertThrows(
            ExecutionException.class, () -> results.get(2).get(WAIT_SECONDS, TimeUnit.SECONDS));
    ChainBrokenException broken = assertInstanceOf(ChainBrokenException.class, refused.getCause());
    assertEquals(ChainBrokenException.Reason.SIGNED_ENTRY_MISSING, broken.reason());
    assertEquals(1, WriterLog.head(db, "s", cutWriter).orElseThrow().seq());
    WriterLog.verify(db, "s", own.fingerprint().toHex(), VerifyOptions.requiringSignatures());
  }

  @Test
  void aRowTheServerRefusesFailsItsAppendAloneAndTheRestOfTheBatchIsWritten() throws Exception {
    PostgresBackend db = pg.newBackend();
    WriterLog.ensureSchema(db);
    for (String writer : List.of("lead", "a", "refused", "c")) {
      WriterLog.append(db, "s", writer, bytes(writer + " 1"));
    }
    db.exec(
        "CREATE FUNCTION refuse_rows() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            + " IF NEW.writer = 'refused' THEN RAISE EXCEPTION 'rows of this writer are refused';"
            + " END IF; RETURN NEW; END $$");
    db.exec(
        "CREATE TRIGGER refuse_rows BEFORE INSERT ON _agent_store_log"
            + " FOR EACH ROW EXECUTE FUNCTION refuse_rows()");
    // One batch of three guarded inserts, the second of which the server refuses.
    List<CompletableFuture<Entry>> results =
        queuedBehindALockedAppend(
            db,
            List.of(
                () -> WriterLog.append(db, "s", "a", bytes("a 2")),
                () -> WriterLog.append(db, "s", "refused", bytes("no")),
                () -> WriterLog.append(db, "s", "c", bytes("c 2"))));
    assertEquals(2, results.get(0).get(WAIT_SECONDS, TimeUnit.SECONDS).seq());
    assertEquals(2, results.get(1).get(WAIT_SECONDS, TimeUnit.SECONDS).seq());
    assertEquals(2, results.get(3).get(WAIT_SECONDS, TimeUnit.SECONDS).seq());
    ExecutionException refused =
        assertThrows(
            ExecutionException.class, () -> results.get(2).get(WAIT_SECONDS, TimeUnit.SECONDS));
    StoreException cause = assertInstanceOf(StoreException.class, refused.getCause());
    assertTrue(
        cause.getMessage().contains("append to s/refused")
            && cause.getMessage().contains("rows of this writer are refused"),
        cause::getMessage);
    for (String writer : List.of("lead", "a", "refused", "c")) {
      WriterLog.verify(db, "s", writer);
    }
    assertEquals(1, WriterLog.head(db, "s", "refused").orElseThrow().seq());
  }

  @Test
  void aBatchWhoseCommitFailsAcknowledgesNothingAndTheChainsGoOn() throws Exception {
    PostgresBackend db = pg.newBackend();
    WriterLog.ensureSchema(db);
    for (String writer : List.of("lead", "a", "poison", "c")) {
      WriterLog.append(db, "s", writer, bytes(writer + " 1"));
    }
    // Checked at COMMIT: every statement of the batch succeeds, and its transaction fails.
    db.exec(
        "CREATE FUNCTION refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            + " IF NEW.writer = 'poison' THEN RAISE EXCEPTION 'refused at commit'; END IF;"
            + " RETURN NULL; END $$");
    db.exec(
        "CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON _agent_store_log"
            + " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_at_commit()");
    List<Append> queued = new ArrayList<>();
    for (String writer : List.of("a", "poison", "c")) {
      queued.add(() -> WriterLog.append(db, "s", writer, bytes("no")));
    }
    List<CompletableFuture<Entry>> results = queuedBehindALockedAppend(db, queued);
    assertEquals(2, results.get(0).get(WAIT_SECONDS, TimeUnit.SECONDS).seq());
    for (int i = 1; i < results.size(); i++) {
      CompletableFuture<Entry> result = results.get(i);
      ExecutionException failed =
          assertThrows(ExecutionException.class, () -> result.get(WAIT_SECONDS, TimeUnit.SECONDS));
      assertTrue(
          failed.getCause().getMessage().contains("refused at commit"),
          failed.getCause()::getMessage);
    }
    for (String writer : List.of("a", "poison", "c")) {
      assertEquals(1, WriterLog.verify(db, "s", writer).orElseThrow().seq(), writer);
    }
    assertEquals(2, WriterLog.append(db, "s", "a", bytes("a 2")).seq());
    assertEquals(2, WriterLog.append(db, "s", "c", bytes("c 2")).seq());
  }

  @Test
  void withGroupCommitOffAnAppendDoesNotWaitBehindABusyOne() throws Exception {
    PostgresBackend db = pg.newBackend(pg.options().withGroupCommit(false));
    WriterLog.ensureSchema(db);
    for (String writer : List.of("lead", "a")) {
      WriterLog.append(db, "s", writer, bytes(writer + " 1"));
    }
    List<CompletableFuture<Entry>> results = new ArrayList<>();
    try (Connection other = holdingChainLock(db, "s", "lead")) {
      Thread lead = appender(results, () -> WriterLog.append(db, "s", "lead", bytes("lead 2")));
      awaitLockWaiter(other);
      // With grouping this append would wait in line behind the one blocked on the server, until
      // the lock this thread holds is released.
      CompletableFuture<Entry> unqueued =
          CompletableFuture.supplyAsync(() -> WriterLog.append(db, "s", "a", bytes("a 2")));
      assertEquals(2, unqueued.get(WAIT_SECONDS, TimeUnit.SECONDS).seq());
      assertTrue(lead.isAlive(), "the blocked append is still waiting for its chain's lock");
      other.commit();
      assertEquals(2, results.get(0).get(WAIT_SECONDS, TimeUnit.SECONDS).seq());
      lead.join();
    }
  }

  @Test
  void twoBackendsGroupingOnTheSameChainsNeverForkThem() throws Exception {
    PostgresBackend one = pg.newBackend();
    WriterLog.ensureSchema(one);
    PostgresBackend two = pg.newBackend(pg.options().withSchema(one.schema()));
    int threadsEach = 4;
    int perThread = 150;
    int chains = 3;
    ExecutorService pool = Executors.newFixedThreadPool(2 * threadsEach);
    try {
      List<Future<Integer>> futures = new ArrayList<>();
      for (int t = 0; t < 2 * threadsEach; t++) {
        PostgresBackend db = t % 2 == 0 ? one : two;
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < perThread; i++) {
                    WriterLog.append(db, "race", "w" + (i % chains), bytes(thread + "#" + i));
                  }
                  return perThread;
                }));
      }
      int total = 0;
      for (Future<Integer> future : futures) {
        total += future.get(WAIT_SECONDS * 4, TimeUnit.SECONDS);
      }
      int stored = 0;
      for (int c = 0; c < chains; c++) {
        long head = WriterLog.verify(one, "race", "w" + c).orElseThrow().seq();
        try (Stream<Entry> entries = WriterLog.entries(two, "race", "w" + c)) {
          assertEquals(head, entries.count(), "contiguous seqs from 1 on w" + c);
        }
        stored += (int) head;
      }
      assertEquals(total, stored, "every acknowledged append stored once");
    } finally {
      pool.shutdownNow();
    }
  }

  @FunctionalInterface
  private interface Append {
    Entry run();
  }

  private static Thread appender(List<CompletableFuture<Entry>> results, Append append) {
    CompletableFuture<Entry> result = new CompletableFuture<>();
    results.add(result);
    Thread thread =
        new Thread(
            () -> {
              try {
                result.complete(append.run());
              } catch (RuntimeException e) {
                result.completeExceptionally(e);
              }
            },
            "appender-" + results.size());
    thread.start();
    return thread;
  }

  /** An admin connection whose open transaction holds the lock of {@code stream/writer}. */
  private static Connection holdingChainLock(PostgresBackend db, String stream, String writer)
      throws SQLException {
    Connection other = PostgresTestServer.adminConnection();
    other.setAutoCommit(false);
    try (PreparedStatement lock = other.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
      lock.setLong(1, new PostgresDialect(db.schema()).chainLockKey(stream, writer));
      lock.execute();
    }
    return other;
  }

  /**
   * Appends "lead 2" to {@code s/lead} while another session holds that chain's lock, so that it
   * waits for the lock on the server at the front of the line; starts each of {@code queued} once
   * the one before is parked in line behind it; then releases the lock. Returns every result, the
   * lead's first, once the lead has returned.
   */
  private static List<CompletableFuture<Entry>> queuedBehindALockedAppend(
      PostgresBackend db, List<Append> queued) throws Exception {
    List<CompletableFuture<Entry>> results = new ArrayList<>();
    try (Connection other = holdingChainLock(db, "s", "lead")) {
      Thread lead = appender(results, () -> WriterLog.append(db, "s", "lead", bytes("lead 2")));
      awaitLockWaiter(other);
      for (Append append : queued) {
        awaitParked(appender(results, append));
      }
      other.commit();
      lead.join();
    }
    return results;
  }

  /** Waits until a session of the server waits for an advisory lock. */
  private static void awaitLockWaiter(Connection admin) throws SQLException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    try (Connection look = PostgresTestServer.adminConnection();
        PreparedStatement waiting =
            look.prepareStatement(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")) {
      while (System.nanoTime() < deadline) {
        try (ResultSet rs = waiting.executeQuery()) {
          rs.next();
          if (rs.getLong(1) > 0) {
            return;
          }
        }
        Thread.onSpinWait();
      }
    }
    fail("no session waited for the chain's lock held by " + admin);
  }

  private static void awaitParked(Thread thread) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (thread.getState() != Thread.State.WAITING
        && thread.getState() != Thread.State.TERMINATED
        && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertTrue(
        thread.getState() == Thread.State.WAITING,
        thread.getName() + " is " + thread.getState() + ", not waiting in line");
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
