package dev.agentstore.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.AppendConflictException;
import dev.agentstore.ChainBrokenException;
import dev.agentstore.Entry;
import dev.agentstore.FollowOptions;
import dev.agentstore.Follower;
import dev.agentstore.StoreBusyException;
import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import dev.agentstore.sqlite.SqliteOptions;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real appends, follows, verifies and busy waits on a SQLite file, recorded by a {@link
 * MicrometerListener} into a {@link SimpleMeterRegistry}, with the exact counts they must give.
 */
class MicrometerListenerSqliteTest {
  private static final Duration NEVER = Duration.ofHours(1);

  @TempDir Path dir;
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private SqliteBackend db;
  private String store;

  @BeforeEach
  void open() {
    db =
        SqliteBackend.open(
            dir.resolve("m.db"),
            SqliteOptions.defaults().withListener(MicrometerListener.of(registry)));
    WriterLog.ensureSchema(db);
    store = db.describe();
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void appendsAreTimedByOutcomeAndTheirEntriesCounted() {
    WriterLog.append(db, "conv", "alice", bytes("one"));
    WriterLog.append(db, "conv", "alice", bytes("two"));
    WriterLog.appendAll(db, "conv", "bob", List.of(bytes("a"), bytes("b"), bytes("c")));
    assertThrows(
        AppendConflictException.class,
        () -> WriterLog.append(db, "conv", "alice", bytes("late"), 1));

    Timer ok = timer("agentstore.append", "outcome", "ok");
    assertEquals(3, ok.count());
    assertTrue(ok.totalTime(TimeUnit.NANOSECONDS) > 0);
    assertEquals(1, timer("agentstore.append", "outcome", "conflict").count());
    assertEquals(0, timer("agentstore.append", "outcome", "busy").count());
    assertEquals(5.0, counter("agentstore.append.entries").count());
    assertEquals(
        0, registry.find("agentstore.append").tagKeys("stream").timers().size(), "stream tag off");
  }

  @Test
  void theStreamTagIsThereOnlyWhenAskedFor() {
    db.close();
    db =
        SqliteBackend.open(
            dir.resolve("tagged.db"),
            SqliteOptions.defaults()
                .withListener(MicrometerListener.of(registry).withStreamTag(true)));
    WriterLog.ensureSchema(db);
    WriterLog.append(db, "conv", "alice", bytes("one"));
    WriterLog.append(db, "other", "alice", bytes("two"));

    assertEquals(
        1,
        registry
            .get("agentstore.append")
            .tags("store", db.describe(), "outcome", "ok", "stream", "conv")
            .timer()
            .count());
    assertEquals(
        1,
        registry
            .get("agentstore.append")
            .tags("store", db.describe(), "outcome", "ok", "stream", "other")
            .timer()
            .count());
  }

  @Test
  void verifiesAreTimedByResultAndCountTheEntriesFoundIntact() {
    for (int i = 1; i <= 5; i++) {
      WriterLog.append(db, "conv", "alice", bytes("entry " + i));
    }
    WriterLog.verify(db, "conv", "alice");
    assertEquals(1, timer("agentstore.verify", "result", "intact").count());
    assertEquals(5.0, counter("agentstore.verify.entries").count());

    db.exec(
        "UPDATE _agent_store_log SET payload = ? WHERE stream = ? AND writer = ? AND seq = ?",
        bytes("tampered"),
        "conv",
        "alice",
        4);
    ChainBrokenException broken =
        assertThrows(ChainBrokenException.class, () -> WriterLog.verify(db, "conv", "alice"));
    assertEquals(4, broken.seq());
    assertEquals(1, timer("agentstore.verify", "result", "broken").count());
    assertEquals(5.0 + 3.0, counter("agentstore.verify.entries").count(), "seqs 1-3 were intact");
  }

  @Test
  void aFollowerReportsHowManyEntriesItsConsumerTrailsTheHeadBy() throws InterruptedException {
    WriterLog.appendAll(
        db, "conv", "alice", List.of(bytes("1"), bytes("2"), bytes("3"), bytes("4"), bytes("5")));
    FollowOptions pagesOfTwo = FollowOptions.defaults().withPollInterval(NEVER).withPageSize(2);
    try (Follower follower = WriterLog.follow(db, "conv", "alice", 0, pagesOfTwo)) {
      // Reads: 1-2 (5 behind), 3-4 (3 behind), 5 (1 behind).
      for (int seq = 1; seq <= 5; seq++) {
        Optional<Entry> entry = follower.poll(Duration.ofSeconds(10));
        assertEquals(seq, entry.orElseThrow().seq());
      }
      DistributionSummary lag = summary("agentstore.follower.lag.entries");
      assertEquals(3, lag.count());
      assertEquals(5.0 + 3.0 + 1.0, lag.totalAmount());
      assertEquals(5.0, lag.max());
      Timer lagTime = timer("agentstore.follower.lag.time");
      assertEquals(3, lagTime.count());
      assertTrue(lagTime.totalTime(TimeUnit.NANOSECONDS) > 0, "behind since it was created");
    }

    // A follower that starts at the head is caught up at its first read: nothing behind.
    try (Follower caughtUp =
        WriterLog.follow(
            db, "conv", "alice", 5, FollowOptions.defaults().withPollInterval(NEVER))) {
      assertEquals(Optional.empty(), caughtUp.poll(Duration.ZERO));
      DistributionSummary lag = summary("agentstore.follower.lag.entries");
      assertEquals(4, lag.count());
      assertEquals(9.0, lag.totalAmount());
    }
  }

  @Test
  void anAppendThatWaitsForAnotherConnectionsLockIsReportedAsABusyWait() throws Exception {
    WriterLog.append(db, "conv", "alice", bytes("first"));
    try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("m.db"))) {
      try (Statement statement = other.createStatement()) {
        statement.execute("BEGIN IMMEDIATE");
      }
      CompletableFuture<Entry> waiting =
          CompletableFuture.supplyAsync(() -> WriterLog.append(db, "conv", "alice", bytes("2")));
      // The appender is in SQLite's busy handler once it parks; only then is the lock released.
      awaitParked(waiting);
      try (Statement statement = other.createStatement()) {
        statement.execute("COMMIT");
      }
      assertEquals(2, waiting.get(30, TimeUnit.SECONDS).seq());
    }
    Timer proceeded = timer("agentstore.busy.waits", "outcome", "proceeded");
    assertEquals(1, proceeded.count());
    assertTrue(proceeded.totalTime(TimeUnit.NANOSECONDS) > 0);
    assertEquals(0, timer("agentstore.busy.waits", "outcome", "gave_up").count());
    assertEquals(2, timer("agentstore.append", "outcome", "ok").count());
  }

  @Test
  void anAppendThatGivesUpIsABusyAppendAndAGaveUpWait() throws Exception {
    db.close();
    db =
        SqliteBackend.open(
            dir.resolve("m.db"),
            SqliteOptions.defaults()
                .withBusyTimeout(Duration.ofMillis(100))
                .withListener(MicrometerListener.of(registry)));
    try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("m.db"))) {
      try (Statement statement = other.createStatement()) {
        statement.execute("BEGIN IMMEDIATE");
      }
      assertThrows(
          StoreBusyException.class, () -> WriterLog.append(db, "conv", "alice", bytes("x")));
      try (Statement statement = other.createStatement()) {
        statement.execute("ROLLBACK");
      }
    }
    assertEquals(1, timer("agentstore.append", "outcome", "busy").count());
    Timer gaveUp = timer("agentstore.busy.waits", "outcome", "gave_up");
    assertEquals(1, gaveUp.count());
    assertTrue(
        gaveUp.totalTime(TimeUnit.MILLISECONDS) >= 100,
        "it waited its whole busy timeout: " + gaveUp.totalTime(TimeUnit.MILLISECONDS) + " ms");
  }

  private static void awaitParked(CompletableFuture<?> call) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!parkedInBusyHandler()) {
      assertTrue(System.nanoTime() < deadline, "the append never waited");
      assertTrue(!call.isDone(), "the append did not wait: " + call);
      Thread.onSpinWait();
    }
  }

  private static boolean parkedInBusyHandler() {
    for (var entry : Thread.getAllStackTraces().entrySet()) {
      for (StackTraceElement frame : entry.getValue()) {
        if (frame.getClassName().endsWith("DeadlineBusyHandler")
            && entry.getKey().getState() == Thread.State.TIMED_WAITING) {
          return true;
        }
      }
    }
    return false;
  }

  private Timer timer(String name, String... tags) {
    return registry.get(name).tag("store", store).tags(tags).timer();
  }

  private Counter counter(String name) {
    return registry.get(name).tag("store", store).counter();
  }

  private DistributionSummary summary(String name) {
    return registry.get(name).tag("store", store).summary();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
