package dev.agentstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.agentstore.spi.Checks;
import dev.agentstore.spi.CommitJson;
import dev.agentstore.spi.WakeUpHub;
import dev.agentstore.sqlite.SqliteBackend;
import dev.agentstore.sqlite.SqliteOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Values, options and factories refuse a bad argument with {@link InvalidInputException} naming it,
 * like every other call: never a bare {@code IllegalArgumentException} or {@code
 * NullPointerException}.
 */
class BadArgumentsAreInvalidInputTest {
  private static final byte[] HASH = new byte[Entry.HASH_BYTES];

  @Test
  void entryRefusesASeqBelowOneAndHashesOfTheWrongLength() {
    assertRefused(
        () -> new Entry("s", "w", 0, null, HASH, new byte[0]),
        "Entry seq must be 1 or more, got 0 (s/w)");
    assertRefused(
        () -> new Entry("s", "w", 1, null, new byte[31], new byte[0]),
        "Entry contentHash must be 32 bytes, got 31");
    assertRefused(
        () -> new Entry("s", "w", 2, new byte[33], HASH, new byte[0]),
        "Entry prevHash must be 32 bytes, got 33");
    assertRefused(() -> new Entry("s", "w", 1, null, HASH, null), "payload must not be null");
  }

  @Test
  void headAndCommitEventRefuseASeqBelowOne() {
    assertRefused(() -> new Head("s", "w", 0, HASH), "Head seq must be 1 or more, got 0 (s/w)");
    assertRefused(
        () -> new Head("s", "w", 1, new byte[3]), "Head contentHash must be 32 bytes, got 3");
    assertRefused(() -> new Head(null, "w", 1, HASH), "stream must not be null");
    assertRefused(
        () -> new CommitEvent("s", "w", -4), "CommitEvent seq must be 1 or more, got -4 (s/w)");
    assertRefused(() -> new CommitEvent("s", null, 1), "writer must not be null");
  }

  @Test
  void sqliteOptionsRefuseTimesOutOfRange() {
    assertRefused(
        () -> SqliteOptions.defaults().withBusyTimeout(Duration.ofMillis(-1)),
        "busyTimeout must be 0 to 2147483647 ms, got PT-0.001S");
    assertRefused(
        () -> SqliteOptions.defaults().withCommitCheckInterval(Duration.ZERO),
        "commitCheckInterval must be positive and at most an hour: PT0S");
    assertRefused(
        () -> SqliteOptions.defaults().withBusyTimeout(null), "busyTimeout must not be null");
    assertRefused(
        () -> SqliteOptions.defaults().withDurability(null), "durability must not be null");
  }

  @Test
  void factoriesRefuseNull() {
    assertRefused(() -> SqliteBackend.open(null), "path must not be null");
    assertRefused(() -> SqliteBackend.fromConnection(null), "connection must not be null");
    assertRefused(() -> StorePolicy.sqlite(null), "path must not be null");
    assertRefused(() -> StorePolicy.parse(null), "toml must not be null");
    assertRefused(() -> Fingerprint.fromHex(null), "hex must not be null");
    assertRefused(() -> new Doorbell().subscribe(null), "subscriber must not be null");
    assertRefused(
        () -> FollowOptions.defaults().withPollInterval(null), "pollInterval must not be null");
  }

  @Test
  void theSqliteFacadeRefusesNullLikeEveryOtherCall() {
    assertRefused(
        () -> SqliteBackend.open(Path.of("never-created.db"), null), "options must not be null");
    try (SqliteBackend db = SqliteBackend.inMemory()) {
      assertRefused(() -> db.exec(null), "sql must not be null");
      assertRefused(() -> db.query(null, row -> row.getLong(1)), "sql must not be null");
      assertRefused(() -> db.query("SELECT 1", null), "mapper must not be null");
      assertRefused(() -> db.queryOne(null, row -> row.getLong(1)), "sql must not be null");
      assertRefused(() -> db.inTransaction(null), "body must not be null");
      assertRefused(() -> db.runInTransaction(null), "action must not be null");
      // The same inside a transaction, where the backend is the transaction's view.
      db.runInTransaction(
          tx -> {
            assertRefused(() -> tx.exec(null), "sql must not be null");
            assertRefused(() -> tx.runInTransaction(null), "action must not be null");
          });
    }
  }

  @Test
  void dialectsAndTheSpiRefuseNull() {
    assertRefused(() -> Dialect.POSTGRES.quoteIdentifier(null), "name must not be null");
    assertRefused(() -> Dialect.SQLITE.orderByBytes(null), "expression must not be null");
    assertRefused(() -> Checks.notNull(null, "widget"), "widget must not be null");
    WakeUpHub hub = new WakeUpHub("a test hub", () -> {}, () -> null);
    assertRefused(() -> hub.subscribe(null), "listener must not be null");
    assertRefused(
        () -> new StoreBusyException("busy", null, StoreBusyException.Holder.UNKNOWN, null, null),
        "waited must not be null");
  }

  @Test
  void aMalformedCommitNoticeIsInvalidInputNamingWhatIsWrong() {
    assertRefused(() -> CommitJson.decode("{\"seq\":\"7\"}"), "seq is not an integer");
    assertRefused(() -> CommitJson.decode("{\"stream\":1}"), "stream is not a string");
    assertEquals(
        InvalidInputException.class,
        assertThrows(StoreException.class, () -> CommitJson.decode("[1]")).getClass());
  }

  @Test
  void aBackendOfTheCallersOwnIsRefusedNamingItsClass() {
    try (SqliteBackend db = SqliteBackend.inMemory()) {
      Backend own = new OwnBackend(db);
      assertRefused(
          () -> WriterLog.append(own, "conv", "alice", new byte[] {1}),
          "unsupported Backend implementation "
              + OwnBackend.class.getName()
              + "; use SqliteBackend or PostgresBackend");
    }
  }

  /** A wrapper a caller might write: a Backend, but not one agent-store can run primitives on. */
  private record OwnBackend(Backend inner) implements Backend {
    @Override
    public Dialect dialect() {
      return inner.dialect();
    }

    @Override
    public int exec(String sql, @Nullable Object... params) {
      return inner.exec(sql, params);
    }

    @Override
    public <T> List<T> query(String sql, RowMapper<T> mapper, @Nullable Object... params) {
      return inner.query(sql, mapper, params);
    }

    @Override
    public <T> T inTransaction(TransactionBody<T> body) {
      return inner.inTransaction(body);
    }

    @Override
    public Doorbell doorbell() {
      return inner.doorbell();
    }

    @Override
    public String describe() {
      return inner.describe();
    }

    @Override
    public void close() {
      inner.close();
    }
  }

  private static void assertRefused(Executable call, String message) {
    assertEquals(message, assertThrows(InvalidInputException.class, call).getMessage());
  }
}
