package dev.agentstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.sqlite.SqliteBackend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Periodic checkpoints: by count, by time on an injected clock, never when nothing changed. */
class CheckpointerTest {
  private static final WriterKey KEY = WriterKey.generate();

  @TempDir Path dir;

  private final List<Checkpoint> kept = new ArrayList<>();
  private final AtomicLong now = new AtomicLong(1_000);

  private Checkpointer checkpointer(Backend db, CheckpointSchedule schedule) {
    return Checkpointer.create(
        db, KEY, Checkpoint.Selection.stream("conv"), schedule, kept::add, now::get);
  }

  @Test
  void everyNEntriesTakesOneCheckpointAtTheNthEntry() {
    try (Backend db = SqliteBackend.open(dir.resolve("n.db"))) {
      WriterLog.ensureSchema(db);
      WriterLog.append(db, "conv", "alice", "before");
      Checkpointer checkpointer = checkpointer(db, CheckpointSchedule.everyEntries(3));
      for (int i = 1; i <= 2; i++) {
        Entry entry = WriterLog.append(db, "conv", "alice", "e" + i);
        assertEquals(Optional.empty(), checkpointer.observe(entry));
      }
      Entry third = WriterLog.append(db, "conv", "bob", "e3");
      Checkpoint checkpoint = checkpointer.observe(third).orElseThrow();
      assertEquals(List.of(heads(db)), List.of(checkpoint.chains()));
      assertEquals(3, checkpoint.chains().get(0).seq());
      assertEquals(1, checkpoint.chains().get(1).seq());
      assertEquals(List.of(checkpoint), kept);
      assertTrue(Checkpoint.check(db, checkpoint, List.of(KEY.publicKey())).ok());
      assertEquals(0, checkpointer.unrecorded());
    }
  }

  @Test
  void repeatedAndForeignAnnouncementsAreNotCounted() {
    try (Backend db = SqliteBackend.open(dir.resolve("dup.db"))) {
      WriterLog.ensureSchema(db);
      Checkpointer checkpointer = checkpointer(db, CheckpointSchedule.everyEntries(2));
      Entry first = WriterLog.append(db, "conv", "alice", "a");
      checkpointer.observe(first);
      checkpointer.observe(first);
      checkpointer.observe(WriterLog.append(db, "other", "alice", "not covered"));
      assertEquals(1, checkpointer.unrecorded());
      assertEquals(List.of(), kept);
      // A coalesced announcement (seq 3 after seq 1) counts the entries it stands for.
      WriterLog.append(db, "conv", "alice", "b");
      Entry third = WriterLog.append(db, "conv", "alice", "c");
      assertEquals(3, checkpointer.observe(third).orElseThrow().chains().get(0).seq());
      assertEquals(1, kept.size());
    }
  }

  @Test
  void afterActivityIsMeasuredOnTheInjectedClockFromTheFirstUnrecordedEntry() {
    try (Backend db = SqliteBackend.open(dir.resolve("t.db"))) {
      WriterLog.ensureSchema(db);
      Checkpointer checkpointer =
          checkpointer(db, CheckpointSchedule.afterActivity(Duration.ofSeconds(10)));
      // Nothing happened: time alone takes no checkpoint.
      now.addAndGet(Duration.ofHours(1).toNanos());
      assertEquals(Optional.empty(), checkpointer.tick());
      assertEquals(Optional.empty(), checkpointer.observe(WriterLog.append(db, "conv", "a", "1")));
      now.addAndGet(Duration.ofSeconds(9).toNanos());
      assertEquals(Optional.empty(), checkpointer.observe(WriterLog.append(db, "conv", "a", "2")));
      now.addAndGet(Duration.ofSeconds(1).toNanos() - 1);
      assertEquals(Optional.empty(), checkpointer.tick());
      now.incrementAndGet();
      assertEquals(2, checkpointer.tick().orElseThrow().chains().get(0).seq());
      // Recorded: neither time nor flush takes another until something changes.
      now.addAndGet(Duration.ofHours(1).toNanos());
      assertEquals(Optional.empty(), checkpointer.tick());
      assertEquals(Optional.empty(), checkpointer.flush());
      assertEquals(1, checkpointer.taken());
      // The next activity starts its own ten seconds.
      assertEquals(Optional.empty(), checkpointer.observe(WriterLog.append(db, "conv", "a", "3")));
      now.addAndGet(Duration.ofSeconds(10).toNanos());
      assertEquals(3, checkpointer.tick().orElseThrow().chains().get(0).seq());
      assertEquals(2, kept.size());
    }
  }

  @Test
  void bothBoundsWhicheverComesFirst() {
    try (Backend db = SqliteBackend.open(dir.resolve("both.db"))) {
      WriterLog.ensureSchema(db);
      Checkpointer checkpointer =
          checkpointer(
              db, CheckpointSchedule.everyEntries(2).withAfterActivity(Duration.ofMillis(500)));
      checkpointer.observe(WriterLog.append(db, "conv", "a", "1"));
      assertEquals(
          2,
          checkpointer.observe(WriterLog.append(db, "conv", "a", "2")).get().chains().get(0).seq());
      checkpointer.observe(WriterLog.append(db, "conv", "a", "3"));
      now.addAndGet(Duration.ofMillis(500).toNanos());
      assertEquals(3, checkpointer.tick().orElseThrow().chains().get(0).seq());
    }
  }

  @Test
  void aFailingSinkKeepsTheEntriesCountedAndTheNextCallTriesAgain() {
    try (Backend db = SqliteBackend.open(dir.resolve("fail.db"))) {
      WriterLog.ensureSchema(db);
      boolean[] down = {true};
      Checkpointer checkpointer =
          Checkpointer.create(
              db,
              KEY,
              Checkpoint.Selection.all(),
              CheckpointSchedule.everyEntries(1),
              checkpoint -> {
                if (down[0]) {
                  throw new StoreException("sink down");
                }
                kept.add(checkpoint);
              },
              now::get);
      Entry entry = WriterLog.append(db, "conv", "a", "1");
      assertEquals(
          "sink down",
          assertThrows(StoreException.class, () -> checkpointer.observe(entry)).getMessage());
      assertEquals(1, checkpointer.unrecorded());
      down[0] = false;
      assertEquals(1, checkpointer.tick().orElseThrow().chains().get(0).seq());
      assertEquals(1, kept.size());
    }
  }

  @Test
  void startedOnTheDoorbellItCheckpointsCommitsAndClosingRecordsTheRest() throws Exception {
    BlockingQueue<Checkpoint> sink = new LinkedBlockingQueue<>();
    Path file = dir.resolve("cp.json");
    try (Backend db = SqliteBackend.open(dir.resolve("bell.db"))) {
      WriterLog.ensureSchema(db);
      Checkpointer checkpointer =
          Checkpointer.start(
              db,
              KEY,
              Checkpoint.Selection.all(),
              CheckpointSchedule.everyEntries(2),
              checkpoint -> {
                CheckpointSink.file(file).publish(checkpoint);
                sink.add(checkpoint);
              });
      WriterLog.append(db, "conv", KEY, new byte[] {1});
      WriterLog.append(db, "conv", KEY, new byte[] {2});
      Checkpoint second = sink.poll(30, TimeUnit.SECONDS);
      assertEquals(2, second.chains().get(0).seq());
      WriterLog.append(db, "conv", KEY, new byte[] {3});
      checkpointer.close();
      Checkpoint last = sink.poll(0, TimeUnit.SECONDS);
      assertEquals(3, last.chains().get(0).seq());
      assertEquals(2, checkpointer.taken());
      assertEquals(0, checkpointer.failures());
      assertEquals(last, CheckpointSource.file(file).latest().orElseThrow());
      assertTrue(Checkpoint.check(db, CheckpointSource.file(file), List.of(KEY.publicKey())).ok());
      checkpointer.close();
      assertEquals(List.of(), List.copyOf(sink));
    }
  }

  @Test
  void startedWithATimeBoundItCheckpointsOnceTheActivityIsThatOld() throws Exception {
    BlockingQueue<Checkpoint> sink = new LinkedBlockingQueue<>();
    try (Backend db = SqliteBackend.open(dir.resolve("timed.db"))) {
      WriterLog.ensureSchema(db);
      long before = System.nanoTime();
      Checkpointer checkpointer =
          Checkpointer.start(
              db,
              KEY,
              Checkpoint.Selection.all(),
              CheckpointSchedule.afterActivity(Duration.ofMillis(200)),
              sink::add);
      WriterLog.append(db, "conv", "alice", "only");
      Checkpoint checkpoint = sink.poll(30, TimeUnit.SECONDS);
      assertTrue(System.nanoTime() - before >= Duration.ofMillis(200).toNanos());
      assertEquals(1, checkpoint.chains().get(0).seq());
      checkpointer.close();
      assertEquals(1, checkpointer.taken());
      assertEquals(List.of(), List.copyOf(sink));
    }
  }

  @Test
  void aFollowerOfAnotherWritersCommitsDrivesIt() {
    Path file = dir.resolve("follow.db");
    try (Backend writer = SqliteBackend.open(file);
        Backend watcher = SqliteBackend.open(file)) {
      WriterLog.ensureSchema(writer);
      Checkpointer checkpointer =
          Checkpointer.create(
              watcher,
              KEY,
              Checkpoint.Selection.stream("conv"),
              CheckpointSchedule.everyEntries(2),
              kept::add,
              now::get);
      try (Follower follower = WriterLog.followStream(watcher, "conv")) {
        // Appended through another backend object: the watcher hears of them from the store.
        for (int i = 1; i <= 3; i++) {
          WriterLog.append(writer, "conv", "alice", "e" + i);
          Entry entry = follower.poll(Duration.ofSeconds(30)).orElseThrow();
          assertEquals(i, entry.seq());
          checkpointer.observe(entry);
        }
      }
      assertEquals(List.of(2L), kept.stream().map(c -> c.chains().get(0).seq()).toList());
      checkpointer.close();
      assertEquals(List.of(2L, 3L), kept.stream().map(c -> c.chains().get(0).seq()).toList());
    }
  }

  @Test
  void checkingAgainstASourceWithoutACheckpointSaysSo() {
    Path missing = dir.resolve("none.json");
    try (Backend db = SqliteBackend.open(dir.resolve("none.db"))) {
      WriterLog.ensureSchema(db);
      assertEquals(
          "no checkpoint to check " + db.describe() + " against in checkpoint file " + missing,
          assertThrows(
                  InvalidInputException.class,
                  () -> Checkpoint.check(db, CheckpointSource.file(missing), List.of()))
              .getMessage());
    }
  }

  @Test
  void aScheduleRefusesBoundsThatMeanNothing() {
    assertEquals(
        "everyEntries must be at least 1, got 0",
        assertThrows(InvalidInputException.class, () -> CheckpointSchedule.everyEntries(0))
            .getMessage());
    assertEquals(
        "afterActivity must be positive, got PT0S",
        assertThrows(
                InvalidInputException.class, () -> CheckpointSchedule.afterActivity(Duration.ZERO))
            .getMessage());
  }

  private static List<Head> heads(Backend db) {
    return WriterLog.heads(db, "conv");
  }
}
