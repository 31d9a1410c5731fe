package dev.agentstore.postgres;

import static dev.agentstore.postgres.Failures.chain;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.StoreBusyException;
import dev.agentstore.WriterLog;
import dev.agentstore.postgres.internal.PostgresDialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With a lock timeout set, it bounds a whole write call, not each of its attempts: waits for a
 * pooled connection, lock waits on the server and the pauses between attempts together.
 */
class PostgresLockTimeoutIsTheBoundTest {
  @RegisterExtension static final PostgresTestServer pg = new PostgresTestServer();

  private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(1);

  /**
   * Room for a loaded machine's scheduling on top of the timeout; each attempt waiting the whole
   * timeout (the defect this guards against) took 8 attempts, about 9 s.
   */
  private static final Duration MARGIN = Duration.ofSeconds(3);

  @Test
  void anAppendBehindAnotherTransactionsChainLockGivesUpWithinTheLockTimeout() throws SQLException {
    PostgresBackend db = pg.newBackend(pg.options().withLockTimeout(LOCK_TIMEOUT));
    WriterLog.ensureSchema(db);
    WriterLog.append(db, "jobs", "alice", new byte[] {1});
    long key = new PostgresDialect(db.schema()).chainLockKey("jobs", "alice");

    try (Connection other = PostgresTestServer.adminConnection()) {
      other.setAutoCommit(false);
      try (PreparedStatement lock = other.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
        lock.setLong(1, key);
        lock.execute();
      }
      long start = System.nanoTime();
      StoreBusyException busy =
          assertThrows(
              StoreBusyException.class,
              () -> WriterLog.append(db, "jobs", "alice", new byte[] {2}));
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertWithinTheBound(took, busy);
      assertEquals(StoreBusyException.Holder.ANOTHER_CONNECTION, busy.holder(), () -> chain(busy));
      assertTrue(
          busy.getMessage().contains("another connection held a lock it needed"),
          () -> chain(busy));
      assertTrue(busy.getMessage().contains("jobs/alice"), () -> chain(busy));
      assertTrue(busy.getMessage().contains("lock timeout 1,000 ms"), () -> chain(busy));
      other.rollback();
    }
    // Nothing was written by the call that gave up, and the connections it used carry the
    // configured lock timeout again.
    assertEquals(2, WriterLog.append(db, "jobs", "alice", new byte[] {3}).seq());
    for (int i = 0; i < PostgresTestServer.TEST_POOL_SIZE + 1; i++) {
      assertEquals("1s", db.query("SHOW lock_timeout", row -> row.getString(1)).get(0));
    }
  }

  @Test
  void anAppendWaitingForAPoolWhoseConnectionsAreAllInUseGivesUpWithinTheLockTimeout()
      throws Exception {
    PostgresBackend db = pg.newBackend(pg.options().withLockTimeout(LOCK_TIMEOUT).withPoolSize(1));
    WriterLog.ensureSchema(db);
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService thread =
        Executors.newSingleThreadExecutor(task -> new Thread(task, "pool-holder"));
    try {
      Future<?> holder =
          thread.submit(
              () ->
                  db.inTransaction(
                      tx -> {
                        WriterLog.append(tx, "jobs", "bob", new byte[] {1});
                        holding.countDown();
                        await(release);
                        return null;
                      }));
      assertTrue(holding.await(60, TimeUnit.SECONDS), "the holder took the only connection");
      long start = System.nanoTime();
      StoreBusyException busy =
          assertThrows(
              StoreBusyException.class,
              () -> WriterLog.append(db, "jobs", "carol", new byte[] {1}));
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertWithinTheBound(took, busy);
      assertEquals(StoreBusyException.Holder.THIS_PROCESS, busy.holder(), () -> chain(busy));
      assertTrue(
          busy.getMessage().contains("every connection of this process's pool (1)"),
          () -> chain(busy));
      release.countDown();
      holder.get(60, TimeUnit.SECONDS);
    } finally {
      release.countDown();
      thread.shutdownNow();
    }
    assertEquals(1, WriterLog.append(db, "jobs", "carol", new byte[] {1}).seq());
  }

  private static void assertWithinTheBound(Duration took, StoreBusyException busy) {
    assertTrue(
        took.compareTo(LOCK_TIMEOUT) >= 0,
        () -> "gave up early, after " + took + ": " + chain(busy));
    assertTrue(
        took.compareTo(LOCK_TIMEOUT.plus(MARGIN)) < 0,
        () -> "waited " + took + ", past the lock timeout of " + LOCK_TIMEOUT + ": " + chain(busy));
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(120, TimeUnit.SECONDS)) {
        throw new IllegalStateException("never released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
