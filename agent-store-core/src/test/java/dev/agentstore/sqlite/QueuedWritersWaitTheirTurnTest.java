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
 * A thread of this process that waits for the writer connection is as patient as one that waits for
 * another process's lock: it keeps its turn across several busy timeouts, and gives up with {@link
 * StoreBusyException} only once the whole retry budget is spent.
 */
class QueuedWritersWaitTheirTurnTest {
  private static final Duration BUSY = Duration.ofMillis(200);

  @TempDir Path dir;

  @Test
  void anAppendQueuedBehindALongTransactionWaitsLongerThanOneBusyTimeout() throws Exception {
    SqliteOptions options = SqliteOptions.defaults().withBusyTimeout(BUSY);
    try (SqliteBackend store = SqliteBackend.open(dir.resolve("store.db"), options)) {
      WriterLog.ensureSchema(store);
      CountDownLatch holding = new CountDownLatch(1);
      CompletableFuture<Void> holder =
          CompletableFuture.runAsync(
              () ->
                  store.runInTransaction(
                      tx -> {
                        holding.countDown();
                        sleep(BUSY.multipliedBy(3));
                      }));
      assertTrue(holding.await(10, TimeUnit.SECONDS));
      Entry entry = WriterLog.append(store, "s", "w", bytes("queued"));
      holder.get(10, TimeUnit.SECONDS);
      assertEquals(1, entry.seq());
    }
  }

  @Test
  void aWriterHeldBeyondTheRetryBudgetIsReportedAsBusy() throws Exception {
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
      assertTrue(holding.await(10, TimeUnit.SECONDS));
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

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
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
