package dev.agentstore.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.AgentStore;
import dev.agentstore.Follower;
import dev.agentstore.InvalidInputException;
import dev.agentstore.WriterLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A caller's {@code ThreadFactory} supplies every thread a SQLite backend starts. */
class ThreadFactoryOptionTest {
  @TempDir Path dir;

  @Test
  void theCommitWatcherComesFromTheCallersFactoryAndEndsWithClose() {
    List<Thread> made = new CopyOnWriteArrayList<>();
    ThreadFactory factory =
        task -> {
          Thread thread = new Thread(task, "caller's thread " + made.size());
          thread.setDaemon(true);
          made.add(thread);
          return thread;
        };
    SqliteBackend db =
        SqliteBackend.open(
            dir.resolve("store.db"), SqliteOptions.defaults().withThreadFactory(factory));
    try {
      AgentStore.ensureSchema(db);
      WriterLog.append(db, "s", "w", "one");
      try (Follower follower = WriterLog.follow(db, "s", "w", 1)) {
        // Waiting for an entry starts the data_version watcher.
        assertEquals(Optional.empty(), follower.poll(Duration.ofMillis(50)));
      }
      assertFalse(made.isEmpty(), "no thread came from the caller's factory");
      assertFalse(
          Thread.getAllStackTraces().keySet().stream()
              .anyMatch(t -> t.getName().startsWith("agent-store data_version watcher")),
          "a watcher thread of agent-store's own was started beside the factory's");
    } finally {
      db.close();
    }
    for (Thread thread : made) {
      assertFalse(thread.isAlive(), () -> thread.getName() + " still runs after close");
    }
  }

  @Test
  void theOptionIsPartOfTheOptionsValue() {
    ThreadFactory factory = Thread::new;
    SqliteOptions options = SqliteOptions.defaults().withThreadFactory(factory);
    assertEquals(Optional.of(factory), options.threadFactory());
    assertEquals(Optional.empty(), SqliteOptions.defaults().threadFactory());
    assertEquals(options, SqliteOptions.defaults().withThreadFactory(factory));
    assertTrue(options.toString().contains("threadFactory="));
    assertThrows(
        InvalidInputException.class, () -> SqliteOptions.defaults().withThreadFactory(null));
  }
}
