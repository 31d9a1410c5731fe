package dev.agentstore.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.agentstore.AppendConflictException;
import dev.agentstore.CommitEvent;
import dev.agentstore.Durability;
import dev.agentstore.Entry;
import dev.agentstore.Generation;
import dev.agentstore.StoreListener;
import dev.agentstore.VerifyOptions;
import dev.agentstore.WriterKey;
import dev.agentstore.WriterLog;
import dev.agentstore.internal.EntrySignatures;
import dev.agentstore.internal.JdbcBackend;
import dev.agentstore.internal.LogOps;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteCommitListener;
import org.sqlite.SQLiteConnection;

/**
 * Appends that queue up while the writer connection is busy share the next commit (group commit):
 * counted with SQLite's own commit hook on the writer connection, which sees every commit, the
 * auto-committed statements too.
 */
class GroupCommitSharesCommitsTest {
  private static final long WAIT_SECONDS = 60;

  @TempDir Path dir;

  @Test
  void appendsQueuedBehindABusyWriterShareOneCommit() throws Exception {
    int followers = 7;
    List<StoreListener.Append> reported = new ArrayList<>();
    StoreListener listener =
        new StoreListener() {
          @Override
          public void onAppend(Append event) {
            synchronized (reported) {
              reported.add(event);
            }
          }
        };
    SqliteOptions options =
        SqliteOptions.defaults()
            .withDurability(Durability.FULL)
            .withBusyTimeout(Duration.ofSeconds(WAIT_SECONDS))
            .withListener(listener);
    try (SqliteBackend store = SqliteBackend.open(dir.resolve("store.db"), options)) {
      WriterLog.ensureSchema(store);
      Generation.ensureSchema(store);
      WriterLog.append(store, "s", "taken", bytes("first"));
      AtomicInteger commits = new AtomicInteger();
      AtomicInteger rollbacks = new AtomicInteger();
      countCommits(store, commits, rollbacks);
      // Every append but the conflicting one.
      CountDownLatch rang = new CountDownLatch(followers);
      Set<CommitEvent> events = ConcurrentHashMap.newKeySet();
      store
          .doorbell()
          .subscribe(
              event -> {
                events.add(event);
                rang.countDown();
              });

      // A transaction holds the writer while the appenders line up behind it.
      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<Void> holder = holdWriter(store, release);
      List<CompletableFuture<Entry>> results = new ArrayList<>();
      List<Thread> appenders = new ArrayList<>();
      // The first leads a group of its own and waits for the writer connection; the others
      // then wait behind it, and one of them writes all of them in the next transaction.
      appenders.add(appender(results, () -> WriterLog.append(store, "s", "lead", bytes("lead"))));
      awaitParked(appenders.get(0), Thread.State.TIMED_WAITING);
      for (int t = 0; t < followers; t++) {
        String writer = t % 2 == 0 ? "shared" : "own" + t;
        int n = t;
        if (t == followers - 1) {
          // An optimistic append that conflicts: it fails alone inside the group.
          appenders.add(
              appender(results, () -> WriterLog.append(store, "s", "taken", bytes("late"), 0)));
        } else {
          appenders.add(
              appender(results, () -> WriterLog.append(store, "s", writer, bytes("f" + n))));
        }
        awaitParked(appenders.get(appenders.size() - 1), Thread.State.WAITING);
      }
      commits.set(0);
      release.countDown();
      holder.get(WAIT_SECONDS, TimeUnit.SECONDS);

      List<Entry> appended = new ArrayList<>();
      for (int i = 0; i < results.size() - 1; i++) {
        appended.add(results.get(i).get(WAIT_SECONDS, TimeUnit.SECONDS));
      }
      try {
        results.get(results.size() - 1).get(WAIT_SECONDS, TimeUnit.SECONDS);
        fail("the optimistic append on a moved head was acknowledged");
      } catch (java.util.concurrent.ExecutionException e) {
        AppendConflictException conflict =
            assertInstanceOf(AppendConflictException.class, e.getCause());
        assertEquals(1, conflict.actualSeq());
      }
      // The holder's commit, the lone leader's, and one for the whole queued group; without
      // group commit, one per append.
      assertEquals(3, commits.get(), "commits after the holder released the writer");
      assertEquals(0, rollbacks.get(), "rollbacks");
      assertTrue(rang.await(WAIT_SECONDS, TimeUnit.SECONDS), "the doorbell rang for every append");
      Set<CommitEvent> expected = new HashSet<>();
      appended.forEach(entry -> expected.add(CommitEvent.of(entry)));
      assertEquals(expected, events);
      assertEquals(3, WriterLog.verify(store, "s", "shared").orElseThrow().seq());
      assertEquals(1, WriterLog.verify(store, "s", "taken").orElseThrow().seq());
      synchronized (reported) {
        // One event per append, as without group commit (the first is the setup's).
        assertEquals(followers + 2, reported.size());
        assertEquals(
            followers + 1,
            reported.stream().filter(a -> a.outcome() == StoreListener.AppendOutcome.OK).count());
        assertEquals(
            1,
            reported.stream()
                .filter(a -> a.outcome() == StoreListener.AppendOutcome.CONFLICT)
                .count());
      }
    }
  }

  @Test
  void aGroupWhoseCommitFailsAcknowledgesNothingAndTheChainsGoOn() throws Exception {
    SqliteOptions options =
        SqliteOptions.defaults().withBusyTimeout(Duration.ofSeconds(WAIT_SECONDS));
    try (SqliteBackend store = SqliteBackend.open(dir.resolve("store.db"), options)) {
      WriterLog.ensureSchema(store);
      Generation.ensureSchema(store);
      List<String> writers = List.of("a", "b", "poison");
      for (String writer : writers) {
        WriterLog.append(store, "s", writer, bytes("first"));
      }
      // A row of the poison writer leaves a dangling deferred reference: the statement succeeds,
      // and the COMMIT of its transaction fails.
      try (java.sql.Statement ddl = store.connection().createStatement()) {
        ddl.execute("PRAGMA foreign_keys = ON");
        ddl.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)");
        ddl.execute(
            "CREATE TABLE child (pid INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY"
                + " DEFERRED)");
        ddl.execute(
            "CREATE TRIGGER dangle AFTER INSERT ON _agent_store_log WHEN NEW.writer = 'poison'"
                + " BEGIN INSERT INTO child VALUES (42); END");
      }
      Set<CommitEvent> rang = ConcurrentHashMap.newKeySet();
      CountDownLatch leadRang = new CountDownLatch(1);
      store
          .doorbell()
          .subscribe(
              event -> {
                rang.add(event);
                if (event.writer().equals("lead")) {
                  leadRang.countDown();
                }
              });
      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<Void> holder = holdWriter(store, release);
      List<CompletableFuture<Entry>> results = new ArrayList<>();
      // The first leads a group of its own; the three behind it share the next transaction.
      awaitParked(
          appender(results, () -> WriterLog.append(store, "s", "lead", bytes("lead"))),
          Thread.State.TIMED_WAITING);
      for (String writer : writers) {
        awaitParked(
            appender(results, () -> WriterLog.append(store, "s", writer, bytes("second"))),
            Thread.State.WAITING);
      }
      release.countDown();
      holder.get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertEquals(1, results.get(0).get(WAIT_SECONDS, TimeUnit.SECONDS).seq());
      for (int i = 1; i < results.size(); i++) {
        ExecutionException failed =
            assertThrows(
                ExecutionException.class, results.get(i)::get, "append " + i + " acknowledged");
        assertTrue(
            failed.getCause().getMessage().contains("FOREIGN KEY constraint failed"),
            failed.getCause()::getMessage);
      }
      for (String writer : writers) {
        assertEquals(1, WriterLog.verify(store, "s", writer).orElseThrow().seq(), writer);
      }
      // The lead's leader rang its own append and the failed group's together, once done.
      assertTrue(leadRang.await(WAIT_SECONDS, TimeUnit.SECONDS), "the doorbell rang for the lead");
      assertEquals(
          Set.of(CommitEvent.of(results.get(0).get())),
          rang,
          "the doorbell rang only for the committed append");
      // The heads the group would have left are not taken for the chains' heads.
      assertEquals(2, WriterLog.append(store, "s", "a", bytes("again")).seq());
      assertEquals(2, WriterLog.append(store, "s", "b", bytes("again")).seq());
      WriterLog.verify(store, "s", "a");
    }
  }

  @Test
  void appendsOnAHeadAnotherProcessMovedAreWrittenAfterTheRealHeadWithinTheirGroup()
      throws Exception {
    Path file = dir.resolve("store.db");
    SqliteOptions options =
        SqliteOptions.defaults().withBusyTimeout(Duration.ofSeconds(WAIT_SECONDS));
    try (SqliteBackend store = SqliteBackend.open(file, options);
        SqliteBackend other = SqliteBackend.open(file, options)) {
      WriterLog.ensureSchema(store);
      Generation.ensureSchema(store);
      // This process remembers seq 1 of one chain and seq 2 of the other as their heads.
      WriterLog.append(store, "s", "ahead", bytes("1"));
      WriterLog.append(store, "s", "rewritten", bytes("1"));
      WriterLog.append(store, "s", "rewritten", bytes("2"));
      // Another process appends two entries after the first head, and cuts the second one and
      // writes another entry in its place: a guess that still names an entry of the chain, and one
      // whose entry is gone.
      WriterLog.append(other, "s", "ahead", bytes("other 2"));
      WriterLog.append(other, "s", "ahead", bytes("other 3"));
      try (java.sql.Statement cut = other.connection().createStatement()) {
        cut.executeUpdate(
            "DELETE FROM _agent_store_log WHERE stream = 's' AND writer = 'rewritten' AND seq = 2");
      }
      WriterLog.append(other, "s", "rewritten", bytes("other 2"));
      AtomicInteger commits = new AtomicInteger();
      countCommits(store, commits, new AtomicInteger());

      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<Void> holder = holdWriter(store, release);
      List<CompletableFuture<Entry>> results = new ArrayList<>();
      awaitParked(
          appender(results, () -> WriterLog.append(store, "s", "lead", bytes("lead"))),
          Thread.State.TIMED_WAITING);
      List<String> writers = List.of("ahead", "ahead", "rewritten", "rewritten", "ahead");
      for (int i = 0; i < writers.size(); i++) {
        String writer = writers.get(i);
        byte[] payload = bytes("queued " + i);
        awaitParked(
            appender(results, () -> WriterLog.append(store, "s", writer, payload)),
            Thread.State.WAITING);
      }
      commits.set(0);
      release.countDown();
      holder.get(WAIT_SECONDS, TimeUnit.SECONDS);
      List<Long> seqs = new ArrayList<>();
      for (CompletableFuture<Entry> result : results) {
        seqs.add(result.get(WAIT_SECONDS, TimeUnit.SECONDS).seq());
      }
      // Each chain goes on after its real head, then after the group's own entries, in line order.
      assertEquals(List.of(1L, 4L, 5L, 3L, 4L, 6L), seqs);
      assertEquals(3, commits.get(), "the holder's commit, the lead's, and the group's");
      assertEquals(6, WriterLog.verify(store, "s", "ahead").orElseThrow().seq());
      assertEquals(4, WriterLog.verify(store, "s", "rewritten").orElseThrow().seq());
      assertEquals(7, WriterLog.append(other, "s", "ahead", bytes("other 7")).seq());
      assertEquals(8, WriterLog.append(store, "s", "ahead", bytes("8")).seq());
      WriterLog.verify(store, "s", "ahead");
    }
  }

  @Test
  void withGroupCommitOffEveryQueuedAppendCommitsAlone() throws Exception {
    int appends = 5;
    SqliteOptions options =
        SqliteOptions.defaults()
            .withBusyTimeout(Duration.ofSeconds(WAIT_SECONDS))
            .withGroupCommit(false);
    try (SqliteBackend store = SqliteBackend.open(dir.resolve("store.db"), options)) {
      WriterLog.ensureSchema(store);
      Generation.ensureSchema(store);
      for (int t = 0; t < appends; t++) {
        WriterLog.append(store, "s", "w" + t, bytes("first"));
      }
      AtomicInteger commits = new AtomicInteger();
      countCommits(store, commits, new AtomicInteger());
      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<Void> holder = holdWriter(store, release);
      List<CompletableFuture<Entry>> results = new ArrayList<>();
      for (int t = 0; t < appends; t++) {
        String writer = "w" + t;
        awaitParked(
            appender(results, () -> WriterLog.append(store, "s", writer, bytes("second"))),
            Thread.State.TIMED_WAITING);
      }
      commits.set(0);
      release.countDown();
      holder.get(WAIT_SECONDS, TimeUnit.SECONDS);
      for (CompletableFuture<Entry> result : results) {
        assertEquals(2, result.get(WAIT_SECONDS, TimeUnit.SECONDS).seq());
      }
      assertEquals(1 + appends, commits.get(), "the holder's commit, then one per append");
    }
  }

  @Test
  void signedAppendsQueuedBehindABusyWriterShareOneCommitEachSignedAheadOnTheOneBefore()
      throws Exception {
    // The second append to the shared chain was signed ahead on the head the first one leaves:
    // nothing is signed again.
    signedGroup(Prelude.NONE, 2, 3);
  }

  @Test
  void aSignedAppendWhoseHeadAnotherProcessMovedIsSignedAgainInItsGroup() throws Exception {
    // Both appends to the shared chain were signed ahead on heads that will not be: the first on
    // seq 1 (another store appended seq 2), the second on the first's guess. Each is signed again.
    signedGroup(Prelude.APPENDED_ELSEWHERE, 4, 4);
  }

  @Test
  void aSignedAppendQueuedBehindAFailingOneOfItsChainIsSignedAgainAndTheFailureStaysAlone()
      throws Exception {
    // The first append to the shared chain expects seq 7 and fails alone; the second was signed
    // ahead on the head the first would have left, and is signed again.
    signedGroup(Prelude.FIRST_CONFLICTS, 3, 2);
  }

  @Test
  void signedAppendsOfOneChainJoiningTheLineOutOfOrderAreWrittenInTheOrderTheyWereSignedFor()
      throws Exception {
    // The first append is still signing when the second, signed ahead on the head the first will
    // leave, joins the line: the group writes the first before the second, and signs nothing
    // again.
    signedGroup(Prelude.FIRST_JOINS_LATE, 2, 3);
  }

  /** What happens to the shared chain before its two appends queue up. */
  private enum Prelude {
    NONE,
    APPENDED_ELSEWHERE,
    FIRST_CONFLICTS,
    FIRST_JOINS_LATE
  }

  /**
   * A lone leader and, queued behind it, two signed appends to a shared chain (made with a signer
   * that counts its signatures) and three of their own chains: one commit for the queued group,
   * {@code signatures} made for the shared chain, and every chain verifies with signatures
   * required, the shared one up to {@code sharedHead}.
   */
  private void signedGroup(Prelude prelude, int signatures, long sharedHead) throws Exception {
    SqliteOptions options =
        SqliteOptions.defaults()
            .withDurability(Durability.FULL)
            .withBusyTimeout(Duration.ofSeconds(WAIT_SECONDS));
    Path file = dir.resolve("store.db");
    try (SqliteBackend store = SqliteBackend.open(file, options)) {
      WriterLog.ensureSchema(store);
      Generation.ensureSchema(store);
      WriterKey sharedKey = WriterKey.generate();
      String shared = sharedKey.fingerprint().toHex();
      // The head this store remembers for the shared chain.
      WriterLog.append(store, "s", sharedKey, bytes("first"));
      if (prelude == Prelude.APPENDED_ELSEWHERE) {
        try (SqliteBackend elsewhere = SqliteBackend.open(file, options)) {
          WriterLog.append(elsewhere, "s", sharedKey, bytes("elsewhere"));
        }
      }
      AtomicInteger signed = new AtomicInteger();
      EntrySignatures.Signer counted = counting(sharedKey, signed, null);
      // The first shared append's signer, held in its first signature when it joins late.
      CountDownLatch signing = new CountDownLatch(1);
      AtomicInteger firstSigned = new AtomicInteger();
      AtomicInteger released = new AtomicInteger();
      EntrySignatures.Signer first =
          prelude == Prelude.FIRST_JOINS_LATE
              ? counting(
                  sharedKey,
                  signed,
                  () -> {
                    if (firstSigned.getAndIncrement() == 0) {
                      await(signing);
                      released.incrementAndGet();
                    }
                  })
              : counted;
      AtomicInteger commits = new AtomicInteger();
      countCommits(store, commits, new AtomicInteger());
      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<Void> holder = holdWriter(store, release);
      List<CompletableFuture<Entry>> results = new ArrayList<>();
      WriterKey leadKey = WriterKey.generate();
      Thread lead = appender(results, () -> WriterLog.append(store, "s", leadKey, bytes("lead")));
      awaitParked(lead, Thread.State.TIMED_WAITING);
      List<WriterKey> ownKeys = new ArrayList<>();
      for (int t = 0; t < 5; t++) {
        Thread thread;
        if (t < 2) {
          String payload = "shared " + t;
          OptionalLong expected =
              t == 0 && prelude == Prelude.FIRST_CONFLICTS
                  ? OptionalLong.of(7)
                  : OptionalLong.empty();
          EntrySignatures.Signer signer = t == 0 ? first : counted;
          thread =
              appender(
                  results,
                  () ->
                      LogOps.append(
                              JdbcBackend.of(store),
                              "s",
                              shared,
                              List.of(bytes(payload)),
                              expected,
                              signer)
                          .get(0));
          if (t == 0 && prelude == Prelude.FIRST_JOINS_LATE) {
            // Held in its signature, having announced the head it will leave.
            awaitCount(firstSigned);
            awaitParked(thread, Thread.State.TIMED_WAITING);
            Thread second =
                appender(
                    results,
                    () ->
                        LogOps.append(
                                JdbcBackend.of(store),
                                "s",
                                shared,
                                List.of(bytes("shared 1")),
                                OptionalLong.empty(),
                                counted)
                            .get(0));
            awaitParked(second, Thread.State.WAITING);
            signing.countDown();
            awaitCount(released);
            awaitParked(thread, Thread.State.WAITING);
            t++;
            continue;
          }
        } else {
          WriterKey key = WriterKey.generate();
          ownKeys.add(key);
          thread = appender(results, () -> WriterLog.append(store, "s", key, bytes("own")));
        }
        // Parked once it has signed ahead and joined the line: the next one signs after it.
        awaitParked(thread, Thread.State.WAITING);
      }
      commits.set(0);
      release.countDown();
      holder.get(WAIT_SECONDS, TimeUnit.SECONDS);
      for (int i = 0; i < results.size(); i++) {
        CompletableFuture<Entry> result = results.get(i);
        if (i == 1 && prelude == Prelude.FIRST_CONFLICTS) {
          ExecutionException e =
              assertThrows(
                  ExecutionException.class, () -> result.get(WAIT_SECONDS, TimeUnit.SECONDS));
          AppendConflictException conflict =
              assertInstanceOf(AppendConflictException.class, e.getCause());
          assertEquals(7, conflict.expectedSeq());
          assertEquals(1, conflict.actualSeq());
        } else {
          result.get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
      }
      assertEquals(3, commits.get(), "the holder's, the lone leader's and the group's");
      assertEquals(signatures, signed.get(), "signatures made for the shared chain");
      VerifyOptions required = VerifyOptions.requiringSignatures();
      assertEquals(sharedHead, WriterLog.verify(store, "s", shared, required).orElseThrow().seq());
      assertEquals(
          List.of(sharedHead),
          store.query(
              "SELECT COUNT(*) FROM _agent_store_sig WHERE stream = ? AND writer = ?",
              row -> row.getLong(1),
              "s",
              shared));
      for (WriterKey key : ownKeys) {
        assertEquals(
            1,
            WriterLog.verify(store, "s", key.fingerprint().toHex(), required).orElseThrow().seq());
      }
      assertEquals(
          1,
          WriterLog.verify(store, "s", leadKey.fingerprint().toHex(), required)
              .orElseThrow()
              .seq());
    }
  }

  @Test
  void appendersInterruptedWhileInLineAreWrittenWithTheirGroupAndKeepTheirInterrupt()
      throws Exception {
    SqliteOptions options =
        SqliteOptions.defaults().withBusyTimeout(Duration.ofSeconds(WAIT_SECONDS));
    try (SqliteBackend store = SqliteBackend.open(dir.resolve("store.db"), options)) {
      WriterLog.ensureSchema(store);
      Generation.ensureSchema(store);
      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<Void> holder = holdWriter(store, release);
      List<CompletableFuture<Entry>> results = new ArrayList<>();
      Thread alone = appender(results, () -> WriterLog.append(store, "s", "w", bytes("one")));
      awaitParked(alone, Thread.State.TIMED_WAITING);
      // Both wait in line behind it; the first of them will lead the two as one group.
      List<CompletableFuture<Boolean>> keptInterrupt = new ArrayList<>();
      List<Thread> queued = new ArrayList<>();
      for (String payload : List.of("two", "three")) {
        CompletableFuture<Boolean> kept = new CompletableFuture<>();
        keptInterrupt.add(kept);
        Thread thread =
            appender(
                results,
                () -> {
                  Entry entry = WriterLog.append(store, "s", "w", bytes(payload));
                  kept.complete(Thread.currentThread().isInterrupted());
                  return entry;
                });
        awaitParked(thread, Thread.State.WAITING);
        queued.add(thread);
      }
      queued.forEach(Thread::interrupt);
      release.countDown();
      holder.get(WAIT_SECONDS, TimeUnit.SECONDS);
      for (int i = 0; i < 3; i++) {
        assertEquals(i + 1, results.get(i).get(WAIT_SECONDS, TimeUnit.SECONDS).seq());
      }
      for (CompletableFuture<Boolean> kept : keptInterrupt) {
        assertTrue(kept.get(WAIT_SECONDS, TimeUnit.SECONDS), "the caller's interrupt is kept");
      }
      assertEquals(3, WriterLog.verify(store, "s", "w").orElseThrow().seq());
    }
  }

  @FunctionalInterface
  private interface Append {
    Entry run();
  }

  /** Waits until {@code count} is above 0. */
  private static void awaitCount(AtomicInteger count) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (count.get() == 0 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertTrue(count.get() > 0, "reached in time");
  }

  /**
   * {@code key} as a signer counting its signatures in {@code count}, running {@code before} first.
   */
  private static EntrySignatures.Signer counting(
      WriterKey key, AtomicInteger count, @Nullable Runnable before) {
    return new EntrySignatures.Signer() {
      @Override
      public byte[] publicKey() {
        return key.publicKeyBytes();
      }

      @Override
      public byte[] sign(byte[] message) {
        if (before != null) {
          before.run();
        }
        count.incrementAndGet();
        return key.sign(message);
      }
    };
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

  /** Waits until {@code thread} is parked: {@code state}, or (without group commit) any wait. */
  private static void awaitParked(Thread thread, Thread.State state) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (!parked(thread) && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertTrue(parked(thread), thread.getName() + " is " + thread.getState() + ", not " + state);
  }

  private static boolean parked(Thread thread) {
    Thread.State now = thread.getState();
    return now == Thread.State.WAITING || now == Thread.State.TIMED_WAITING;
  }

  /**
   * Counts every commit and rollback of the writer connection (its own statements' too) through
   * SQLite's commit hook.
   */
  private static void countCommits(
      SqliteBackend store, AtomicInteger commits, AtomicInteger rollbacks) throws SQLException {
    store
        .connection()
        .unwrap(SQLiteConnection.class)
        .addCommitListener(
            new SQLiteCommitListener() {
              @Override
              public void onCommit() {
                commits.incrementAndGet();
              }

              @Override
              public void onRollback() {
                rollbacks.incrementAndGet();
              }
            });
  }

  /** A transaction that holds the writer connection until {@code release}, once it holds it. */
  private static CompletableFuture<Void> holdWriter(SqliteBackend store, CountDownLatch release)
      throws InterruptedException {
    CountDownLatch holding = new CountDownLatch(1);
    CompletableFuture<Void> holder =
        CompletableFuture.runAsync(
            () ->
                store.runInTransaction(
                    tx -> {
                      new Generation("held").bump(tx);
                      holding.countDown();
                      await(release);
                    }));
    assertTrue(holding.await(WAIT_SECONDS, TimeUnit.SECONDS), "the holding transaction began");
    return holder;
  }

  private static void await(CountDownLatch latch) {
    try {
      assertTrue(latch.await(WAIT_SECONDS, TimeUnit.SECONDS));
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
