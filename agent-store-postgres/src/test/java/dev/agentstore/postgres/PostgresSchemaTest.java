package dev.agentstore.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.Entry;
import dev.agentstore.FollowOptions;
import dev.agentstore.Follower;
import dev.agentstore.Generation;
import dev.agentstore.WriterLog;
import dev.agentstore.internal.JdbcBackend;
import dev.agentstore.postgres.internal.PostgresDialect;
import dev.agentstore.postgres.internal.PostgresEngine;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The schema option: any name PostgreSQL accepts, isolation, and racing creators. */
class PostgresSchemaTest {
  @RegisterExtension static final PostgresTestServer pg = new PostgresTestServer();

  private static final long WAIT_SECONDS = 60;

  @Test
  void aSchemaNameWithQuotesDollarsAndCapitalsIsQuotedEverywhere() throws InterruptedException {
    String schema = "Fleet \"A\" $$ o'k $q$ ?; " + pg.newSchema().substring(17);
    PostgresBackend db = pg.newBackend(pg.options().withSchema(schema));
    WriterLog.ensureSchema(db);
    Generation.ensureSchema(db);
    WriterLog.ensureSchema(db);
    assertEquals(1, WriterLog.append(db, "s", "w", new byte[] {1}).seq());
    assertEquals(2, WriterLog.append(db, "s", "w", new byte[] {2}).seq());
    assertEquals(1, new Generation("g").bump(db));
    assertEquals(2, WriterLog.verify(db, "s", "w").orElseThrow().seq());
    assertEquals(
        List.of("_agent_store_listeners", "_agent_store_log", "_agent_store_meta"),
        db.query(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = ?"
                + " ORDER BY table_name",
            row -> row.getString(1),
            schema));
    // The LISTEN connection registers in the listeners table of that schema.
    CountDownLatch listening = new CountDownLatch(1);
    JdbcBackend.of(db).storeWakeUps().subscribe(hint -> listening.countDown());
    assertTrue(listening.await(WAIT_SECONDS, TimeUnit.SECONDS), "the LISTEN connection woke");
    assertEquals(
        List.of(PostgresEngine.listenerName(schema)),
        db.query(
            "SELECT a.application_name FROM "
                + PostgresDialect.quote(schema)
                + "._agent_store_listeners l JOIN pg_stat_activity a USING (pid)",
            row -> row.getString(1)));
  }

  @Test
  void twoSchemasOfOneDatabaseAreSeparateStores() {
    PostgresBackend a = pg.newBackend();
    PostgresBackend b = pg.newBackend();
    for (PostgresBackend db : List.of(a, b)) {
      WriterLog.ensureSchema(db);
      Generation.ensureSchema(db);
    }
    WriterLog.append(a, "s", "w", new byte[] {1});
    WriterLog.append(a, "s", "w", new byte[] {2});
    assertEquals(1, WriterLog.append(b, "s", "w", new byte[] {3}).seq());
    assertEquals(1, new Generation("g").bump(a));
    assertEquals(0, new Generation("g").current(b));
    assertEquals(List.of("s"), WriterLog.streams(b));
    assertEquals(1, WriterLog.verify(b, "s", "w").orElseThrow().seq());
  }

  @Test
  void backendsCreatingOneSchemaAtTheSameMomentAllSucceed() throws Exception {
    String schema = pg.newSchema();
    int racers = 6;
    List<PostgresBackend> backends = new ArrayList<>();
    for (int i = 0; i < racers; i++) {
      backends.add(pg.newBackend(pg.options().withSchema(schema).withPoolSize(1)));
    }
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService threads = Executors.newFixedThreadPool(racers);
    try {
      List<Future<Long>> results = new ArrayList<>();
      for (PostgresBackend db : backends) {
        results.add(
            threads.submit(
                () -> {
                  assertTrue(start.await(WAIT_SECONDS, TimeUnit.SECONDS));
                  WriterLog.ensureSchema(db);
                  Generation.ensureSchema(db);
                  WriterLog.append(db, "race", "w", new byte[] {1});
                  return new Generation("g").bump(db);
                }));
      }
      start.countDown();
      List<Long> bumps = new ArrayList<>();
      for (Future<Long> result : results) {
        bumps.add(result.get(WAIT_SECONDS, TimeUnit.SECONDS));
      }
      assertEquals(racers, bumps.stream().distinct().count(), bumps.toString());
      assertEquals(racers, WriterLog.verify(backends.get(0), "race", "w").orElseThrow().seq());
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void manyThreadsAppendingToOneChainAllSucceed() throws Exception {
    PostgresBackend db = pg.newBackend();
    WriterLog.ensureSchema(db);
    int threadCount = 8;
    int each = 150;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService threads = Executors.newFixedThreadPool(threadCount);
    try {
      List<Future<?>> results = new ArrayList<>();
      for (int t = 0; t < threadCount; t++) {
        results.add(
            threads.submit(
                () -> {
                  assertTrue(start.await(WAIT_SECONDS, TimeUnit.SECONDS));
                  for (int i = 0; i < each; i++) {
                    WriterLog.append(db, "hot", "w", new byte[] {(byte) i});
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> result : results) {
        result.get(WAIT_SECONDS, TimeUnit.SECONDS);
      }
      assertEquals(threadCount * each, WriterLog.verify(db, "hot", "w").orElseThrow().seq());
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void aSchemaNameHoldingTheDollarQuoteTagsOfTheInstalledSqlWorks() throws InterruptedException {
    String schema = "fleet$fn$a$do$ $agent_store$ " + pg.newSchema().substring(17);
    PostgresBackend db = pg.newBackend(pg.options().withSchema(schema));
    WriterLog.ensureSchema(db);
    Generation.ensureSchema(db);
    CountDownLatch listening = new CountDownLatch(1);
    JdbcBackend.of(db).storeWakeUps().subscribe(hint -> listening.countDown());
    assertTrue(listening.await(WAIT_SECONDS, TimeUnit.SECONDS), "the LISTEN connection woke");
    try (Follower follower =
        WriterLog.follow(
            db, "s", "w", 0, FollowOptions.defaults().withPollInterval(Duration.ofHours(1)))) {
      Entry entry = WriterLog.append(db, "s", "w", new byte[] {1});
      assertEquals(Optional.of(entry), follower.poll(Duration.ofSeconds(WAIT_SECONDS)));
    }
    assertEquals(1, new Generation("g").bump(db));
  }

  @Test
  void chainsOfTheSameNameInTwoSchemasDoNotShareALock() throws Exception {
    PostgresBackend a = pg.newBackend();
    PostgresBackend b = pg.newBackend(pg.options().withLockTimeout(Duration.ofSeconds(2)));
    for (PostgresBackend db : List.of(a, b)) {
      WriterLog.ensureSchema(db);
    }
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try {
      Future<Entry> held =
          executor.submit(
              () ->
                  a.inTransaction(
                      tx -> {
                        Entry entry = WriterLog.append(tx, "s", "w", new byte[] {1});
                        holding.countDown();
                        awaitReleased(release);
                        return entry;
                      }));
      assertTrue(holding.await(WAIT_SECONDS, TimeUnit.SECONDS), "the transaction holds s/w");
      // Returns at once: a chain of another schema is another chain. Before the lock key named
      // the schema, this append waited for the transaction above and gave up busy.
      assertEquals(1, WriterLog.append(b, "s", "w", new byte[] {2}).seq());
      release.countDown();
      assertEquals(1, held.get(WAIT_SECONDS, TimeUnit.SECONDS).seq());
    } finally {
      release.countDown();
      executor.shutdownNow();
    }
  }

  @Test
  void anInstallerLeftOpenInOneSchemaDoesNotHoldUpInstallersOfAnother() throws Exception {
    String stuck = pg.newSchema();
    // A bounded wait, so that the defect fails the test instead of hanging it: before the
    // installers' lock named the schema, this backend waited for the transaction below.
    PostgresBackend other = pg.newBackend(pg.options().withLockTimeout(Duration.ofSeconds(10)));
    try (Connection installer = PostgresTestServer.adminConnection()) {
      installer.setAutoCommit(false);
      try (Statement statement = installer.createStatement()) {
        for (String sql : PostgresBackend.installStatements(stuck)) {
          statement.execute(sql);
        }
      }
      // The installer's transaction stays open, holding its schema's lock.
      WriterLog.ensureSchema(other);
      Generation.ensureSchema(other);
      assertEquals(1, WriterLog.append(other, "s", "w", new byte[] {1}).seq());
      installer.rollback();
    }
  }

  private static void awaitReleased(CountDownLatch release) {
    try {
      assertTrue(release.await(WAIT_SECONDS, TimeUnit.SECONDS), "released");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
