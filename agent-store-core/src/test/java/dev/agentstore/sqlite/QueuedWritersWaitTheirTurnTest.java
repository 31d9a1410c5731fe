package dev.agentstore.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.Entry;
import dev.agentstore.StoreBusyException;
import dev.agentstore.WriterLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A thread of this process that finds the writer connection taken waits its turn, within its busy
 * timeout, and gives up with {@link StoreBusyException} once that has passed (the bound itself is
 * {@link BusyTimeoutIsTheBoundTest}'s).
 */
class QueuedWritersWaitTheirTurnTest {
  @TempDir Path dir;

  @Test
  void anAppendQueuedBehindATransactionWritesWhenTheTransactionEnds() throws Exception {
    SqliteOptions options = SqliteOptions.defaults().withBusyTimeout(Duration.ofSeconds(60));
    try (SqliteBackend store = SqliteBackend.open(dir.resolve("store.db"), options)) {
      WriterLog.ensureSchema(store);
      CountDownLatch holding = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<Void> holder =
          CompletableFuture.runAsync(
              () ->
                  store.runInTransaction(
                      tx -> {
                        holding.countDown();
                        await(release);
                      }));
      assertTrue(holding.await(60, TimeUnit.SECONDS));
      CompletableFuture<Entry> queued = new CompletableFuture<>();
      Thread appender =
          new Thread(
              () -> {
                try {
                  queued.complete(WriterLog.append(store, "s", "w", bytes("queued")));
                } catch (RuntimeException e) {
                  queued.completeExceptionally(e);
                }
              },
              "queued-appender");
      appender.start();
      // Released only once the appender is parked waiting for the writer connection.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (appender.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertEquals(Thread.State.TIMED_WAITING, appender.getState());
      release.countDown();
      holder.get(10, TimeUnit.SECONDS);
      assertEquals(1, queued.get(30, TimeUnit.SECONDS).seq());
    }
  }

  @Test
  void aWriterHeldBeyondTheBusyTimeoutIsReportedAsBusy() throws Exception {
    SqliteOptions options = SqliteOptions.defaults().withBusyTimeout(Duration.ofMillis(50));
    try (SqliteBackend store = SqliteBackend.open(dir.resolve("store.db"), options)) {
      WriterLog.ensureSchema(store);
      CountDownLatch holding = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<Void> holder =
          CompletableFuture.runAsync(
              () ->
                  store.runInTransaction(
                      tx -> {
                        holding.countDown();
                        await(release);
                      }));
      assertTrue(holding.await(60, TimeUnit.SECONDS));
      StoreBusyException e =
          assertThrows(
              StoreBusyException.class, () -> WriterLog.append(store, "s", "w", bytes("late")));
      release.countDown();
      holder.get(10, TimeUnit.SECONDS);
      assertTrue(e.getMessage().contains("writer connection"), e.getMessage());
      assertTrue(e.getMessage().contains(dir.resolve("store.db").toString()), e.getMessage());
      assertEquals(0, WriterLog.head(store, "s", "w").map(h -> h.seq()).orElse(0L));
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
