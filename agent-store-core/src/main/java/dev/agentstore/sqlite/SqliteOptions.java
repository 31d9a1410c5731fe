package dev.agentstore.sqlite;

import dev.agentstore.Durability;
import dev.agentstore.InvalidInputException;
import dev.agentstore.internal.Args;
import java.time.Duration;

/**
 * How {@link SqliteBackend#open(java.nio.file.Path, SqliteOptions)} opens a file. Immutable; start
 * from {@link #defaults()} and change what you need.
 *
 * @param durability {@code synchronous=NORMAL} (default) or {@code FULL}; see {@link Durability}
 * @param busyTimeout how long a write call may wait for the store, in all, before it gives up with
 *     {@code StoreBusyException} (default 5 s): counted from the moment the call begins, it bounds
 *     the wait for this backend's writer connection (held by other threads), SQLite's wait for
 *     other connections' locks and the pauses between retries together. A call overruns it by at
 *     most 20 ms plus its last attempt's own statements. A read waits up to this long for a lock
 * @param readOnly open the file read-only: reads work, every write throws {@code
 *     ReadOnlyStoreException}, and the file is never modified. In a directory that cannot be
 *     written, the file is opened as immutable: what it holds since its last checkpoint is read,
 *     and a write-ahead log beside it is not
 * @param commitCheckInterval how often a file store checks, while a follower waits, whether any
 *     connection (another process's too) has committed: {@code PRAGMA data_version} on a dedicated
 *     read connection, which never takes the write lock (default 10 ms)
 */
public record SqliteOptions(
    Durability durability, Duration busyTimeout, boolean readOnly, Duration commitCheckInterval) {

  /** The default commit check interval. */
  public static final Duration DEFAULT_COMMIT_CHECK_INTERVAL = Duration.ofMillis(10);

  public SqliteOptions {
    Args.notNull(durability, "durability");
    Args.notNull(busyTimeout, "busyTimeout");
    if (busyTimeout.isNegative() || busyTimeout.toMillis() > Integer.MAX_VALUE) {
      throw new InvalidInputException(
          "busyTimeout must be 0 to " + Integer.MAX_VALUE + " ms, got " + busyTimeout);
    }
    Args.notNull(commitCheckInterval, "commitCheckInterval");
    if (commitCheckInterval.isNegative()
        || commitCheckInterval.isZero()
        || commitCheckInterval.compareTo(Duration.ofHours(1)) > 0) {
      throw new InvalidInputException(
          "commitCheckInterval must be positive and at most an hour: " + commitCheckInterval);
    }
  }

  /** Options with the default commit check interval. */
  public SqliteOptions(Durability durability, Duration busyTimeout, boolean readOnly) {
    this(durability, busyTimeout, readOnly, DEFAULT_COMMIT_CHECK_INTERVAL);
  }

  /** WAL, {@code synchronous=NORMAL}, a 5 s busy timeout, read-write, commit checks every 10 ms. */
  public static SqliteOptions defaults() {
    return new SqliteOptions(Durability.NORMAL, Duration.ofSeconds(5), false);
  }

  public SqliteOptions withDurability(Durability durability) {
    return new SqliteOptions(durability, busyTimeout, readOnly, commitCheckInterval);
  }

  public SqliteOptions withBusyTimeout(Duration busyTimeout) {
    return new SqliteOptions(durability, busyTimeout, readOnly, commitCheckInterval);
  }

  public SqliteOptions withReadOnly(boolean readOnly) {
    return new SqliteOptions(durability, busyTimeout, readOnly, commitCheckInterval);
  }

  public SqliteOptions withCommitCheckInterval(Duration commitCheckInterval) {
    return new SqliteOptions(durability, busyTimeout, readOnly, commitCheckInterval);
  }
}
