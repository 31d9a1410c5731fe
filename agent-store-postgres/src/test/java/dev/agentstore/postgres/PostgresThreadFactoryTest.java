package dev.agentstore.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.agentstore.AgentStore;
import dev.agentstore.Follower;
import dev.agentstore.WriterLog;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A caller's {@code ThreadFactory} supplies the LISTEN thread of a PostgreSQL backend. */
class PostgresThreadFactoryTest {
  @RegisterExtension static final PostgresTestServer pg = new PostgresTestServer();

  @Test
  void theListenThreadComesFromTheCallersFactoryAndEndsWithClose() {
    List<Thread> made = new CopyOnWriteArrayList<>();
    ThreadFactory factory =
        task -> {
          Thread thread = new Thread(task, "caller's thread " + made.size());
          thread.setDaemon(true);
          made.add(thread);
          return thread;
        };
    PostgresBackend db = pg.newBackend(pg.options().withThreadFactory(factory));
    try {
      AgentStore.ensureSchema(db);
      WriterLog.append(db, "s", "w", "one");
      try (Follower follower = WriterLog.follow(db, "s", "w", 1)) {
        // Waiting for an entry starts the LISTEN connection's thread.
        assertEquals(Optional.empty(), follower.poll(Duration.ofMillis(50)));
      }
      assertFalse(made.isEmpty(), "no thread came from the caller's factory");
      assertFalse(
          Thread.getAllStackTraces().keySet().stream()
              .anyMatch(t -> t.getName().startsWith("agent-store LISTEN of " + db.describe())),
          "a LISTEN thread of agent-store's own was started beside the factory's");
    } finally {
      db.close();
    }
    for (Thread thread : made) {
      assertFalse(thread.isAlive(), () -> thread.getName() + " still runs after close");
    }
  }
}
