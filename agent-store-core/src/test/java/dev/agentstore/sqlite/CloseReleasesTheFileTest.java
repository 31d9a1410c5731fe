package dev.agentstore.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.Follower;
import dev.agentstore.WriterLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code close()} returns only after every thread the backend or a follower started has finished
 * with the file: afterwards no connection of ours is open, so SQLite's last connection (the
 * writer's) has checkpointed the WAL and deleted {@code -wal} and {@code -shm}, and the directory
 * can be removed.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class CloseReleasesTheFileTest {
  private static final int CYCLES = 300;

  @TempDir Path dir;

  @Test
  void closingTheLastFollowerReturnsAfterTheWatcherThreadFinished() throws Exception {
    Path file = dir.resolve("store.db");
    try (SqliteBackend db = SqliteBackend.open(file)) {
      WriterLog.ensureSchema(db);
      Thread watcher;
      try (Follower follower = WriterLog.follow(db, "conv", "alice", 0)) {
        follower.poll(Duration.ofMillis(1));
        List<Thread> running = threadsOf(file);
        assertEquals(1, running.size(), "the watcher runs while someone follows: " + running);
        watcher = running.get(0);
      }
      assertFalse(watcher.isAlive(), "the watcher thread still runs after its follower closed");
    }
  }

  @Test
  void closingTheBackendUnderAFollowerReturnsAfterTheWatcherThreadFinished() throws Exception {
    Path file = dir.resolve("store.db");
    SqliteBackend db = SqliteBackend.open(file);
    WriterLog.ensureSchema(db);
    WriterLog.append(db, "conv", "alice", "x".getBytes(StandardCharsets.UTF_8));
    Follower follower = WriterLog.follow(db, "conv", "alice", 0);
    follower.poll(Duration.ofMillis(1));
    List<Thread> running = threadsOf(file);
    db.close();
    for (Thread thread : running) {
      assertFalse(thread.isAlive(), "thread \"" + thread.getName() + "\" outlived close()");
    }
    assertEquals(List.of(file), filesIn(dir), "only the database file remains");
    follower.close();
  }

  @Test
  void threeHundredCyclesOfOpenFollowCloseLeaveNoThreadAndNoWalBehind() throws Exception {
    Path file = dir.resolve("store.db");
    byte[] payload = "turn".getBytes(StandardCharsets.UTF_8);
    for (int cycle = 1; cycle <= CYCLES; cycle++) {
      SqliteBackend db = SqliteBackend.open(file);
      try {
        WriterLog.ensureSchema(db);
        WriterLog.append(db, "conv", "alice", payload);
        // Starting one behind the head, the first poll may or may not find its entry in 1 ms;
        // either way the watcher is starting or running when the follower closes.
        Follower follower = WriterLog.follow(db, "conv", "alice", cycle - 1);
        follower.poll(Duration.ofMillis(1));
        follower.close();
      } finally {
        db.close();
      }
      assertEquals(List.of(), threadsOf(file), "threads left after cycle " + cycle);
      assertEquals(List.of(file), filesIn(dir), "files left after cycle " + cycle);
    }
    try (SqliteBackend db = SqliteBackend.open(file)) {
      assertEquals(CYCLES, WriterLog.verify(db, "conv", "alice").orElseThrow().seq());
    }
    Files.delete(file);
    assertTrue(filesIn(dir).isEmpty());
  }

  /** Our threads (watcher, background readers) that name this file and are alive. */
  private static List<Thread> threadsOf(Path file) {
    String path = file.toAbsolutePath().toString();
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("agent-store") && t.getName().contains(path))
        .filter(Thread::isAlive)
        .toList();
  }

  private static List<Path> filesIn(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.sorted().toList();
    }
  }
}
