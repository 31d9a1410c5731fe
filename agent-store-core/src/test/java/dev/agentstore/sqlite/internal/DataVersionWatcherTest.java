package dev.agentstore.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.Entry;
import dev.agentstore.FollowOptions;
import dev.agentstore.Follower;
import dev.agentstore.StoreClosedException;
import dev.agentstore.WriterLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code data_version} watcher of a SQLite file: it runs only while someone follows, hears
 * other connections' commits, and lets followers of a closed backend find out.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DataVersionWatcherTest {
  private static final Duration NEVER = Duration.ofHours(1);

  @TempDir Path dir;

  @Test
  void theWatcherThreadRunsOnlyWhileSomeoneFollows() throws Exception {
    Path file = dir.resolve("watched.db");
    try (SqliteBackend db = SqliteBackend.open(file)) {
      WriterLog.ensureSchema(db);
      assertEquals(List.of(), watchers(file));
      Follower first = WriterLog.follow(db, "conv", "alice", 0);
      Follower second = WriterLog.follow(db, "conv", "bob", 0);
      List<Thread> running = watchers(file);
      assertEquals(1, running.size(), "one watcher per backend");
      first.close();
      assertTrue(running.get(0).isAlive(), "still needed by the second follower");
      second.close();
      assertFalse(running.get(0).isAlive(), "stopped before the last follower's close returned");
      try (Follower again = WriterLog.follow(db, "conv", "alice", 0)) {
        assertEquals(1, watchers(file).size(), "started again");
        assertEquals(0, again.position("alice"));
      }
    }
    // The watcher's read-only connection closed before the writer's, which as the last one
    // checkpointed the WAL and deleted it and the WAL index.
    assertEquals(List.of(), watchers(file));
    assertFalse(Files.exists(dir.resolve("watched.db-wal")), "watched.db-wal left behind");
    assertFalse(Files.exists(dir.resolve("watched.db-shm")), "watched.db-shm left behind");
  }

  @Test
  void aCommitThroughAnotherConnectionWakesAFollowerAtTheConfiguredInterval() throws Exception {
    Path file = dir.resolve("watched.db");
    SqliteOptions slow = SqliteOptions.defaults().withCommitCheckInterval(Duration.ofMillis(250));
    try (SqliteBackend db = SqliteBackend.open(file, slow);
        SqliteBackend other = SqliteBackend.open(file)) {
      WriterLog.ensureSchema(db);
      try (Follower follower =
          WriterLog.follow(
              db, "conv", "alice", 0, FollowOptions.defaults().withPollInterval(NEVER))) {
        assertEquals(Optional.empty(), follower.poll(Duration.ofMillis(100)));
        Entry appended =
            WriterLog.append(other, "conv", "alice", "x".getBytes(StandardCharsets.UTF_8));
        assertEquals(Optional.of(appended), follower.poll(Duration.ofSeconds(30)));
      }
    }
  }

  @Test
  void closingTheBackendWakesItsFollowersWhichThenFailClearly() throws Exception {
    Path file = dir.resolve("watched.db");
    SqliteBackend db = SqliteBackend.open(file);
    WriterLog.ensureSchema(db);
    Follower follower =
        WriterLog.follow(db, "conv", "alice", 0, FollowOptions.defaults().withPollInterval(NEVER));
    assertEquals(Optional.empty(), follower.poll(Duration.ofMillis(100)));
    CompletableFuture<Throwable> failure = new CompletableFuture<>();
    Thread consumer =
        new Thread(
            () -> {
              try {
                follower.hasNext();
                failure.complete(null);
              } catch (Throwable t) {
                failure.complete(t);
              }
            });
    consumer.start();
    db.close();
    assertTrue(failure.get(30, TimeUnit.SECONDS) instanceof StoreClosedException);
    assertThrows(StoreClosedException.class, () -> WriterLog.follow(db, "conv", "alice", 0));
    follower.close();
  }

  private static List<Thread> watchers(Path file) {
    String name = "agent-store data_version watcher of SQLite store " + file.toAbsolutePath();
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals(name) && t.isAlive())
        .toList();
  }
}
