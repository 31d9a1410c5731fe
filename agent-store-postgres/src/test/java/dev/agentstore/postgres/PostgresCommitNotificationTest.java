package dev.agentstore.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentstore.Entry;
import dev.agentstore.FollowOptions;
import dev.agentstore.Follower;
import dev.agentstore.Generation;
import dev.agentstore.WriterLog;
import dev.agentstore.internal.JdbcBackend;
import dev.agentstore.postgres.internal.CommitTrigger;
import dev.agentstore.postgres.internal.PgCommitListener;
import dev.agentstore.postgres.internal.PostgresDialect;
import dev.agentstore.postgres.internal.PostgresEngine;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * The commit notifications of a PostgreSQL store: sent on commit only and only while a listener is
 * registered, with the chain's new head, within the server's payload limit, by a trigger that stays
 * enabled so that listeners never lock the log table; and the LISTEN connection that registers,
 * deletes rows of listeners that are gone, and reconnects by itself.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PostgresCommitNotificationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int WAIT_MILLIS = 30_000;

  // A short label: the LISTEN connection's application name holds the schema in 63 bytes.
  @RegisterExtension static final PostgresTestServer pg = new PostgresTestServer("notify");

  private String schema;
  private final List<Connection> connections =
      java.util.Collections.synchronizedList(new ArrayList<>());

  @BeforeEach
  void newSchema() {
    schema = pg.newSchema();
  }

  @AfterEach
  void closeConnections() throws SQLException {
    for (Connection connection : connections) {
      connection.close();
    }
  }

  private PostgresBackend open() {
    return open(true);
  }

  private PostgresBackend open(boolean commitNotifications) {
    PostgresBackend db =
        pg.newBackend(pg.options().withSchema(schema).withCommitNotifications(commitNotifications));
    WriterLog.ensureSchema(db);
    Generation.ensureSchema(db);
    return db;
  }

  /**
   * A plain connection listening on the store's channel and registered as a listener, as a program
   * that is not agent-store does it: {@code LISTEN}, then a row with its backend's pid.
   */
  private PGConnection listen(PostgresBackend db) throws SQLException {
    return registered(db).unwrap(PGConnection.class);
  }

  /** Like {@link #listen}, as a plain connection. */
  private Connection registered(PostgresBackend db) throws SQLException {
    Connection connection = listening(db);
    register(connection);
    return connection;
  }

  /** A plain connection listening on the store's channel without registering. */
  private PGConnection listenUnregistered(PostgresBackend db) throws SQLException {
    return listening(db).unwrap(PGConnection.class);
  }

  private Connection listening(PostgresBackend db) throws SQLException {
    Connection connection = PostgresTestServer.adminConnection();
    connections.add(connection);
    try (Statement statement = connection.createStatement()) {
      statement.execute("LISTEN " + db.notificationChannel());
    }
    return connection;
  }

  /** Asserts that no notification arrives within {@code millis}. */
  private static void assertSilentFor(PGConnection listener, int millis) throws SQLException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    for (long left = millis; left > 0; ) {
      PGNotification[] batch = listener.getNotifications((int) left);
      assertEquals(0, batch == null ? 0 : batch.length, "no notification");
      left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    }
  }

  /** Exactly {@code count} notifications, then none for a short while. */
  private static List<JsonNode> receive(PGConnection listener, int count) throws Exception {
    List<JsonNode> received = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
    while (received.size() < count && System.nanoTime() < deadline) {
      PGNotification[] batch = listener.getNotifications(WAIT_MILLIS);
      if (batch != null) {
        for (PGNotification notification : batch) {
          received.add(JSON.readTree(notification.getParameter()));
        }
      }
    }
    PGNotification[] extra = listener.getNotifications(200);
    assertEquals(0, extra == null ? 0 : extra.length, "no more notifications");
    assertEquals(count, received.size(), "notifications: " + received);
    return received;
  }

  @Test
  void anAppendIsAnnouncedWithStreamWriterSeqAndContentHash() throws Exception {
    PostgresBackend db = open();
    PGConnection listener = listen(db);
    assertEquals(
        "agent_store_" + oid("\"" + schema + "\"._agent_store_log"), db.notificationChannel());
    Entry first = WriterLog.append(db, "conv:demo", "alice", utf8("one"));
    Entry second = WriterLog.append(db, "conv:demo", "alice", utf8("two"));
    List<JsonNode> received = receive(listener, 2);
    assertEquals(notice(first), received.get(0));
    assertEquals(notice(second), received.get(1));
  }

  @Test
  void aTransactionIsAnnouncedOnlyWhenItCommits() throws Exception {
    PostgresBackend db = open();
    PGConnection listener = listen(db);
    List<Entry> appended =
        db.<List<Entry>>inTransaction(
            tx -> {
              List<Entry> entries =
                  new ArrayList<>(
                      WriterLog.appendAll(tx, "conv", "alice", List.of(utf8("a"), utf8("b"))));
              entries.add(WriterLog.append(tx, "conv", "bob", utf8("c")));
              try {
                PGNotification[] early = listener.getNotifications(200);
                assertEquals(0, early == null ? 0 : early.length, "nothing before the commit");
              } catch (SQLException e) {
                throw new AssertionError(e);
              }
              return entries;
            });
    // appendAll is one multi-row INSERT: one notification, for alice's new head.
    List<JsonNode> received = receive(listener, 2);
    assertEquals(List.of(notice(appended.get(1)), notice(appended.get(2))), received);
    try {
      db.runInTransaction(
          tx -> {
            WriterLog.append(tx, "conv", "alice", utf8("doomed"));
            throw new IllegalStateException("roll back");
          });
    } catch (IllegalStateException expected) {
      // rolled back, so never announced
    }
    receive(listener, 0);
  }

  @Test
  void namesTooLongForThePayloadLimitAreLeftOutAndFollowersStillWake() throws Exception {
    PostgresBackend db = open();
    PGConnection listener = listen(db);
    // Each U+0001 is one byte in the store and six in JSON: far beyond 8,000 bytes for both names.
    String stream = "\u0001".repeat(WriterLog.MAX_NAME_BYTES);
    String writer = "w" + "\u0001".repeat(WriterLog.MAX_NAME_BYTES - 1);
    FollowOptions listenOnly =
        FollowOptions.defaults().withPollInterval(Duration.ofHours(1)).withBackendWakeUps(true);
    try (PostgresBackend other = open();
        Follower follower = WriterLog.follow(other, stream, writer, 0, listenOnly)) {
      assertEquals(Optional.empty(), follower.poll(Duration.ofMillis(200)));
      Entry entry = WriterLog.append(db, stream, writer, utf8("long names"));
      JsonNode received = receive(listener, 1).get(0);
      assertEquals(
          JSON.readTree(
              "{\"seq\":1,\"content_hash\":\""
                  + HexFormat.of().formatHex(entry.contentHash())
                  + "\"}"),
          received);
      assertEquals(Optional.of(entry), follower.poll(Duration.ofMillis(WAIT_MILLIS)));
    }
  }

  @Test
  void theListenConnectionReconnectsByItselfAndTheFollowerCatchesUp() throws Exception {
    PostgresBackend db = open();
    PostgresBackend writer = open();
    FollowOptions noPoll = FollowOptions.defaults().withPollInterval(Duration.ofHours(1));
    try (Follower follower = WriterLog.follow(db, "conv", "alice", 0, noPoll)) {
      for (int round = 1; round <= 3; round++) {
        Entry before = WriterLog.append(writer, "conv", "alice", utf8("before " + round));
        assertEquals(Optional.of(before), follower.poll(Duration.ofMillis(WAIT_MILLIS)));
        assertEquals(1, terminateListener(), "one LISTEN connection to terminate");
        Entry after = WriterLog.append(writer, "conv", "alice", utf8("after " + round));
        assertEquals(Optional.of(after), follower.poll(Duration.ofMillis(WAIT_MILLIS)));
      }
      assertEquals(Optional.empty(), follower.poll(Duration.ofMillis(200)));
    }
  }

  @Test
  void concurrentEnsureSchemaCallsInstallOneTrigger() throws Exception {
    PostgresBackend db = open();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Void>> calls = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        calls.add(
            pool.submit(
                () -> {
                  WriterLog.ensureSchema(db);
                  return null;
                }));
      }
      for (Future<Void> call : calls) {
        call.get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(1, triggers());
  }

  @Test
  void withoutCommitNotificationsNoTriggerIsInstalledAndNothingIsAnnounced() throws Exception {
    PostgresBackend quiet = open(false);
    assertEquals(0, triggers(), "no trigger installed");
    assertEquals(List.of(), listenersTable(), "no listeners table");
    PGConnection listener = listenUnregistered(quiet);
    WriterLog.append(quiet, "conv", "alice", utf8("unannounced"));
    receive(listener, 0);

    // A trigger another backend installed stays: it belongs to the schema, not to one backend.
    open();
    assertEquals(1, triggers());
    WriterLog.ensureSchema(quiet);
    assertEquals(1, triggers(), "ensureSchema without notifications leaves it in place");
  }

  @Test
  void withoutCommitNotificationsFollowersOpenNoListenConnectionAndPollForOtherBackends()
      throws Exception {
    PostgresBackend quiet = open(false);
    PostgresBackend writer = open(false);
    assertFalse(
        JdbcBackend.of(quiet).storeWakeUps() instanceof PgCommitListener, "no LISTEN source");
    FollowOptions polling = FollowOptions.defaults().withPollInterval(Duration.ofMillis(100));
    try (Follower follower = WriterLog.follow(quiet, "conv", "alice", 0, polling)) {
      assertEquals(Optional.empty(), follower.poll(Duration.ofMillis(200)));
      Entry other = WriterLog.append(writer, "conv", "alice", utf8("from another backend"));
      assertEquals(Optional.of(other), follower.poll(Duration.ofMillis(WAIT_MILLIS)));
      Entry own = WriterLog.append(quiet, "conv", "alice", utf8("from its own backend"));
      assertEquals(Optional.of(own), follower.poll(Duration.ofMillis(WAIT_MILLIS)));
      assertEquals(0, listenConnections(), "no LISTEN connection while following");
    }
  }

  @Test
  void withNoListenerRegisteredAnAppendSendsNoNotification() throws Exception {
    PostgresBackend db = open();
    PGConnection unregistered = listenUnregistered(db);
    assertEquals(List.of(), listenersTable());
    WriterLog.append(db, "conv", "alice", utf8("one"));
    WriterLog.appendAll(db, "conv", "bob", List.of(utf8("two"), utf8("three")));
    assertSilentFor(unregistered, 500);
  }

  @Test
  void aFollowingBackendRegistersAndHearsAnotherBackendsAppend() throws Exception {
    PostgresBackend db = open();
    PostgresBackend writer = open();
    PGConnection unregistered = listenUnregistered(db);
    FollowOptions noPoll = FollowOptions.defaults().withPollInterval(Duration.ofHours(1));
    awaitRegistration(db);
    try (Follower follower = WriterLog.follow(db, "conv", "alice", 0, noPoll)) {
      assertEquals(List.of(listenPid()), listenersTable(), "the LISTEN connection's pid");
      Entry entry = WriterLog.append(writer, "conv", "alice", utf8("heard"));
      assertEquals(Optional.of(entry), follower.poll(Duration.ofMillis(WAIT_MILLIS)));
      // Announced to everyone on the channel while someone is registered.
      assertEquals(List.of(notice(entry)), receive(unregistered, 1));
    }
  }

  @Test
  void closingTheBackendDeletesItsListenersRow() throws Exception {
    PostgresBackend db = open();
    PostgresBackend writer = open();
    PGConnection unregistered = listenUnregistered(db);
    awaitRegistration(db);
    assertEquals(List.of(listenPid()), listenersTable());
    db.close();
    assertEquals(List.of(), listenersTable(), "deleted before close returned");
    WriterLog.append(writer, "conv", "alice", utf8("unheard"));
    assertSilentFor(unregistered, 500);
  }

  @Test
  void closingTheLastFollowerReturnsAfterTheListenThreadUnregisteredAndFinished() throws Exception {
    PostgresBackend db = open();
    Follower follower = WriterLog.follow(db, "conv", "alice", 0);
    awaitRegistered(db);
    List<Thread> listening =
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().startsWith("agent-store LISTEN of ") && t.isAlive())
            .filter(t -> t.getName().contains(schema))
            .toList();
    assertEquals(1, listening.size(), "one LISTEN thread: " + listening);
    follower.close();
    assertFalse(listening.get(0).isAlive(), "the LISTEN thread outlived the last follower's close");
    assertEquals(List.of(), listenersTable(), "its row deleted before close returned");
  }

  @Test
  void aDeadListenersRowIsDeletedWhenANewListenerStarts() throws Exception {
    PostgresBackend db = open();
    // Beyond any pid the kernel hands out; as if its backend died without deleting its row.
    int dead = Integer.MAX_VALUE;
    try (Connection admin = PostgresTestServer.adminConnection();
        Statement statement = admin.createStatement()) {
      statement.executeUpdate(
          "INSERT INTO \"" + schema + "\"._agent_store_listeners (pid) VALUES (" + dead + ")");
    }
    assertEquals(List.of(dead), listenersTable());
    awaitRegistration(db);
    assertEquals(List.of(listenPid()), listenersTable(), "only the live listener");
  }

  @Test
  void aTransactionOpenWhenTheFirstListenerRegistersIsDeliveredWhenItCommits() throws Exception {
    PostgresBackend db = open();
    PostgresBackend writer = open();
    CountDownLatch appended = new CountDownLatch(1);
    CountDownLatch commit = new CountDownLatch(1);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<Entry> transaction =
          pool.submit(
              () ->
                  writer.inTransaction(
                      tx -> {
                        Entry entry = WriterLog.append(tx, "conv", "alice", utf8("in flight"));
                        appended.countDown();
                        try {
                          assertTrue(commit.await(WAIT_MILLIS, TimeUnit.MILLISECONDS));
                        } catch (InterruptedException e) {
                          throw new AssertionError(e);
                        }
                        return entry;
                      }));
      assertTrue(appended.await(WAIT_MILLIS, TimeUnit.MILLISECONDS), "appended, not committed");
      // Its trigger ran before anyone registered, so its commit is not announced: the LISTEN
      // connection finds it in flight and wakes the follower again when it ends.
      FollowOptions noPoll = FollowOptions.defaults().withPollInterval(Duration.ofHours(1));
      try (Follower follower = WriterLog.follow(db, "conv", "alice", 0, noPoll)) {
        awaitRegistered(db);
        assertFalse(transaction.isDone(), "registered while the append is in flight");
        assertEquals(List.of(listenPid()), listenersTable());
        assertEquals(Optional.empty(), follower.poll(Duration.ofMillis(200)));
        commit.countDown();
        Entry entry = transaction.get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
        assertEquals(Optional.of(entry), follower.poll(Duration.ofMillis(WAIT_MILLIS)));
        Entry next = WriterLog.append(writer, "conv", "alice", utf8("announced"));
        assertEquals(Optional.of(next), follower.poll(Duration.ofMillis(WAIT_MILLIS)));
      }
    } finally {
      commit.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void listenersComeAndGoWithoutLockingTheLogWhileATransactionHoldsAnUncommittedAppend()
      throws Exception {
    PostgresBackend writer = open();
    String log = "\"" + schema + "\"._agent_store_log";
    try (Connection holder = PostgresTestServer.adminConnection();
        Connection sampler = PostgresTestServer.adminConnection()) {
      holder.setAutoCommit(false);
      try (Statement statement = holder.createStatement()) {
        statement.executeUpdate(
            "INSERT INTO "
                + log
                + " VALUES ('conv', 'held', 1, NULL, '\\x"
                + "00".repeat(32)
                + "'::bytea, '\\x00'::bytea)");
      }
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        for (int round = 1; round <= 3; round++) {
          AtomicBoolean registered = new AtomicBoolean();
          // Appends go on while the listener registers, each returning while the transaction
          // stays open; and nothing waits for a lock on the log table meanwhile.
          Future<Integer> appends =
              pool.submit(
                  () -> {
                    int count = 0;
                    do {
                      WriterLog.append(writer, "conv", "bob", utf8("during"));
                      count++;
                    } while (!registered.get());
                    return count;
                  });
          Future<List<String>> waits =
              pool.submit(
                  () -> {
                    List<String> seen = new ArrayList<>();
                    do {
                      seen.addAll(waitingForTheLog(sampler, log));
                    } while (!registered.get());
                    return seen;
                  });
          try (PostgresBackend db = open()) {
            FollowOptions noPoll = FollowOptions.defaults().withPollInterval(Duration.ofHours(1));
            try (Follower follower = WriterLog.follow(db, "conv", "alice", round - 1, noPoll)) {
              awaitRegistered(db);
              registered.set(true);
              assertTrue(appends.get(WAIT_MILLIS, TimeUnit.MILLISECONDS) > 0, "round " + round);
              assertEquals(List.of(), waits.get(WAIT_MILLIS, TimeUnit.MILLISECONDS));
              Entry heard = WriterLog.append(writer, "conv", "alice", utf8("heard"));
              assertEquals(Optional.of(heard), follower.poll(Duration.ofMillis(WAIT_MILLIS)));
            }
          } finally {
            registered.set(true);
          }
          assertEquals(List.of(), waitingForTheLog(sampler, log), "round " + round + ", closed");
          assertEquals(List.of(), listenersTable(), "round " + round + ": unregistered");
        }
        try (Statement statement = holder.createStatement();
            ResultSet rows =
                statement.executeQuery("SELECT count(*) FROM " + log + " WHERE writer = 'held'")) {
          assertTrue(rows.next());
          assertEquals(1, rows.getInt(1), "the transaction held its append all along");
        }
      } finally {
        pool.shutdownNow();
        holder.rollback();
      }
    }
    assertEquals('O', announcing(), "never switched");
  }

  @Test
  void theAnnouncingTriggerStaysEnabledAndNotifiesOnlyWhileAListenerIsRegistered()
      throws Exception {
    PostgresBackend db = open();
    PostgresBackend writer = open();
    PGConnection unregistered = listenUnregistered(db);
    assertEquals('O', announcing(), "enabled by ensureSchema");
    WriterLog.append(writer, "conv", "alice", utf8("no one listens"));
    assertSilentFor(unregistered, 500);

    Connection first = registered(db);
    Connection second = registered(db);
    unregister(first);
    Entry heard = WriterLog.append(writer, "conv", "alice", utf8("one listener left"));
    assertEquals(List.of(notice(heard)), receive(unregistered, 1));
    unregister(second);
    WriterLog.append(writer, "conv", "alice", utf8("the last listener left"));
    assertSilentFor(unregistered, 500);
    assertEquals('O', announcing(), "still enabled");

    awaitRegistration(db);
    Entry announced = WriterLog.append(writer, "conv", "alice", utf8("an agent-store listener"));
    assertEquals(List.of(notice(announced)), receive(unregistered, 1));
    db.close();
    WriterLog.append(writer, "conv", "alice", utf8("and silent once it closed"));
    assertSilentFor(unregistered, 500);
    assertEquals('O', announcing(), "enabled throughout");
  }

  @Test
  void aRegistrationInsideATransactionTakesEffectWhenItCommits() throws Exception {
    PostgresBackend db = open();
    PostgresBackend writer = open();
    PGConnection unregistered = listenUnregistered(db);
    Connection connection = listening(db);
    connection.setAutoCommit(false);
    register(connection);
    WriterLog.append(writer, "conv", "alice", utf8("before the registration commits"));
    assertSilentFor(unregistered, 500);
    connection.commit();
    Entry heard = WriterLog.append(writer, "conv", "alice", utf8("after"));
    assertEquals(List.of(notice(heard)), receive(unregistered, 1));
    connection.setAutoCommit(true);
    leave(connection);
    assertEquals('O', announcing());
  }

  @Test
  void ensureSchemaUpgradesAStoreWhoseTriggerAnEarlierVersionSwitchedOnAndOff() throws Exception {
    PostgresBackend db = open();
    String quoted = "\"" + schema + "\"";
    String log = quoted + "._agent_store_log";
    String listeners = quoted + "._agent_store_listeners";
    String current = CommitTrigger.installedQuery(new PostgresDialect(schema));
    assertTrue(queryBoolean(current), "current after ensureSchema");
    // What the earlier version left while no one listened: a switch on the listeners table that
    // altered the log table, and the announcing trigger disabled.
    try (Connection admin = PostgresTestServer.adminConnection();
        Statement statement = admin.createStatement()) {
      statement.execute(
          "CREATE FUNCTION "
              + quoted
              + "._agent_store_switch() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS"
              + " $fn$ BEGIN IF EXISTS (SELECT 1 FROM "
              + listeners
              + ") THEN EXECUTE 'ALTER TABLE "
              + log
              + " ENABLE TRIGGER _agent_store_announce'; ELSE EXECUTE 'ALTER TABLE "
              + log
              + " DISABLE TRIGGER _agent_store_announce'; END IF; RETURN NULL; END $fn$");
      statement.execute(
          "CREATE TRIGGER _agent_store_switch AFTER INSERT OR DELETE ON "
              + listeners
              + " FOR EACH STATEMENT EXECUTE FUNCTION "
              + quoted
              + "._agent_store_switch()");
      statement.execute("ALTER TABLE " + log + " DISABLE TRIGGER _agent_store_announce");
    }
    assertFalse(queryBoolean(current), "the earlier layout is not current");
    try (Connection admin = PostgresTestServer.adminConnection();
        Statement statement = admin.createStatement()) {
      statement.execute("ALTER TABLE " + log + " ENABLE TRIGGER _agent_store_announce");
    }
    assertFalse(queryBoolean(current), "nor is it with the trigger on while the switch is there");
    try (Connection admin = PostgresTestServer.adminConnection();
        Statement statement = admin.createStatement()) {
      statement.execute("ALTER TABLE " + log + " DISABLE TRIGGER _agent_store_announce");
    }

    WriterLog.ensureSchema(db);
    assertTrue(queryBoolean(current), "current once upgraded");
    assertEquals('O', announcing(), "enabled by the upgrade");
    assertEquals(
        0L,
        queryLong(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = '"
                + listeners.replace("'", "''")
                + "'::regclass"),
        "no switch on the listeners table");
    assertEquals(
        0L,
        queryLong(
            "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                + " WHERE n.nspname = '"
                + schema
                + "' AND p.proname = '_agent_store_switch'"),
        "no switch function");
    PGConnection unregistered = listenUnregistered(db);
    Connection listener = registered(db);
    Entry heard = WriterLog.append(db, "conv", "alice", utf8("announced"));
    assertEquals(List.of(notice(heard)), receive(unregistered, 1));
    leave(listener);
    assertEquals('O', announcing(), "left enabled when the last listener leaves");
    WriterLog.append(db, "conv", "alice", utf8("unannounced"));
    assertSilentFor(unregistered, 500);
  }

  @Test
  void ensureSchemaMakesAStoreOfTheEarlierVersionQuietWhileNoOneListens() throws Exception {
    PostgresBackend db = open();
    String quoted = "\"" + schema + "\"";
    // What the earlier version installed: a function that always notifies, no listeners table.
    try (Connection admin = PostgresTestServer.adminConnection();
        Statement statement = admin.createStatement()) {
      statement.execute("DROP TABLE " + quoted + "._agent_store_listeners");
      statement.execute(
          "ALTER TABLE " + quoted + "._agent_store_log ENABLE TRIGGER _agent_store_announce");
      statement.execute(
          "CREATE OR REPLACE FUNCTION "
              + quoted
              + "._agent_store_announce() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN"
              + " PERFORM pg_notify('agent_store_' || TG_RELID::bigint, '{}'); RETURN NULL;"
              + " END $fn$");
    }
    PGConnection unregistered = listenUnregistered(db);
    WriterLog.append(db, "conv", "alice", utf8("announced by the earlier version"));
    assertEquals(1, receive(unregistered, 1).size());

    WriterLog.ensureSchema(db);
    assertEquals(List.of(), listenersTable(), "the listeners table, empty");
    WriterLog.append(db, "conv", "alice", utf8("unannounced"));
    assertSilentFor(unregistered, 500);
  }

  // ---------------------------------------------------------------- helpers

  /**
   * Subscribes to the backend's LISTEN connection and returns once it woke its listeners the first
   * time, which it does after listening and registering. The subscription lasts until the backend
   * is closed.
   */
  private static void awaitRegistration(PostgresBackend db) throws InterruptedException {
    CountDownLatch woken = new CountDownLatch(1);
    PgCommitListener source = (PgCommitListener) JdbcBackend.of(db).storeWakeUps();
    source.subscribe(hint -> woken.countDown());
    assertTrue(woken.await(WAIT_MILLIS, TimeUnit.MILLISECONDS), "the LISTEN connection woke");
    assertEquals(1, source.connects(), "connected once");
  }

  /**
   * Waits until {@code db}'s LISTEN connection has registered and its row is in the listeners
   * table: an event, polled with a deadline far beyond any reconnect pause.
   */
  private void awaitRegistered(PostgresBackend db) throws SQLException, InterruptedException {
    PgCommitListener source = (PgCommitListener) JdbcBackend.of(db).storeWakeUps();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
    // Also until the server lists the registered connection under its application name: a
    // registration retried after a failed attempt reaches the table and pg_stat_activity apart.
    while (source.connects() == 0
        || listenersTable().isEmpty()
        || !listenPids().equals(listenersTable())) {
      assertTrue(System.nanoTime() < deadline, "the LISTEN connection registered");
      Thread.sleep(10);
    }
  }

  /** The pids in the schema's listeners table, in order; empty when it has no such table. */
  private List<Integer> listenersTable() throws SQLException {
    List<Integer> pids = new ArrayList<>();
    try (Connection admin = PostgresTestServer.adminConnection();
        var query = admin.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
      query.setString(1, "\"" + schema + "\"._agent_store_listeners");
      try (ResultSet rows = query.executeQuery()) {
        rows.next();
        if (!rows.getBoolean(1)) {
          return pids;
        }
      }
      try (Statement statement = admin.createStatement();
          ResultSet rows =
              statement.executeQuery(
                  "SELECT pid FROM \"" + schema + "\"._agent_store_listeners ORDER BY pid")) {
        while (rows.next()) {
          pids.add(rows.getInt(1));
        }
      }
    }
    return pids;
  }

  /** Deletes the row of {@code connection}'s backend from the listeners table. */
  private void unregister(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.executeUpdate(
          "DELETE FROM \"" + schema + "\"._agent_store_listeners WHERE pid = pg_backend_pid()");
    }
  }

  /** Registers {@code connection}'s backend in the listeners table. */
  private void register(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.executeUpdate(
          "INSERT INTO \""
              + schema
              + "\"._agent_store_listeners (pid) VALUES (pg_backend_pid()) ON CONFLICT DO NOTHING");
    }
  }

  /** Unregisters {@code connection} and closes it. */
  private void leave(Connection connection) throws SQLException {
    unregister(connection);
    connection.close();
  }

  /**
   * The lock requests on {@code table} that wait, as {@code pid mode}: none while listeners come
   * and go, since nothing but appends takes a lock on the log table.
   */
  private static List<String> waitingForTheLog(Connection sampler, String table)
      throws SQLException {
    List<String> waiting = new ArrayList<>();
    try (var query =
        sampler.prepareStatement(
            "SELECT pid || ' ' || mode FROM pg_locks WHERE locktype = 'relation'"
                + " AND relation = to_regclass(?) AND NOT granted")) {
      query.setString(1, table);
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          waiting.add(rows.getString(1));
        }
      }
    }
    return waiting;
  }

  private static boolean queryBoolean(String sql) throws SQLException {
    try (Connection admin = PostgresTestServer.adminConnection();
        Statement statement = admin.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      assertTrue(rows.next());
      return rows.getBoolean(1);
    }
  }

  private static long queryLong(String sql) throws SQLException {
    try (Connection admin = PostgresTestServer.adminConnection();
        Statement statement = admin.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      assertTrue(rows.next());
      return rows.getLong(1);
    }
  }

  /** {@code pg_trigger.tgenabled} of the announcing trigger: 'O' on, 'D' off. */
  private char announcing() throws SQLException {
    try (Connection admin = PostgresTestServer.adminConnection();
        Statement statement = admin.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT tgenabled FROM pg_trigger WHERE tgname = '_agent_store_announce'"
                    + " AND tgrelid = '\""
                    + schema
                    + "\"._agent_store_log'::regclass")) {
      assertTrue(rows.next(), "the announcing trigger exists");
      return rows.getString(1).charAt(0);
    }
  }

  /** The pids of the schema's LISTEN connections, in order. */
  private List<Integer> listenPids() throws SQLException {
    List<Integer> pids = new ArrayList<>();
    try (Connection admin = PostgresTestServer.adminConnection();
        var query =
            admin.prepareStatement(
                "SELECT pid FROM pg_stat_activity WHERE application_name = ? ORDER BY pid")) {
      query.setString(1, PostgresEngine.listenerName(schema));
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          pids.add(rows.getInt(1));
        }
      }
    }
    return pids;
  }

  /** The pid of the schema's only LISTEN connection. */
  private int listenPid() throws SQLException {
    try (Connection admin = PostgresTestServer.adminConnection();
        var query =
            admin.prepareStatement("SELECT pid FROM pg_stat_activity WHERE application_name = ?")) {
      query.setString(1, PostgresEngine.listenerName(schema));
      try (ResultSet rows = query.executeQuery()) {
        assertTrue(rows.next(), "a LISTEN connection");
        int pid = rows.getInt(1);
        assertFalse(rows.next(), "one LISTEN connection");
        return pid;
      }
    }
  }

  private int triggers() throws SQLException {
    try (Connection admin = PostgresTestServer.adminConnection();
        Statement statement = admin.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT count(*) FROM pg_trigger WHERE tgname = '_agent_store_announce'"
                    + " AND tgrelid = '\""
                    + schema
                    + "\"._agent_store_log'::regclass")) {
      assertTrue(rows.next());
      return rows.getInt(1);
    }
  }

  private int listenConnections() throws SQLException {
    try (Connection admin = PostgresTestServer.adminConnection();
        var query =
            admin.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = ?")) {
      query.setString(1, PostgresEngine.listenerName(schema));
      try (ResultSet rows = query.executeQuery()) {
        rows.next();
        return rows.getInt(1);
      }
    }
  }

  /** Terminates this schema's LISTEN connections; returns how many there were. */
  private int terminateListener() throws SQLException {
    String name = PostgresEngine.listenerName(schema);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
    try (Connection admin = PostgresTestServer.adminConnection()) {
      while (true) {
        try (var query =
            admin.prepareStatement(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    + " WHERE application_name = ?")) {
          query.setString(1, name);
          try (ResultSet rows = query.executeQuery()) {
            rows.next();
            int terminated = rows.getInt(1);
            // Right after a reconnect the new connection may not be listed yet: wait for it.
            if (terminated > 0 || System.nanoTime() > deadline) {
              return terminated;
            }
          }
        }
      }
    }
  }

  private static long oid(String table) throws SQLException {
    try (Connection admin = PostgresTestServer.adminConnection();
        var query = admin.prepareStatement("SELECT to_regclass(?)::oid::bigint")) {
      query.setString(1, table);
      try (ResultSet rows = query.executeQuery()) {
        rows.next();
        long oid = rows.getLong(1);
        assertNotNull(oid);
        return oid;
      }
    }
  }

  /** The notice {@code entry} must be announced with, as the JSON reader builds it. */
  private static JsonNode notice(Entry entry) throws Exception {
    return JSON.readTree(
        JSON.writeValueAsString(
            JSON.createObjectNode()
                .put("stream", entry.stream())
                .put("writer", entry.writer())
                .put("seq", entry.seq())
                .put("content_hash", HexFormat.of().formatHex(entry.contentHash()))));
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
