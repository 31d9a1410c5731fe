package dev.agentstore.sqlite;

import dev.agentstore.Durability;
import dev.agentstore.InvalidInputException;
import dev.agentstore.StoreListener;
import dev.agentstore.internal.Args;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import org.jspecify.annotations.Nullable;

/**
 * How {@link SqliteBackend#open(java.nio.file.Path, SqliteOptions)} opens a file. Immutable and
 * thread-safe; start from {@link #defaults()} and change what you need with the {@code with...}
 * methods. New options may be added in later versions without breaking callers, which is why there
 * is no public constructor.
 *
 * <p>The options are:
 *
 * <ul>
 *   <li>{@link #durability()}: {@code synchronous=NORMAL} (default) or {@code FULL}; see {@link
 *       Durability}
 *   <li>{@link #busyTimeout()}: how long a write call may wait for the store, in all, before it
 *       gives up with {@code StoreBusyException} (default 5 s): counted from the moment the call
 *       begins, it bounds the wait for this backend's writer connection (held by other threads),
 *       SQLite's wait for other connections' locks and the pauses between retries together. A call
 *       overruns it by at most 20 ms plus its last attempt's own statements. A read waits up to
 *       this long for a lock
 *   <li>{@link #readOnly()}: open the file read-only: reads work, every write throws {@code
 *       ReadOnlyStoreException}, and the file is never modified. In a directory that cannot be
 *       written, the file is opened as immutable: what it holds since its last checkpoint is read,
 *       and a write-ahead log beside it is not
 *   <li>{@link #commitCheckInterval()}: how often a file store checks, while a follower waits,
 *       whether any connection (another process's too) has committed: {@code PRAGMA data_version}
 *       on a dedicated read connection, which never takes the write lock (default 10 ms)
 *   <li>{@link #listener()}: told of appends, busy waits, verifications and follower lag (default
 *       {@link StoreListener#none()}, which costs nothing)
 *   <li>{@link #threadFactory()}: where the backend's threads come from (default: daemon threads of
 *       its own, named after the store)
 *   <li>{@link #groupCommit()}: whether appends of several threads that arrive while another is
 *       being written share the next commit (default true); see {@link #withGroupCommit(boolean)}
 * </ul>
 */
public final class SqliteOptions {

  /** The default commit check interval. */
  public static final Duration DEFAULT_COMMIT_CHECK_INTERVAL = Duration.ofMillis(10);

  private static final SqliteOptions DEFAULTS =
      new SqliteOptions(
          Durability.NORMAL,
          Duration.ofSeconds(5),
          false,
          DEFAULT_COMMIT_CHECK_INTERVAL,
          StoreListener.none(),
          null,
          true);

  private final Durability durability;
  private final Duration busyTimeout;
  private final boolean readOnly;
  private final Duration commitCheckInterval;
  private final StoreListener listener;
  private final @Nullable ThreadFactory threadFactory;
  private final boolean groupCommit;

  private SqliteOptions(
      Durability durability,
      Duration busyTimeout,
      boolean readOnly,
      Duration commitCheckInterval,
      StoreListener listener,
      @Nullable ThreadFactory threadFactory,
      boolean groupCommit) {
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
    this.durability = durability;
    this.busyTimeout = busyTimeout;
    this.readOnly = readOnly;
    this.commitCheckInterval = commitCheckInterval;
    this.listener = Args.notNull(listener, "listener");
    this.threadFactory = threadFactory;
    this.groupCommit = groupCommit;
  }

  /**
   * WAL, {@code synchronous=NORMAL}, a 5 s busy timeout, read-write, commit checks every 10 ms.
   *
   * @return the default options
   */
  public static SqliteOptions defaults() {
    return DEFAULTS;
  }

  /**
   * {@code synchronous=NORMAL} or {@code FULL}.
   *
   * @return {@code synchronous=NORMAL} or {@code FULL}
   */
  public Durability durability() {
    return durability;
  }

  /** {@return how long a write call may wait for the store, in all, before it gives up} */
  public Duration busyTimeout() {
    return busyTimeout;
  }

  /** {@return whether the file is opened read-only} */
  public boolean readOnly() {
    return readOnly;
  }

  /** {@return how often a waiting follower checks whether any connection has committed} */
  public Duration commitCheckInterval() {
    return commitCheckInterval;
  }

  /** {@return what the backend reports its work to} */
  public StoreListener listener() {
    return listener;
  }

  /**
   * These options reporting to {@code listener} (replacing the one set before); {@link
   * StoreListener#none()} for none.
   *
   * @param listener the listener; {@link StoreListener#none()} for none
   * @return the new options
   * @throws InvalidInputException if {@code listener} is null
   */
  public SqliteOptions withListener(StoreListener listener) {
    return new SqliteOptions(
        durability,
        busyTimeout,
        readOnly,
        commitCheckInterval,
        listener,
        threadFactory,
        groupCommit);
  }

  /**
   * These options with another durability.
   *
   * @param durability the new durability
   * @return the new options
   * @throws InvalidInputException if {@code durability} is null
   */
  public SqliteOptions withDurability(Durability durability) {
    return new SqliteOptions(
        durability,
        busyTimeout,
        readOnly,
        commitCheckInterval,
        listener,
        threadFactory,
        groupCommit);
  }

  /**
   * These options with another busy timeout.
   *
   * @param busyTimeout how long a write call may wait for the store, in all, before it gives up
   *     with {@link dev.agentstore.StoreBusyException}; not negative
   * @return the new options
   * @throws InvalidInputException if {@code busyTimeout} is null, negative or longer than {@link
   *     Integer#MAX_VALUE} milliseconds
   */
  public SqliteOptions withBusyTimeout(Duration busyTimeout) {
    return new SqliteOptions(
        durability,
        busyTimeout,
        readOnly,
        commitCheckInterval,
        listener,
        threadFactory,
        groupCommit);
  }

  /**
   * These options opening the file read-only or read-write.
   *
   * @param readOnly true to open the file read-only
   * @return the new options
   */
  public SqliteOptions withReadOnly(boolean readOnly) {
    return new SqliteOptions(
        durability,
        busyTimeout,
        readOnly,
        commitCheckInterval,
        listener,
        threadFactory,
        groupCommit);
  }

  /**
   * These options with another commit check interval.
   *
   * @param commitCheckInterval how often a waiting follower checks whether any connection has
   *     committed; positive, at most an hour
   * @return the new options
   * @throws InvalidInputException if {@code commitCheckInterval} is null, not positive or longer
   *     than an hour
   */
  public SqliteOptions withCommitCheckInterval(Duration commitCheckInterval) {
    return new SqliteOptions(
        durability,
        busyTimeout,
        readOnly,
        commitCheckInterval,
        listener,
        threadFactory,
        groupCommit);
  }

  /** {@return the factory of the threads the backend starts, when the caller supplied one} */
  public Optional<ThreadFactory> threadFactory() {
    return Optional.ofNullable(threadFactory);
  }

  /**
   * These options starting the backend's threads (the commit watcher, the readers of a parallel
   * verify) from {@code threadFactory} instead of as agent-store's own daemon threads: for
   * containers that name, group or account for every thread. The factory's threads must run the
   * task they are given; {@code close()} still waits for each to finish.
   *
   * @param threadFactory makes the backend's threads
   * @return the new options
   * @throws InvalidInputException if {@code threadFactory} is null
   */
  public SqliteOptions withThreadFactory(ThreadFactory threadFactory) {
    Args.notNull(threadFactory, "threadFactory");
    return new SqliteOptions(
        durability,
        busyTimeout,
        readOnly,
        commitCheckInterval,
        listener,
        threadFactory,
        groupCommit);
  }

  /** {@return whether appends of several threads share commits (group commit)} */
  public boolean groupCommit() {
    return groupCommit;
  }

  /**
   * These options with group commit on (the default) or off. On, appends of this backend's threads
   * that arrive while another append is being written wait for it and are then written together, in
   * one transaction and one commit (one flush under {@link Durability#FULL}); a lone appender is
   * written at once either way. Off, every append is its own transaction, taken in turn: for an
   * application that wants each append's latency independent of the others', or to measure what
   * grouping brings. It applies to a file or memory store the backend opened itself; appends on an
   * adopted connection and inside {@code inTransaction} are never grouped. The system property
   * {@code -Dagentstore.sqlite.groupCommit=false} turns it off for every store opened while it is
   * set, without a change of code.
   *
   * @param groupCommit true to let concurrent appends share commits
   * @return the new options
   */
  public SqliteOptions withGroupCommit(boolean groupCommit) {
    return new SqliteOptions(
        durability,
        busyTimeout,
        readOnly,
        commitCheckInterval,
        listener,
        threadFactory,
        groupCommit);
  }

  /** Equal when every option is equal. */
  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof SqliteOptions other
        && durability == other.durability
        && busyTimeout.equals(other.busyTimeout)
        && readOnly == other.readOnly
        && commitCheckInterval.equals(other.commitCheckInterval)
        && listener.equals(other.listener)
        && Objects.equals(threadFactory, other.threadFactory)
        && groupCommit == other.groupCommit;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        durability,
        busyTimeout,
        readOnly,
        commitCheckInterval,
        listener,
        threadFactory,
        groupCommit);
  }

  /** Every option by name, for logs. */
  @Override
  public String toString() {
    return "SqliteOptions[durability="
        + durability
        + ", busyTimeout="
        + busyTimeout
        + ", readOnly="
        + readOnly
        + ", commitCheckInterval="
        + commitCheckInterval
        + (listener == StoreListener.none() ? "" : ", listener=" + listener)
        + (threadFactory == null ? "" : ", threadFactory=" + threadFactory)
        + (groupCommit ? "" : ", groupCommit=false")
        + "]";
  }
}
