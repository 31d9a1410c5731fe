package dev.agentstore.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.Entry;
import dev.agentstore.FollowOptions;
import dev.agentstore.Follower;
import dev.agentstore.WriterLog;
import dev.agentstore.postgres.PostgresBackend;
import dev.agentstore.postgres.PostgresOptions;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL-only meters from a real server: the wait for a connection of the backend's own
 * pool, and a {@code LISTEN} connection that reconnects after its server process was terminated.
 * Needs the server at {@code AGENT_STORE_PG_URL} (default {@value #DEFAULT_URL}): skipped when it
 * does not answer, failed when {@code CI=true}.
 */
class MicrometerListenerPostgresTest {
  private static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
  private static final long WAIT_SECONDS = 30;

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final String schema =
      "agent_store_test_micrometer_" + UUID.randomUUID().toString().substring(0, 8);
  private PostgresBackend db;

  private static String url() {
    String url = System.getenv("AGENT_STORE_PG_URL");
    return url == null || url.isEmpty() ? DEFAULT_URL : url;
  }

  @BeforeEach
  void connect() {
    try (Connection probe = DriverManager.getConnection(url())) {
      probe.isValid(5);
    } catch (SQLException e) {
      String reason = "PostgreSQL at " + url() + " does not answer: " + e.getMessage();
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        Assertions.fail(reason + " (CI=true: required)");
      }
      Assumptions.abort(reason);
    }
    db =
        PostgresBackend.connect(
            url(),
            PostgresOptions.defaults()
                .withSchema(schema)
                .withPoolSize(1)
                .withListener(MicrometerListener.of(registry)));
    WriterLog.ensureSchema(db);
  }

  @AfterEach
  void dropSchema() throws SQLException {
    if (db != null) {
      db.close();
    }
    try (Connection admin = DriverManager.getConnection(url());
        Statement statement = admin.createStatement()) {
      statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }

  @Test
  void anAppendThatWaitsForTheOnlyPooledConnectionIsTimedAsAPoolWait() throws Exception {
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<Void> holder =
        CompletableFuture.runAsync(
            () ->
                db.inTransaction(
                    tx -> {
                      holding.countDown();
                      await(release);
                      return null;
                    }));
    assertTrue(holding.await(WAIT_SECONDS, TimeUnit.SECONDS));
    Timer poolWait = registry.get("agentstore.pool.wait").tag("store", db.describe()).timer();
    long borrowsBefore = poolWait.count();

    Thread[] appender = new Thread[1];
    CompletableFuture<Entry> append =
        CompletableFuture.supplyAsync(
            () -> {
              appender[0] = Thread.currentThread();
              return WriterLog.append(db, "conv", "alice", "x".getBytes(StandardCharsets.UTF_8));
            });
    // Waiting inside the pool for the one connection, which the holder keeps until released.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (appender[0] == null || appender[0].getState() != Thread.State.TIMED_WAITING) {
      assertTrue(System.nanoTime() < deadline, "the append never waited for the pool");
      Thread.onSpinWait();
    }
    long waitingSeen = System.nanoTime();
    release.countDown();
    long released = System.nanoTime();
    holder.get(WAIT_SECONDS, TimeUnit.SECONDS);
    assertEquals(1, append.get(WAIT_SECONDS, TimeUnit.SECONDS).seq());

    assertEquals(borrowsBefore + 1, poolWait.count(), "one more borrow: the append's");
    // The append's borrow began before it was seen waiting and ended after the release.
    assertTrue(
        poolWait.max(TimeUnit.NANOSECONDS) >= released - waitingSeen,
        "pool wait max " + poolWait.max(TimeUnit.NANOSECONDS) + " ns");
  }

  @Test
  void aListenConnectionThatIsTerminatedCountsOneReconnect() throws Exception {
    try (Follower follower =
        WriterLog.follow(
            db,
            "conv",
            "alice",
            0,
            FollowOptions.defaults().withPollInterval(Duration.ofHours(1)))) {
      int pid = awaitListenPid();
      try (Connection admin = DriverManager.getConnection(url());
          PreparedStatement kill = admin.prepareStatement("SELECT pg_terminate_backend(?)")) {
        kill.setInt(1, pid);
        kill.execute();
      }
      // The counter is registered with the first reconnect and counted just after, so wait for
      // the count itself, not for the meter to exist.
      String source = "the LISTEN connection of " + db.describe();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
      Counter reconnects;
      while ((reconnects =
                  registry.find("agentstore.wakeups.reconnects").tag("source", source).counter())
              == null
          || reconnects.count() == 0) {
        assertTrue(System.nanoTime() < deadline, "the LISTEN connection never came back");
        Thread.onSpinWait();
      }
      assertEquals(1.0, reconnects.count());
      // Still listening: an append reaches the follower.
      WriterLog.append(db, "conv", "alice", "y".getBytes(StandardCharsets.UTF_8));
      Optional<Entry> entry = follower.poll(Duration.ofSeconds(WAIT_SECONDS));
      assertEquals(1, entry.orElseThrow().seq());
    }
  }

  /** The server pid of the backend's LISTEN connection, once it has connected. */
  private int awaitListenPid() throws SQLException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    try (Connection admin = DriverManager.getConnection(url());
        PreparedStatement query =
            admin.prepareStatement("SELECT pid FROM pg_stat_activity WHERE application_name = ?")) {
      query.setString(1, "agent-store LISTEN " + schema);
      while (true) {
        try (ResultSet rows = query.executeQuery()) {
          if (rows.next()) {
            return rows.getInt(1);
          }
        }
        assertTrue(System.nanoTime() < deadline, "no LISTEN connection for " + schema);
      }
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      assertTrue(latch.await(WAIT_SECONDS, TimeUnit.SECONDS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
