package dev.agentstore.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.Generation;
import dev.agentstore.StoreBusyException;
import dev.agentstore.StoreBusyException.Holder;
import dev.agentstore.WriterLog;
import dev.agentstore.torture.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write call waits for the store at most its busy timeout, in all, counted from the moment it
 * begins: across the wait for this process's writer connection, SQLite's wait for another
 * connection's lock and every retry. The exception says how long it waited and what held the store.
 * The bound is checked with a 1 s busy timeout against an upper limit of 3 s, generous for a loaded
 * machine yet far below the 8–9 s that one busy timeout per retry used to add up to.
 */
class BusyTimeoutIsTheBoundTest {
  private static final Duration BUSY = Duration.ofSeconds(1);
  private static final Duration AT_MOST = Duration.ofSeconds(3);
  private static final String HOLDER = "busy-holder";

  @TempDir Path dir;

  @Test
  void everyWriteGivesUpWithinTheBusyTimeoutWhileAnotherThreadHoldsTheWriter() throws Exception {
    Path file = dir.resolve("store.db");
    try (SqliteBackend store =
        SqliteBackend.open(file, SqliteOptions.defaults().withBusyTimeout(BUSY))) {
      WriterLog.ensureSchema(store);
      Generation.ensureSchema(store);
      CountDownLatch holding = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      Thread holder =
          new Thread(
              () ->
                  store.runInTransaction(
                      tx -> {
                        holding.countDown();
                        await(release);
                      }),
              HOLDER);
      holder.start();
      try {
        assertTrue(holding.await(30, TimeUnit.SECONDS));
        String heldBy = "thread \"" + HOLDER + "\" of this process held the writer connection";
        for (Write write : writes(store)) {
          StoreBusyException e = assertGivesUpInTime(write.what(), write.call());
          assertEquals(Holder.THIS_PROCESS, e.holder(), e.getMessage());
          assertEquals(Optional.of(HOLDER), e.holderThread(), e.getMessage());
          assertTrue(e.getMessage().contains(heldBy), e.getMessage());
          assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        }
      } finally {
        release.countDown();
        holder.join(TimeUnit.SECONDS.toMillis(30));
      }
      assertEquals(Optional.empty(), WriterLog.head(store, "s", "w"));
      assertEquals(0, new Generation("g").current(store));
    }
  }

  @Test
  void everyWriteGivesUpWithinTheBusyTimeoutWhileAnotherConnectionHoldsTheWriteLock()
      throws Exception {
    Path file = dir.resolve("store.db");
    try (SqliteBackend store =
        SqliteBackend.open(file, SqliteOptions.defaults().withBusyTimeout(BUSY))) {
      WriterLog.ensureSchema(store);
      Generation.ensureSchema(store);
      try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
          Statement statement = other.createStatement()) {
        statement.execute("BEGIN IMMEDIATE");
        for (Write write : writes(store)) {
          StoreBusyException e = assertGivesUpInTime(write.what(), write.call());
          assertAnotherConnection(e);
        }
        statement.execute("ROLLBACK");
      }
      assertEquals(Optional.empty(), WriterLog.head(store, "s", "w"));
      assertEquals(1, WriterLog.append(store, "s", "w", new byte[] {1}).seq());
    }
  }

  @Test
  void onAnAdoptedConnectionItsOwnBusyTimeoutIsTheBoundAndIsPutBack() throws Exception {
    Path file = dir.resolve("store.db");
    try (SqliteBackend created = SqliteBackend.open(file)) {
      WriterLog.ensureSchema(created);
    }
    try (Connection mine = DriverManager.getConnection("jdbc:sqlite:" + file);
        Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement statement = other.createStatement()) {
      try (Statement setting = mine.createStatement()) {
        setting.execute("PRAGMA busy_timeout = " + BUSY.toMillis());
      }
      SqliteBackend store = SqliteBackend.fromConnection(mine);
      assertEquals(BUSY, store.options().busyTimeout());
      statement.execute("BEGIN IMMEDIATE");
      assertAnotherConnection(
          assertGivesUpInTime(
              "append to s/w",
              () -> WriterLog.append(store, "s", "w", new byte[] {1}),
              "SQLite store on a caller's connection"));
      statement.execute("ROLLBACK");
      try (Statement setting = mine.createStatement();
          java.sql.ResultSet rows = setting.executeQuery("PRAGMA busy_timeout")) {
        assertTrue(rows.next());
        assertEquals(BUSY.toMillis(), rows.getLong(1), "the owner's busy timeout is put back");
      }
      assertEquals(1, WriterLog.append(store, "s", "w", new byte[] {1}).seq());
    }
  }

  @Test
  void anAppendGivesUpWithinTheBusyTimeoutWhileAnotherProcessHoldsTheWriteLock() throws Exception {
    Path file = dir.resolve("store.db");
    try (SqliteBackend store = SqliteBackend.open(file)) {
      WriterLog.ensureSchema(store);
      Generation.ensureSchema(store);
    }
    Path nativeDir = Path.of(System.getProperty("org.sqlite.tmpdir", "target/sqlite-native"));
    Files.createDirectories(nativeDir);
    // The child keeps sqlite-jdbc's native library out of /tmp, like the test JVM.
    List<String> withTmpdir =
        List.of(
            "sh",
            "-c",
            "java=$1; shift; exec \"$java\" -Dorg.sqlite.tmpdir=\"$0\" \"$@\"",
            nativeDir.toAbsolutePath().toString());
    try (ChildJvm child =
        ChildJvm.start(
            withTmpdir, HoldsTheWriteLock.class, dir.resolve("child.log"), file.toString())) {
      child.awaitLine("locked", 60);
      try (SqliteBackend store =
          SqliteBackend.open(file, SqliteOptions.defaults().withBusyTimeout(BUSY))) {
        StoreBusyException append =
            assertGivesUpInTime(
                "append to s/w", () -> WriterLog.append(store, "s", "w", new byte[] {1}));
        assertAnotherConnection(append);
        StoreBusyException transaction =
            assertGivesUpInTime(
                "transaction", () -> store.runInTransaction(tx -> tx.exec("SELECT 1")));
        assertAnotherConnection(transaction);
      }
    }
    try (SqliteBackend store = SqliteBackend.open(file)) {
      assertEquals(1, WriterLog.append(store, "s", "w", new byte[] {1}).seq());
    }
  }

  /** A public write call and what its exception's message must begin with. */
  private record Write(String what, Executable call) {}

  /** Every public write call. */
  private static List<Write> writes(SqliteBackend store) {
    Generation g = new Generation("g");
    return List.of(
        new Write("append to s/w", () -> WriterLog.append(store, "s", "w", new byte[] {1})),
        new Write(
            "append to s/w",
            () -> WriterLog.appendAll(store, "s", "w", List.of(new byte[] {1}, new byte[] {2}))),
        new Write("bumping generation g", () -> g.bump(store)),
        new Write("setting generation g", () -> g.set(store, 7)),
        new Write("transaction", () -> store.runInTransaction(tx -> tx.exec("SELECT 1"))),
        new Write(
            "statement CREATE TABLE IF NOT EXISTS notes (id INTEGER)",
            () -> store.exec("CREATE TABLE IF NOT EXISTS notes (id INTEGER)")));
  }

  /**
   * Runs {@code write}, which must throw {@link StoreBusyException} after waiting at least the busy
   * timeout and less than {@link #AT_MOST}; the message names the operation and the wait.
   */
  private static StoreBusyException assertGivesUpInTime(String what, Executable write) {
    return assertGivesUpInTime(what, write, "SQLite store ");
  }

  private static StoreBusyException assertGivesUpInTime(
      String what, Executable write, String store) {
    long start = System.nanoTime();
    StoreBusyException e = assertThrows(StoreBusyException.class, write, what);
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertTrue(took.compareTo(BUSY) >= 0, what + " gave up after " + took + ": " + e.getMessage());
    assertTrue(took.compareTo(AT_MOST) < 0, what + " took " + took + ": " + e.getMessage());
    assertTrue(e.waited().compareTo(BUSY) >= 0, e.waited() + ": " + e.getMessage());
    assertTrue(e.waited().compareTo(took) <= 0, e.waited() + " > " + took);
    assertTrue(e.getMessage().startsWith(what + " on " + store), e.getMessage());
    String waited = String.format(java.util.Locale.ROOT, "%,d ms", e.waited().toMillis());
    assertTrue(
        e.getMessage().contains("gave up after waiting " + waited + " (busy timeout 1,000 ms)"),
        e.getMessage());
    return e;
  }

  private static void assertAnotherConnection(StoreBusyException e) {
    assertEquals(Holder.ANOTHER_CONNECTION, e.holder(), e.getMessage());
    assertEquals(Optional.empty(), e.holderThread(), e.getMessage());
    assertTrue(
        e.getMessage().contains("another connection held the file's write lock"), e.getMessage());
  }

  private static void await(CountDownLatch latch) {
    try {
      assertTrue(latch.await(60, TimeUnit.SECONDS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A child process that holds the file's write lock (BEGIN IMMEDIATE) until it is killed. */
  public static final class HoldsTheWriteLock {
    public static void main(String[] args) throws Exception {
      Connection connection = DriverManager.getConnection("jdbc:sqlite:" + args[0]);
      try (Statement statement = connection.createStatement()) {
        statement.execute("BEGIN IMMEDIATE");
      }
      System.out.println("locked");
      System.out.flush();
      // Parked until the parent kills this process; the lock dies with it.
      new CountDownLatch(1).await();
    }
  }
}
