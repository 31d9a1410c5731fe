package dev.agentstore.torture;

import dev.agentstore.Generation;
import dev.agentstore.StoreException;
import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import dev.agentstore.sqlite.SqliteOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;

/**
 * Child-side scenarios that need a hostile environment the parent prepared: a full file system, a
 * read-only directory, or a store another process holds locked. Prints one {@code key value} line
 * per fact for the parent to check.
 */
public final class HostileWorker {
  private HostileWorker() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[1]);
    switch (args[0]) {
      case "fill" -> fill(dir);
      case "readonly" -> readOnly(dir);
      case "lock" -> lock(dir.resolve("store.db"));
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  /** Appends 64 KiB entries until the file system is full, frees space, appends again. */
  private static void fill(Path dir) throws Exception {
    Path ballast = dir.resolve("ballast");
    Files.write(ballast, new byte[512 * 1024]);
    long acked = 0;
    try (SqliteBackend db = SqliteBackend.open(dir.resolve("store.db"))) {
      WriterLog.ensureSchema(db);
      byte[] payload = new byte[64 * 1024];
      try {
        for (int i = 0; i < 10_000; i++) {
          payload[0] = (byte) i;
          acked = WriterLog.append(db, "fill", "w", payload).seq();
        }
        System.out.println("never-full");
      } catch (StoreException e) {
        System.out.println("acked " + acked);
        System.out.println("failure " + e.getClass().getSimpleName());
        System.out.println("message " + e.getMessage().replace('\n', ' '));
      }
      Files.delete(ballast);
      System.out.println("after-free " + WriterLog.append(db, "fill", "w", new byte[] {1}).seq());
      System.out.println("verified " + WriterLog.verify(db, "fill", "w").orElseThrow().seq());
    }
  }

  /** Opens an existing store in a read-only directory for writing, then read-only. */
  private static void readOnly(Path dir) {
    Path file = dir.resolve("store.db");
    try (SqliteBackend db = SqliteBackend.open(file)) {
      System.out.println("opened-for-writing " + db.describe());
    } catch (StoreException e) {
      System.out.println("failure " + e.getClass().getSimpleName());
      System.out.println("message " + e.getMessage().replace('\n', ' '));
    }
    try (SqliteBackend db = SqliteBackend.open(file, SqliteOptions.defaults().withReadOnly(true))) {
      System.out.println("verified " + WriterLog.verify(db, "ro", "w").orElseThrow().seq());
      System.out.println("generation " + new Generation("ro").current(db));
    } catch (StoreException e) {
      System.out.println("read-failure " + e.getMessage().replace('\n', ' '));
    }
  }

  /** Holds the store in SQLite's exclusive locking mode until killed. */
  private static void lock(Path file) throws Exception {
    Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
    try (Statement statement = connection.createStatement()) {
      statement.execute("PRAGMA locking_mode=EXCLUSIVE");
      statement.execute("BEGIN EXCLUSIVE");
      statement.execute("INSERT INTO _agent_store_meta (key, ival) VALUES ('held', 1)");
    }
    System.out.println("locked");
    System.out.flush();
    // Parked until the parent kills this process; the lock dies with it.
    Thread.sleep(Duration.ofMinutes(5).toMillis());
  }
}
