package dev.agentstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.StoreListener.Append;
import dev.agentstore.StoreListener.AppendOutcome;
import dev.agentstore.StoreListener.BusyOutcome;
import dev.agentstore.StoreListener.BusyWait;
import dev.agentstore.StoreListener.FollowerLag;
import dev.agentstore.StoreListener.Verify;
import dev.agentstore.sqlite.SqliteBackend;
import dev.agentstore.sqlite.SqliteOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link StoreListener} contract on a real SQLite file: what is reported, on which thread, and
 * that a listener that throws never reaches the work it reports on.
 */
class StoreListenerTest {
  @TempDir Path dir;

  /** Keeps every event, with the thread it came on. */
  static final class Recording implements StoreListener {
    final List<Object> events = new CopyOnWriteArrayList<>();
    final List<Thread> threads = new CopyOnWriteArrayList<>();

    private void add(Object event) {
      events.add(event);
      threads.add(Thread.currentThread());
    }

    @Override
    public void onAppend(Append event) {
      add(event);
    }

    @Override
    public void onBusyWait(BusyWait event) {
      add(event);
    }

    @Override
    public void onVerify(Verify event) {
      add(event);
    }

    @Override
    public void onFollowerLag(FollowerLag event) {
      add(event);
    }

    <T> List<T> of(Class<T> type) {
      return events.stream().filter(type::isInstance).map(type::cast).toList();
    }
  }

  @Test
  void appendsVerifiesAndFollowsAreReportedOnTheThreadThatDidThem() throws Exception {
    Recording listener = new Recording();
    try (SqliteBackend db =
        SqliteBackend.open(dir.resolve("s.db"), SqliteOptions.defaults().withListener(listener))) {
      WriterLog.ensureSchema(db);
      WriterLog.appendAll(db, "conv", "alice", List.of(bytes("a"), bytes("b")));
      WriterLog.verify(db, "conv", "alice");
      try (Follower follower =
          WriterLog.follow(
              db,
              "conv",
              "alice",
              0,
              FollowOptions.defaults().withPollInterval(Duration.ofHours(1)))) {
        assertEquals(1, follower.poll(Duration.ofSeconds(10)).orElseThrow().seq());
      }

      Append append = listener.of(Append.class).get(0);
      assertEquals(db.describe(), append.store());
      assertEquals("conv", append.stream());
      assertEquals("alice", append.writer());
      assertEquals(2, append.entries());
      assertEquals(AppendOutcome.OK, append.outcome());
      assertTrue(append.nanos() > 0);
      Verify verify = listener.of(Verify.class).get(0);
      assertEquals(2, verify.entries());
      assertTrue(verify.intact());
      FollowerLag lag = listener.of(FollowerLag.class).get(0);
      assertEquals(2, lag.entriesBehind());
      assertEquals(Optional.of("alice"), lag.writer());
      assertEquals(List.of(), listener.of(BusyWait.class), "nothing waited");
      for (Thread thread : listener.threads) {
        assertSame(Thread.currentThread(), thread);
      }
    }
  }

  @Test
  void aListenerThatThrowsNeverReachesTheWork() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    StoreListener throwing =
        new StoreListener() {
          @Override
          public void onAppend(Append event) {
            calls.incrementAndGet();
            throw new IllegalStateException("listener bug");
          }

          @Override
          public void onVerify(Verify event) {
            calls.incrementAndGet();
            throw new IllegalStateException("listener bug");
          }

          @Override
          public void onFollowerLag(FollowerLag event) {
            calls.incrementAndGet();
            throw new IllegalStateException("listener bug");
          }
        };
    try (SqliteBackend db =
        SqliteBackend.open(dir.resolve("t.db"), SqliteOptions.defaults().withListener(throwing))) {
      WriterLog.ensureSchema(db);
      assertEquals(1, WriterLog.append(db, "conv", "alice", bytes("a")).seq());
      assertEquals(2, WriterLog.append(db, "conv", "alice", bytes("b")).seq());
      assertEquals(2, WriterLog.verify(db, "conv", "alice").orElseThrow().seq());
      try (Follower follower =
          WriterLog.follow(
              db,
              "conv",
              "alice",
              0,
              FollowOptions.defaults().withPollInterval(Duration.ofHours(1)))) {
        assertEquals(1, follower.poll(Duration.ofSeconds(10)).orElseThrow().seq());
      }
    }
    assertEquals(4, calls.get(), "two appends, one verify, one follower read");
  }

  @Test
  void anAppendThatWaitsForAnotherThreadOfThisProcessIsABusyWaitThatProceeded() throws Exception {
    Recording listener = new Recording();
    try (SqliteBackend db =
        SqliteBackend.open(dir.resolve("w.db"), SqliteOptions.defaults().withListener(listener))) {
      WriterLog.ensureSchema(db);
      CountDownLatch holding = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<Void> holder =
          CompletableFuture.runAsync(
              () ->
                  db.inTransaction(
                      tx -> {
                        holding.countDown();
                        awaitQuietly(release);
                        return null;
                      }));
      assertTrue(holding.await(30, TimeUnit.SECONDS));
      Thread[] appender = new Thread[1];
      CompletableFuture<Entry> append =
          CompletableFuture.supplyAsync(
              () -> {
                appender[0] = Thread.currentThread();
                return WriterLog.append(db, "conv", "alice", bytes("x"));
              });
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (appender[0] == null || appender[0].getState() != Thread.State.TIMED_WAITING) {
        assertTrue(System.nanoTime() < deadline, "the append never waited");
        Thread.onSpinWait();
      }
      release.countDown();
      holder.get(30, TimeUnit.SECONDS);
      assertEquals(1, append.get(30, TimeUnit.SECONDS).seq());

      List<BusyWait> waits = listener.of(BusyWait.class);
      assertEquals(1, waits.size(), () -> waits.toString());
      BusyWait wait = waits.get(0);
      assertEquals("append to conv/alice", wait.operation());
      assertEquals(1, wait.attempt());
      assertEquals(BusyOutcome.PROCEEDED, wait.outcome());
      assertTrue(wait.waitedNanos() > 0);
    }
  }

  @Test
  void optionsCarryTheListenerAndCompareIt() {
    StoreListener one = new Recording();
    SqliteOptions with = SqliteOptions.defaults().withListener(one);
    assertSame(StoreListener.none(), SqliteOptions.defaults().listener());
    assertSame(one, with.listener());
    assertEquals(with, SqliteOptions.defaults().withListener(one));
    assertNotEquals(with, SqliteOptions.defaults().withListener(new Recording()));
    assertEquals(SqliteOptions.defaults(), with.withListener(StoreListener.none()));
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
