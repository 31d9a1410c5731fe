package dev.agentstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.agentstore.sqlite.SqliteBackend;
import dev.agentstore.sqlite.SqliteOptions;
import java.time.Duration;
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

  private static void assertRefused(Executable call, String message) {
    assertEquals(message, assertThrows(InvalidInputException.class, call).getMessage());
  }
}
