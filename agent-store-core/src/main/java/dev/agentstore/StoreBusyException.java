package dev.agentstore;

import dev.agentstore.internal.Args;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The store stayed locked for longer than the call may wait: its busy timeout (SQLite's {@code
 * SqliteOptions.busyTimeout()}, PostgreSQL's {@code PostgresOptions.lockTimeout()}), counted from
 * the moment the call began, across every wait and retry inside it. Nothing was written; the call
 * may be retried. {@link #waited()} says how long it waited and {@link #holder()} what held the
 * store, when known; the message says both.
 */
public final class StoreBusyException extends RetryableStoreException {
  private static final long serialVersionUID = 1L;

  /** What held the store while the call waited. */
  public enum Holder {
    /**
     * Another thread of this process: it held the SQLite writer connection (named by {@link
     * #holderThread()} when known), or every connection of the PostgreSQL pool.
     */
    THIS_PROCESS,
    /**
     * Another connection held the lock: on SQLite, another process or a connection of this process
     * that this backend does not own (another backend on the same file, the caller's own
     * connection); on PostgreSQL, another transaction.
     */
    ANOTHER_CONNECTION,
    /** Not known. */
    UNKNOWN
  }

  /** How long the call waited. */
  private final Duration waited;

  /** What held the store. */
  private final Holder holder;

  /** The thread of this process that held it, when known. */
  private final @Nullable String holderThread;

  /**
   * A busy store whose holder and wait are not known.
   *
   * @param message what went wrong, naming what was wrong and where
   * @param cause the underlying failure (often a {@code SQLException}), or null when there is none
   */
  public StoreBusyException(String message, @Nullable Throwable cause) {
    this(message, Duration.ZERO, Holder.UNKNOWN, null, cause);
  }

  /**
   * @param waited how long the call waited for the store before giving up
   * @param holder what held the store
   * @param holderThread the name of the thread of this process that held it, when known
   * @param message what went wrong, naming what was wrong and where
   * @param cause the underlying failure (often a {@code SQLException}), or null when there is none
   */
  public StoreBusyException(
      String message,
      Duration waited,
      Holder holder,
      @Nullable String holderThread,
      @Nullable Throwable cause) {
    super(message, cause);
    this.waited = Args.notNull(waited, "waited");
    this.holder = Args.notNull(holder, "holder");
    this.holderThread = holderThread;
  }

  /**
   * {@return how long the call waited for the store before giving up; zero when it was not
   * measured}
   */
  public Duration waited() {
    return waited;
  }

  /** {@return what held the store while the call waited, when known} */
  public Holder holder() {
    return holder;
  }

  /** {@return the name of the thread of this process that held the store, when known} */
  public Optional<String> holderThread() {
    return Optional.ofNullable(holderThread);
  }
}
