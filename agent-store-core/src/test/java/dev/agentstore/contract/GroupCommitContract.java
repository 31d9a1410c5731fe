package dev.agentstore.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.agentstore.AppendConflictException;
import dev.agentstore.ChainBrokenException;
import dev.agentstore.Dialect;
import dev.agentstore.Entry;
import dev.agentstore.MalformedRowException;
import dev.agentstore.StoreException;
import dev.agentstore.VerifyOptions;
import dev.agentstore.WriterKey;
import dev.agentstore.WriterLog;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Appends of many threads at once, in the shapes a backend that commits concurrent appends together
 * (group commit) must keep apart: plain, optimistic and batched appends to one chain and to many,
 * and bad appends among good ones, each failing alone. Appenders are queued behind a transaction
 * held open first, so that a backend that serialises its writes releases them as one crowd.
 */
public abstract class GroupCommitContract extends BackendContract {
  private static final int THREADS = 8;

  @Test
  void manyThreadsAppendingToTheirOwnWritersKeepContiguousChains() {
    int perThread = 300;
    List<List<Entry>> acknowledged =
        crowd(
            t -> {
              List<Entry> mine = new ArrayList<>();
              for (int i = 1; i <= perThread; i++) {
                if (i % 10 == 0) {
                  mine.addAll(
                      WriterLog.appendAll(
                          store, "group", "w" + t, List.of(utf8("a" + i), utf8("b" + i))));
                } else {
                  mine.add(WriterLog.append(store, "group", "w" + t, utf8("#" + i)));
                }
              }
              return mine;
            });
    for (int t = 0; t < THREADS; t++) {
      assertEquals(perThread + perThread / 10, acknowledged.get(t).size());
      assertEquals(acknowledged.get(t), storedVerified("group", "w" + t));
    }
  }

  @Test
  void manyThreadsAppendingToOneWriterShareOneContiguousChain() {
    int perThread = 200;
    List<List<Entry>> acknowledged =
        crowd(
            t -> {
              List<Entry> mine = new ArrayList<>();
              for (int i = 1; i <= perThread; i++) {
                mine.add(WriterLog.append(store, "group", "shared", utf8(t + "#" + i)));
              }
              return mine;
            });
    List<Entry> stored = storedVerified("group", "shared");
    assertEquals(THREADS * perThread, stored.size());
    for (List<Entry> mine : acknowledged) {
      for (Entry entry : mine) {
        assertEquals(entry, stored.get((int) entry.seq() - 1));
      }
    }
  }

  @Test
  void optimisticAndPlainAppendsToOneChainMixWithoutForks() {
    int perThread = 150;
    List<int[]> outcomes =
        crowd(
            t -> {
              int conflicts = 0;
              int appended = 0;
              for (int i = 1; i <= perThread; i++) {
                if (t % 2 == 0) {
                  WriterLog.append(store, "group", "mixed", utf8("plain " + t + "#" + i));
                  appended++;
                  continue;
                }
                long seen = WriterLog.head(store, "group", "mixed").map(Entry::seq).orElse(0L);
                try {
                  Entry entry =
                      WriterLog.append(store, "group", "mixed", utf8("opt " + t + "#" + i), seen);
                  assertEquals(seen + 1, entry.seq());
                  appended++;
                } catch (AppendConflictException e) {
                  assertEquals(seen, e.expectedSeq());
                  assertTrue(e.actualSeq() > seen, "a conflict reports the head that moved on");
                  conflicts++;
                }
              }
              return new int[] {appended, conflicts};
            });
    int appended = 0;
    for (int[] outcome : outcomes) {
      assertEquals(perThread, outcome[0] + outcome[1]);
      appended += outcome[0];
    }
    assertEquals(appended, storedVerified("group", "mixed").size());
  }

  @Test
  void signedAppendsOfManyThreadsKeepSignedChainsBesideUnsignedOnes() {
    int perThread = 60;
    WriterKey shared = WriterKey.generate();
    List<WriterKey> own = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      own.add(WriterKey.generate());
    }
    List<int[]> counts =
        crowd(
            t -> {
              int mine = 0;
              int common = 0;
              for (int i = 1; i <= perThread; i++) {
                switch (i % 4) {
                  case 0 -> {
                    WriterLog.appendAll(
                        store, "signed", own.get(t), List.of(utf8("a" + i), utf8("b" + i)));
                    mine += 2;
                  }
                  case 1 -> {
                    // Threads sign ahead on the same head, so most must be signed again.
                    WriterLog.append(store, "signed", shared, utf8(t + "#" + i));
                    common++;
                  }
                  case 2 -> WriterLog.append(store, "signed", "plain" + t, utf8("p" + i));
                  default -> {
                    WriterLog.append(store, "signed", own.get(t), utf8("s" + i));
                    mine++;
                  }
                }
              }
              return new int[] {mine, common};
            });
    int common = 0;
    for (int t = 0; t < THREADS; t++) {
      String writer = own.get(t).fingerprint().toHex();
      assertEquals(counts.get(t)[0], storedVerified("signed", writer).size());
      assertEquals(
          counts.get(t)[0],
          WriterLog.verify(store, "signed", writer, VerifyOptions.requiringSignatures())
              .orElseThrow()
              .seq());
      assertEquals(perThread / 4, storedVerified("signed", "plain" + t).size());
      common += counts.get(t)[1];
    }
    String sharedWriter = shared.fingerprint().toHex();
    assertEquals(common, storedVerified("signed", sharedWriter).size());
    assertEquals(
        common,
        WriterLog.verify(store, "signed", sharedWriter, VerifyOptions.requiringSignatures())
            .orElseThrow()
            .seq());
    assertEquals(
        List.of((long) common),
        store.query(
            "SELECT COUNT(*) FROM _agent_store_sig WHERE stream = ? AND writer = ?",
            row -> row.getLong(1),
            "signed",
            sharedWriter));
  }

  @Test
  void signedAppendsThatMustFailFailAloneAmongSignedOptimisticAndPlainOnes() {
    // A chain whose seq 2 was deleted and its signature row left behind: a signed append there
    // must be refused (it would overwrite the evidence), alone.
    WriterKey cut = WriterKey.generate();
    String cutWriter = cut.fingerprint().toHex();
    WriterLog.appendAll(store, "signed", cut, List.of(utf8("one"), utf8("two")));
    store.exec(
        "DELETE FROM _agent_store_log WHERE stream = ? AND writer = ? AND seq = 2",
        "signed",
        cutWriter);
    WriterKey shared = WriterKey.generate();
    String sharedWriter = shared.fingerprint().toHex();
    List<WriterKey> own = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      own.add(WriterKey.generate());
    }
    int perThread = 40;
    List<int[]> counts =
        crowd(
            t -> {
              int mine = 0;
              int common = 0;
              int plain = 0;
              for (int i = 1; i <= perThread; i++) {
                switch (i % 4) {
                  case 0 -> {
                    boolean batch = i % 8 == 0;
                    ChainBrokenException refused =
                        assertThrows(
                            ChainBrokenException.class,
                            () -> {
                              if (batch) {
                                WriterLog.appendAll(
                                    store, "signed", cut, List.of(utf8("x"), utf8("y")));
                              } else {
                                WriterLog.append(store, "signed", cut, utf8("x"));
                              }
                            });
                    assertEquals(
                        ChainBrokenException.Reason.SIGNED_ENTRY_MISSING, refused.reason());
                    assertEquals(2, refused.seq());
                  }
                  case 1 -> {
                    long seen =
                        WriterLog.head(store, "signed", sharedWriter).map(Entry::seq).orElse(0L);
                    try {
                      Entry entry =
                          WriterLog.append(store, "signed", shared, utf8(t + "#" + i), seen);
                      assertEquals(seen + 1, entry.seq());
                      common++;
                    } catch (AppendConflictException e) {
                      assertEquals(seen, e.expectedSeq());
                      assertTrue(e.actualSeq() > seen, "a conflict reports the head that moved on");
                    }
                  }
                  case 2 -> {
                    Entry entry = WriterLog.append(store, "signed", "plain" + t, utf8("p"), plain);
                    plain++;
                    assertEquals(plain, entry.seq());
                  }
                  default -> {
                    List<Entry> entries =
                        WriterLog.appendAll(
                            store, "signed", own.get(t), List.of(utf8("a" + i), utf8("b" + i)));
                    assertEquals(mine + 1, entries.get(0).seq());
                    mine += 2;
                  }
                }
              }
              return new int[] {mine, common, plain};
            });
    VerifyOptions required = VerifyOptions.requiringSignatures();
    int common = 0;
    for (int t = 0; t < THREADS; t++) {
      String writer = own.get(t).fingerprint().toHex();
      assertEquals(counts.get(t)[0], storedVerified("signed", writer).size());
      assertEquals(
          counts.get(t)[0],
          WriterLog.verify(store, "signed", writer, required).orElseThrow().seq());
      assertEquals(counts.get(t)[2], storedVerified("signed", "plain" + t).size());
      common += counts.get(t)[1];
    }
    assertTrue(common > 0, "some optimistic signed appends succeeded");
    assertEquals(common, storedVerified("signed", sharedWriter).size());
    assertEquals(
        common, WriterLog.verify(store, "signed", sharedWriter, required).orElseThrow().seq());
    assertEquals(1, WriterLog.head(store, "signed", cutWriter).orElseThrow().seq());
    assertEquals(
        List.of(2L),
        store.query(
            "SELECT COUNT(*) FROM _agent_store_sig WHERE stream = ? AND writer = ?",
            row -> row.getLong(1),
            "signed",
            cutWriter),
        "the signature row left at seq 2 is kept, and no other was written");
  }

  @Test
  void aBadAppendAmongGoodOnesFailsAlone() {
    // A head whose content_hash is 5 bytes: appending after it must be refused.
    store.exec(
        "INSERT INTO _agent_store_log (stream, writer, seq, prev_hash, content_hash, payload)"
            + " VALUES (?, ?, ?, ?, ?, ?)",
        "group",
        "malformed",
        1L,
        null,
        new byte[5],
        utf8("x"));
    WriterLog.append(store, "group", "taken", utf8("first"));
    int perThread = 100;
    List<Integer> good =
        crowd(
            t -> {
              int ok = 0;
              for (int i = 1; i <= perThread; i++) {
                switch (i % 4) {
                  case 0 ->
                      assertInstanceOf(
                          MalformedRowException.class,
                          assertThrows(
                              StoreException.class,
                              () -> WriterLog.append(store, "group", "malformed", utf8("no"))));
                  case 1 -> {
                    AppendConflictException conflict =
                        assertThrows(
                            AppendConflictException.class,
                            () -> WriterLog.append(store, "group", "taken", utf8("no"), 0));
                    assertEquals(0, conflict.expectedSeq());
                    assertEquals(1, conflict.actualSeq());
                  }
                  default -> {
                    WriterLog.appendAll(
                        store, "group", "good" + t, List.of(utf8("g" + i), utf8("h" + i)));
                    ok += 2;
                  }
                }
              }
              return ok;
            });
    for (int t = 0; t < THREADS; t++) {
      assertEquals(good.get(t), storedVerified("group", "good" + t).size());
    }
    assertEquals(1, storedVerified("group", "taken").size());
    try (Stream<Entry> rows = WriterLog.entries(store, "group", "malformed")) {
      assertEquals(1, rows.count(), "nothing was appended after the malformed head");
    } catch (MalformedRowException expected) {
      // Reading the malformed row may itself be refused; what counts is that nothing was added.
    }
  }

  @Test
  void anAppendWhoseRowTheDatabaseRefusesFailsAloneAndItsGroupIsWritten() {
    // Heads this backend remembers, so that every append is one guarded INSERT (in PostgreSQL, a
    // statement of the group's batch); then a trigger makes the database refuse one chain's rows.
    WriterLog.append(store, "group", "refused", utf8("before the trigger"));
    for (int t = 0; t < THREADS; t++) {
      WriterLog.append(store, "group", "fine" + t, utf8("first"));
    }
    refuseRowsOfWriter("refused");
    int perThread = 60;
    List<Integer> good =
        crowd(
            t -> {
              int ok = 0;
              for (int i = 0; i < perThread; i++) {
                // Half the threads begin with a refused append: the crowd's first group holds
                // four of them among four good ones.
                if ((i + t) % 2 == 0 && i % 3 == 0) {
                  byte[] payload = utf8("no " + i);
                  StoreException refused =
                      assertThrows(
                          StoreException.class,
                          () -> WriterLog.append(store, "group", "refused", payload));
                  assertTrue(
                      refused.getMessage().contains("group/refused"),
                      () -> "names the refused chain: " + refused.getMessage());
                } else {
                  WriterLog.append(store, "group", "fine" + t, utf8("#" + i));
                  ok++;
                }
              }
              return ok;
            });
    for (int t = 0; t < THREADS; t++) {
      assertEquals(1 + good.get(t), storedVerified("group", "fine" + t).size());
    }
    assertEquals(1, storedVerified("group", "refused").size());
  }

  // ---------------------------------------------------------------- helpers

  /** Installs a trigger with which the database refuses every new row of {@code writer}. */
  private void refuseRowsOfWriter(String writer) {
    if (store.dialect() == Dialect.POSTGRES) {
      store.exec(
          "CREATE FUNCTION refuse_rows() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
              + " IF NEW.writer = '"
              + writer
              + "' THEN RAISE EXCEPTION 'rows of this writer are refused here'; END IF;"
              + " RETURN NEW; END $$");
      store.exec(
          "CREATE TRIGGER refuse_rows BEFORE INSERT ON _agent_store_log"
              + " FOR EACH ROW EXECUTE FUNCTION refuse_rows()");
    } else {
      store.exec(
          "CREATE TRIGGER refuse_rows BEFORE INSERT ON _agent_store_log WHEN NEW.writer = '"
              + writer
              + "' BEGIN SELECT RAISE(ABORT, 'rows of this writer are refused here'); END");
    }
  }

  /** Work for thread {@code t} of a crowd. */
  @FunctionalInterface
  protected interface Work<T> {
    T run(int t) throws Exception;
  }

  /**
   * Runs {@code work} on {@link #THREADS} threads that start while a transaction holds the store
   * open; the transaction ends once every thread is waiting (or done), so that a backend with one
   * writer finds them all queued together.
   */
  private <T> List<T> crowd(Work<T> work) {
    ExecutorService pool = threads(THREADS + 1);
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Future<Boolean> holder =
        pool.submit(
            () ->
                store.inTransaction(
                    tx -> {
                      tx.exec("UPDATE _agent_store_meta SET ival = ival WHERE key = 'none'");
                      held.countDown();
                      try {
                        return release.await(WAIT_SECONDS, TimeUnit.SECONDS);
                      } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                      }
                    }));
    try {
      assertTrue(held.await(WAIT_SECONDS, TimeUnit.SECONDS), "the holding transaction began");
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
    List<Thread> workers = new ArrayList<>();
    List<Future<T>> futures = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int thread = t;
      futures.add(
          pool.submit(
              () -> {
                synchronized (workers) {
                  workers.add(Thread.currentThread());
                  workers.notifyAll();
                }
                return work.run(thread);
              }));
    }
    awaitAllParked(workers, futures);
    release.countDown();
    assertTrue(await(holder), "the holding transaction was released in time");
    return awaitAll(futures);
  }

  /** Waits until every worker has started and is parked (or has finished). */
  private static <T> void awaitAllParked(List<Thread> workers, List<Future<T>> futures) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    synchronized (workers) {
      while (workers.size() < THREADS) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          fail("only " + workers.size() + " of " + THREADS + " appenders started");
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(workers, left);
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    for (int i = 0; i < THREADS; i++) {
      Thread worker;
      synchronized (workers) {
        worker = workers.get(i);
      }
      Future<T> future = futures.get(i);
      while (!future.isDone()
          && worker.getState() != Thread.State.WAITING
          && worker.getState() != Thread.State.TIMED_WAITING) {
        if (System.nanoTime() > deadline) {
          fail("appender " + worker.getName() + " never waited: " + worker.getState());
        }
        Thread.onSpinWait();
      }
    }
  }

  /** The stored chain of {@code stream/writer}, after checking that it verifies. */
  private List<Entry> storedVerified(String stream, String writer) {
    WriterLog.verify(store, stream, writer);
    try (Stream<Entry> all = WriterLog.entries(store, stream, writer)) {
      List<Entry> entries = all.toList();
      assertValidChain(entries);
      return entries;
    }
  }
}
