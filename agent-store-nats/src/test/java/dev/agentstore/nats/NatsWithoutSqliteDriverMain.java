package dev.agentstore.nats;

import dev.agentstore.AgentStore;
import dev.agentstore.ChainLog;
import dev.agentstore.Entry;
import dev.agentstore.FollowOptions;
import dev.agentstore.Follower;
import dev.agentstore.WriterLog;
import dev.agentstore.postgres.PostgresBackend;
import dev.agentstore.postgres.PostgresOptions;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.time.Duration;

/**
 * Runs in a child JVM whose class path lacks sqlite-jdbc ({@link NatsWithoutSqliteDriverTest}):
 * {@code <pg url> <schema> <nats url> <subject prefix>}. A follower that hears of commits only
 * through NATS (its poll interval is an hour) receives an append bridged from a PostgreSQL backend;
 * prints {@code ok}, or exits non-zero with the stack trace.
 */
public final class NatsWithoutSqliteDriverMain {
  private NatsWithoutSqliteDriverMain() {}

  public static void main(String[] args) throws Exception {
    try {
      Class.forName("org.sqlite.JDBC", false, NatsWithoutSqliteDriverMain.class.getClassLoader());
      throw new AssertionError("org.sqlite.JDBC is on the class path");
    } catch (ClassNotFoundException expected) {
      // as intended: the driver is missing
    }
    NatsSubjects subjects = new NatsSubjects(args[3]);
    // Closed by hand: Connection.close() throws InterruptedException, which try-with-resources
    // would have to handle for every resource.
    Connection nats = Nats.connect(NatsTesting.options(args[2]).build());
    try (PostgresBackend db =
            PostgresBackend.connect(
                args[0], PostgresOptions.defaults().withSchema(args[1]).withPoolSize(2));
        NatsCommitBridge bridge = NatsCommitBridge.start(nats, db, subjects);
        NatsWakeUps wakeUps = NatsWakeUps.forStream(nats, subjects, "conv")) {
      AgentStore.ensureSchema(db);
      ChainLog alice = WriterLog.of(db, "conv", "alice");
      FollowOptions options =
          FollowOptions.defaults()
              .withBackendWakeUps(false)
              .withPollInterval(Duration.ofHours(1))
              .withWakeUps(wakeUps);
      try (Follower follower = alice.follow(0, options)) {
        // The first poll reads the empty chain; from then on only a NATS wake-up makes the
        // follower read again within the test's bound.
        if (follower.poll(Duration.ofMillis(1)).isPresent()) {
          throw new AssertionError("an entry before the first append");
        }
        alice.append("one");
        Entry entry = follower.poll(Duration.ofSeconds(30)).orElseThrow();
        if (entry.seq() != 1 || !entry.payloadUtf8().equals("one")) {
          throw new AssertionError("followed entry 1 \"one\", got " + entry);
        }
      }
      if (wakeUps.received() < 1 || bridge.failures() != 0) {
        throw new AssertionError(
            "commit messages received: "
                + wakeUps.received()
                + ", rings the bridge failed to publish: "
                + bridge.failures());
      }
    } finally {
      nats.close();
    }
    System.out.println("ok");
  }
}
