package dev.agentstore.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.Entry;
import dev.agentstore.FollowOptions;
import dev.agentstore.Follower;
import dev.agentstore.StoreListener;
import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Nats;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A NATS server that dies and comes back mid-stream: the follower, deaf to the store itself, still
 * delivers every entry exactly once and in order. The second test shows, with no poll at all within
 * its bound, that the reconnect alone makes a follower catch up from the store.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NatsFaultTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;

  @Test
  void aServerKilledAndRestartedMidStreamLosesAndRepeatsNoEntry() throws Exception {
    Path file = dir.resolve("store.db");
    NatsSubjects subjects = NatsTesting.privateSubjects();
    try (PrivateNatsServer server = PrivateNatsServer.start();
        SqliteBackend writerDb = SqliteBackend.open(file);
        SqliteBackend followerDb = SqliteBackend.open(file)) {
      WriterLog.ensureSchema(writerDb);
      CompletableFuture<Void> writerDisconnected = new CompletableFuture<>();
      CompletableFuture<Void> writerReconnected = new CompletableFuture<>();
      // No reconnect buffer: what the bridge publishes while the server is down is lost for good,
      // so the follower can only get those entries by catching up from the store.
      Connection writerNats =
          Nats.connect(
              NatsTesting.options(server.url())
                  .reconnectBufferSize(0)
                  .connectionListener(
                      (connection, event) -> {
                        if (event == ConnectionListener.Events.DISCONNECTED) {
                          writerDisconnected.complete(null);
                        } else if (event == ConnectionListener.Events.RECONNECTED) {
                          writerReconnected.complete(null);
                        }
                      })
                  .build());
      Connection followerNats = NatsTesting.connect(server.url());
      try (NatsCommitBridge bridge = NatsCommitBridge.start(writerNats, writerDb, subjects);
          NatsWakeUps wakeUps = NatsWakeUps.forStream(followerNats, subjects, "conv");
          Follower follower =
              WriterLog.follow(
                  followerDb,
                  "conv",
                  "alice",
                  0,
                  FollowOptions.defaults()
                      .withBackendWakeUps(false)
                      // NATS may lose a ring around a reconnect; the poll bounds what that costs.
                      .withPollInterval(Duration.ofSeconds(2))
                      .withWakeUps(wakeUps))) {
        List<Entry> received = new ArrayList<>();

        // Up: every burst arrives through NATS.
        for (int burst = 0; burst < 10; burst++) {
          append(writerDb, 50);
          received.addAll(take(follower, 50));
        }

        // Down: the writer goes on; its rings are lost.
        server.kill();
        writerDisconnected.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        long failedBefore = bridge.failures();
        append(writerDb, 500);

        // Back: the follower's client reconnects and the follower catches up from the store.
        server.restart();
        received.addAll(take(follower, 500));
        System.out.printf(
            "NATS outage: %d publishes failed while the server was down%n",
            bridge.failures() - failedBefore);

        // And it keeps following, once the writer's client is back too (until then its rings are
        // lost, and only the poll would wake the follower).
        writerReconnected.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        for (int burst = 0; burst < 10; burst++) {
          append(writerDb, 50);
          received.addAll(take(follower, 50));
        }
        assertEquals(Optional.empty(), follower.poll(Duration.ofMillis(200)), "nothing more");

        assertEquals(1_500, received.size());
        for (int i = 0; i < received.size(); i++) {
          assertEquals(i + 1, received.get(i).seq(), "exactly once, in order");
        }
        try (Stream<Entry> stored = WriterLog.entries(writerDb, "conv", "alice")) {
          assertEquals(stored.toList(), received);
        }
        assertTrue(bridge.published() > 0, "the bridge published");
      } finally {
        writerNats.close();
        followerNats.close();
      }
    }
  }

  @Test
  void aReconnectAloneMakesTheFollowerCatchUpWithWhatCommittedDuringTheOutage() throws Exception {
    Path file = dir.resolve("store.db");
    NatsSubjects subjects = NatsTesting.privateSubjects();
    try (PrivateNatsServer server = PrivateNatsServer.start();
        SqliteBackend writerDb = SqliteBackend.open(file);
        SqliteBackend followerDb = SqliteBackend.open(file)) {
      WriterLog.ensureSchema(writerDb);
      Connection followerNats = NatsTesting.connect(server.url());
      List<StoreListener.Reconnect> reported = new CopyOnWriteArrayList<>();
      StoreListener listener =
          new StoreListener() {
            @Override
            public void onReconnect(Reconnect event) {
              reported.add(event);
            }
          };
      // No bridge at all: nothing but the reconnect (and no poll within the bound) can wake it.
      try (NatsWakeUps wakeUps = NatsWakeUps.forStream(followerNats, subjects, "conv", listener);
          Follower follower =
              WriterLog.follow(
                  followerDb,
                  "conv",
                  "alice",
                  0,
                  FollowOptions.defaults()
                      .withBackendWakeUps(false)
                      .withPollInterval(Duration.ofHours(1))
                      .withWakeUps(wakeUps))) {
        assertEquals(Optional.empty(), follower.poll(Duration.ofMillis(200)));
        for (int outage = 1; outage <= 2; outage++) {
          server.kill();
          append(writerDb, 100);
          server.restart();
          List<Entry> received = take(follower, 100);
          assertEquals(outage * 100L, received.get(99).seq());
          assertTrue(wakeUps.reconnects() >= outage, "woken by the reconnect");
          // One report per reconnect (the client's events may come on another thread than the
          // wake-up that let the follower catch up: waited for, within a bound).
          long deadline = System.nanoTime() + WAIT.toNanos();
          while (reported.size() < outage) {
            assertTrue(System.nanoTime() < deadline, "reconnect " + outage + " never reported");
            Thread.onSpinWait();
          }
          assertEquals(outage, reported.size(), () -> reported.toString());
          assertEquals(
              "NATS subject " + subjects.subject("conv"), reported.get(outage - 1).source());
        }
        assertEquals(Optional.empty(), follower.poll(Duration.ofMillis(200)), "nothing more");
      } finally {
        followerNats.close();
      }
    }
  }

  private static void append(SqliteBackend db, int count) {
    for (int i = 0; i < count; i++) {
      WriterLog.append(db, "conv", "alice", ("entry " + i).getBytes(StandardCharsets.UTF_8));
    }
  }

  private static List<Entry> take(Follower follower, int count) throws InterruptedException {
    List<Entry> entries = new ArrayList<>();
    while (entries.size() < count) {
      Optional<Entry> entry = follower.poll(WAIT);
      if (entry.isEmpty()) {
        throw new AssertionError("only " + entries.size() + " of " + count + " entries in " + WAIT);
      }
      entries.add(entry.get());
    }
    return entries;
  }
}
