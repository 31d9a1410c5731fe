package dev.agentstore.postgres;

import dev.agentstore.AgentStore;
import dev.agentstore.Backend;
import dev.agentstore.ChainLog;
import dev.agentstore.Checkpoint;
import dev.agentstore.Entry;
import dev.agentstore.Generation;
import dev.agentstore.Head;
import dev.agentstore.StoreListener;
import dev.agentstore.StorePolicy;
import dev.agentstore.WriterKey;
import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs in a child JVM whose class path lacks sqlite-jdbc ({@link WithoutSqliteDriverTest}).
 *
 * <p>{@code postgres <url> <schema>}: the PostgreSQL path end to end; prints {@code ok}. {@code
 * sqlite <file>}: opens a SQLite store three ways (a file, in memory, a policy), each of which must
 * fail; prints each exception's class and message. Any other outcome exits non-zero with the stack
 * trace in the child's log.
 */
public final class WithoutSqliteDriverMain {
  private WithoutSqliteDriverMain() {}

  public static void main(String[] args) throws Exception {
    // Without this the test would prove nothing: the driver must really be missing.
    try {
      Class.forName("org.sqlite.JDBC", false, WithoutSqliteDriverMain.class.getClassLoader());
      throw new AssertionError("org.sqlite.JDBC is on the class path");
    } catch (ClassNotFoundException expected) {
      // as intended
    }
    switch (args[0]) {
      case "postgres" -> postgres(args[1], args[2]);
      case "sqlite" -> sqlite(Path.of(args[1]));
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }

  private static void postgres(String url, String schema) throws Exception {
    AtomicInteger appends = new AtomicInteger();
    StoreListener listener =
        new StoreListener() {
          @Override
          public void onAppend(Append event) {
            appends.incrementAndGet();
          }
        };
    try (PostgresBackend db =
        PostgresBackend.connect(
            url,
            PostgresOptions.defaults().withSchema(schema).withPoolSize(2).withListener(listener))) {
      AgentStore.ensureSchema(db);
      ChainLog alice = WriterLog.of(db, "conv:nosqlite", "alice");
      check(alice.append("one").seq() == 1, "first append is seq 1");
      Head head = alice.verify().orElseThrow();
      check(head.seq() == 1, "verified up to seq 1, got " + head.seq());
      try (var follower = alice.follow(0)) {
        Entry entry = follower.poll(Duration.ofSeconds(30)).orElseThrow();
        check(
            entry.seq() == 1 && entry.payloadUtf8().equals("one"),
            "followed entry 1 \"one\", got " + entry);
      }
      check(Generation.of(db, "report").bump() == 1, "first bump is 1");
      WriterKey key = WriterKey.generate();
      Checkpoint checkpoint = Checkpoint.take(db, key, Checkpoint.Selection.all());
      check(
          Checkpoint.check(db, checkpoint, List.of(key.publicKey())).ok(),
          "checkpoint of the store checks");
      check(appends.get() == 1, "listener heard 1 append, heard " + appends.get());
    }
    StorePolicy policy =
        StorePolicy.parse(
            "[store]\nbackend = \"postgres\"\nurl = \""
                + url
                + "\"\nschema = \""
                + schema
                + "\"\npool_size = 2\n");
    try (Backend db = policy.open()) {
      AgentStore.checkSchema(db);
      ChainLog alice = WriterLog.of(db, "conv:nosqlite", "alice");
      check(alice.append("two").seq() == 2, "append through the policy's backend is seq 2");
      check(alice.verify().orElseThrow().seq() == 2, "verified up to seq 2");
    }
    System.out.println("ok");
  }

  private static void sqlite(Path file) {
    refused(() -> SqliteBackend.open(file));
    refused(SqliteBackend::inMemory);
    refused(() -> StorePolicy.sqlite(file).open());
  }

  /** Prints the exception {@code open} throws; an error (not an exception) ends the child. */
  private static void refused(Supplier<Backend> open) {
    try (Backend db = open.get()) {
      throw new AssertionError("opened " + db + " without sqlite-jdbc");
    } catch (RuntimeException e) {
      System.out.println(e.getClass().getName() + ": " + e.getMessage());
    }
  }

  private static void check(boolean condition, String what) {
    if (!condition) {
      throw new AssertionError(what);
    }
  }
}
