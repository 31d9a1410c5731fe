package dev.agentstore.postgres;

import dev.agentstore.InvalidInputException;
import dev.agentstore.StoreListener;
import dev.agentstore.internal.Args;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import org.jspecify.annotations.Nullable;

/**
 * How a {@link PostgresBackend} uses its server. Immutable and thread-safe; start from {@link
 * #defaults()} and change what you need with the {@code with...} methods. New options may be added
 * in later versions without breaking callers, which is why there is no public constructor.
 *
 * <p>The pool size and the timeouts configure the pool the backend opens itself ({@link
 * PostgresBackend#connect}); they are not applied to a caller's {@code DataSource}, whose
 * connections the caller configures (for example with the driver's {@code
 * options=-c%20statement_timeout%3D5000} URL parameter).
 *
 * <p>The options are:
 *
 * <ul>
 *   <li>{@link #schema()}: the schema holding agent-store's tables (default {@code public});
 *       created on {@code ensureSchema} when missing. Several fleets can share a database in
 *       several schemas.
 *   <li>{@link #poolSize()}: the most connections the backend's own pool opens (default 10)
 *   <li>{@link #connectTimeout()}: how long to wait for a connection from the pool or the server
 *       (default 10 s)
 *   <li>{@link #statementTimeout()}: the server-side limit on one statement; zero for none (the
 *       default)
 *   <li>{@link #lockTimeout()}: the server-side limit on waiting for a lock; zero for none (the
 *       default)
 *   <li>{@link #commitNotifications()}: whether commits are announced to other processes (default
 *       true): with it, {@code WriterLog.ensureSchema} installs the trigger that sends a {@code
 *       NOTIFY} for every append while a listener is registered in {@code
 *       <schema>._agent_store_listeners}, and the backend's followers {@code LISTEN} (and register)
 *       on a connection of its own. Without it, no trigger or table is installed and no {@code
 *       LISTEN} connection is opened: this backend's followers hear its own appends (its doorbell)
 *       at once and other processes' appends by polling, within their {@code
 *       FollowOptions.pollInterval()}; concurrent appenders keep PostgreSQL's group commit. A
 *       trigger installed earlier is left in place (it belongs to the schema, and other processes
 *       may listen to it); {@code DROP TRIGGER _agent_store_announce ON <schema>._agent_store_log}
 *       removes it. Applies to a caller's {@code DataSource} too.
 *   <li>{@link #groupCommit()}: whether appends of this process's threads that queue behind a busy
 *       one share one transaction (default true); see {@link #withGroupCommit(boolean)}
 * </ul>
 */
public final class PostgresOptions {
  private static final PostgresOptions DEFAULTS =
      new PostgresOptions(
          "public",
          10,
          Duration.ofSeconds(10),
          Duration.ZERO,
          Duration.ZERO,
          true,
          StoreListener.none(),
          null,
          HnswOptions.defaults(),
          true);

  private final String schema;
  private final int poolSize;
  private final Duration connectTimeout;
  private final Duration statementTimeout;
  private final Duration lockTimeout;
  private final boolean commitNotifications;
  private final StoreListener listener;
  private final @Nullable ThreadFactory threadFactory;
  private final HnswOptions hnsw;
  private final boolean groupCommit;

  private PostgresOptions(
      String schema,
      int poolSize,
      Duration connectTimeout,
      Duration statementTimeout,
      Duration lockTimeout,
      boolean commitNotifications,
      StoreListener listener,
      @Nullable ThreadFactory threadFactory,
      HnswOptions hnsw,
      boolean groupCommit) {
    Args.notNull(schema, "schema");
    Args.notNull(connectTimeout, "connectTimeout");
    Args.notNull(statementTimeout, "statementTimeout");
    Args.notNull(lockTimeout, "lockTimeout");
    int bytes = schema.getBytes(StandardCharsets.UTF_8).length;
    if (schema.isEmpty() || bytes > 63 || schema.indexOf('\0') >= 0) {
      throw new InvalidInputException(
          "schema must be 1 to 63 bytes without NUL, got \"" + schema + "\"");
    }
    if (poolSize < 1) {
      throw new InvalidInputException("poolSize must be at least 1, got " + poolSize);
    }
    if (connectTimeout.toMillis() < 250) {
      throw new InvalidInputException(
          "connectTimeout must be at least 250 ms, got " + connectTimeout.toMillis() + " ms");
    }
    if (statementTimeout.isNegative()) {
      throw new InvalidInputException(
          "statementTimeout must not be negative, got " + statementTimeout);
    }
    if (lockTimeout.isNegative()) {
      throw new InvalidInputException("lockTimeout must not be negative, got " + lockTimeout);
    }
    this.schema = schema;
    this.poolSize = poolSize;
    this.connectTimeout = connectTimeout;
    this.statementTimeout = statementTimeout;
    this.lockTimeout = lockTimeout;
    this.commitNotifications = commitNotifications;
    this.listener = Args.notNull(listener, "listener");
    this.threadFactory = threadFactory;
    this.hnsw = Args.notNull(hnsw, "hnsw");
    this.groupCommit = groupCommit;
  }

  /**
   * Schema {@code public}, 10 connections, 10 s to connect, no statement or lock timeout, commit
   * notifications on.
   *
   * @return the default options
   */
  public static PostgresOptions defaults() {
    return DEFAULTS;
  }

  /** {@return the schema holding agent-store's tables} */
  public String schema() {
    return schema;
  }

  /** {@return the most connections the backend's own pool opens} */
  public int poolSize() {
    return poolSize;
  }

  /** {@return how long to wait for a connection from the pool or the server} */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /** {@return the server-side limit on one statement; zero for none} */
  public Duration statementTimeout() {
    return statementTimeout;
  }

  /** {@return the server-side limit on waiting for a lock; zero for none} */
  public Duration lockTimeout() {
    return lockTimeout;
  }

  /** {@return whether commits are announced to other processes through {@code NOTIFY}} */
  public boolean commitNotifications() {
    return commitNotifications;
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
  public PostgresOptions withListener(StoreListener listener) {
    return new PostgresOptions(
        schema,
        poolSize,
        connectTimeout,
        statementTimeout,
        lockTimeout,
        commitNotifications,
        listener,
        threadFactory,
        hnsw,
        groupCommit);
  }

  /**
   * These options with another schema.
   *
   * @param schema the schema holding agent-store's tables; 1 to 63 bytes, no NUL
   * @return the new options
   * @throws InvalidInputException if {@code schema} is null, empty, longer than 63 bytes or holds
   *     NUL
   */
  public PostgresOptions withSchema(String schema) {
    return new PostgresOptions(
        schema,
        poolSize,
        connectTimeout,
        statementTimeout,
        lockTimeout,
        commitNotifications,
        listener,
        threadFactory,
        hnsw,
        groupCommit);
  }

  /**
   * These options with another pool size.
   *
   * @param poolSize the most connections the backend's own pool opens; 1 or more
   * @return the new options
   * @throws InvalidInputException if {@code poolSize} is less than 1
   */
  public PostgresOptions withPoolSize(int poolSize) {
    return new PostgresOptions(
        schema,
        poolSize,
        connectTimeout,
        statementTimeout,
        lockTimeout,
        commitNotifications,
        listener,
        threadFactory,
        hnsw,
        groupCommit);
  }

  /**
   * These options with another connect timeout.
   *
   * @param connectTimeout how long to wait for a connection from the pool or the server; at least
   *     250 ms
   * @return the new options
   * @throws InvalidInputException if {@code connectTimeout} is null or shorter than 250 ms
   */
  public PostgresOptions withConnectTimeout(Duration connectTimeout) {
    return new PostgresOptions(
        schema,
        poolSize,
        connectTimeout,
        statementTimeout,
        lockTimeout,
        commitNotifications,
        listener,
        threadFactory,
        hnsw,
        groupCommit);
  }

  /**
   * These options with another statement timeout.
   *
   * @param statementTimeout the server-side limit on one statement; zero for none
   * @return the new options
   * @throws InvalidInputException if {@code statementTimeout} is null or negative
   */
  public PostgresOptions withStatementTimeout(Duration statementTimeout) {
    return new PostgresOptions(
        schema,
        poolSize,
        connectTimeout,
        statementTimeout,
        lockTimeout,
        commitNotifications,
        listener,
        threadFactory,
        hnsw,
        groupCommit);
  }

  /**
   * These options with another lock timeout.
   *
   * @param lockTimeout the server-side limit on waiting for a lock; zero for none
   * @return the new options
   * @throws InvalidInputException if {@code lockTimeout} is null or negative
   */
  public PostgresOptions withLockTimeout(Duration lockTimeout) {
    return new PostgresOptions(
        schema,
        poolSize,
        connectTimeout,
        statementTimeout,
        lockTimeout,
        commitNotifications,
        listener,
        threadFactory,
        hnsw,
        groupCommit);
  }

  /**
   * These options with commit notifications on or off.
   *
   * @param commitNotifications true to announce commits to other processes through {@code NOTIFY}
   * @return the new options
   */
  public PostgresOptions withCommitNotifications(boolean commitNotifications) {
    return new PostgresOptions(
        schema,
        poolSize,
        connectTimeout,
        statementTimeout,
        lockTimeout,
        commitNotifications,
        listener,
        threadFactory,
        hnsw,
        groupCommit);
  }

  /** {@return the factory of the threads the backend starts, when the caller supplied one} */
  public Optional<ThreadFactory> threadFactory() {
    return Optional.ofNullable(threadFactory);
  }

  /**
   * These options starting the backend's threads (the LISTEN connection's thread, the readers of a
   * parallel verify) from {@code threadFactory} instead of as agent-store's own daemon threads, as
   * HikariCP's {@code threadFactory} does for its pool. The factory's threads must run the task
   * they are given; {@code close()} still waits for each to finish.
   *
   * @param threadFactory makes the backend's threads
   * @return the new options
   * @throws InvalidInputException if {@code threadFactory} is null
   */
  public PostgresOptions withThreadFactory(ThreadFactory threadFactory) {
    Args.notNull(threadFactory, "threadFactory");
    return new PostgresOptions(
        schema,
        poolSize,
        connectTimeout,
        statementTimeout,
        lockTimeout,
        commitNotifications,
        listener,
        threadFactory,
        hnsw,
        groupCommit);
  }

  /** {@return the parameters of the HNSW indexes of {@code Recall} on a server with pgvector} */
  public HnswOptions hnsw() {
    return hnsw;
  }

  /**
   * These options with other HNSW parameters for {@code Recall} on a server with pgvector. {@code
   * m} and {@code efConstruction} apply to the indexes built after {@code Recall.ensureSchema} ran
   * with them (an existing index keeps its own); {@code efSearch} applies to every search of this
   * backend.
   *
   * @param hnsw the parameters
   * @return the new options
   * @throws InvalidInputException if {@code hnsw} is null
   */
  public PostgresOptions withHnsw(HnswOptions hnsw) {
    Args.notNull(hnsw, "hnsw");
    return new PostgresOptions(
        schema,
        poolSize,
        connectTimeout,
        statementTimeout,
        lockTimeout,
        commitNotifications,
        listener,
        threadFactory,
        hnsw,
        groupCommit);
  }

  /** {@return whether appends of this process's threads share transactions (group commit)} */
  public boolean groupCommit() {
    return groupCommit;
  }

  /**
   * These options with group commit on (the default) or off. On, single appends of this backend's
   * threads that queue behind a busy one are written by the next in line as one batch of guarded
   * inserts in one transaction; appends the batch cannot take are written alone, and a lone
   * appender is written at once either way. Off, every append is its own transaction on its own
   * pooled connection. Applies to a caller's {@code DataSource} too. The system property {@code
   * -Dagentstore.postgres.groupCommit=false} turns it off for every backend opened while it is set,
   * without a change of code.
   *
   * @param groupCommit true to let concurrent appends share transactions
   * @return the new options
   */
  public PostgresOptions withGroupCommit(boolean groupCommit) {
    return new PostgresOptions(
        schema,
        poolSize,
        connectTimeout,
        statementTimeout,
        lockTimeout,
        commitNotifications,
        listener,
        threadFactory,
        hnsw,
        groupCommit);
  }

  /** Equal when every option is equal. */
  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof PostgresOptions other
        && schema.equals(other.schema)
        && poolSize == other.poolSize
        && connectTimeout.equals(other.connectTimeout)
        && statementTimeout.equals(other.statementTimeout)
        && lockTimeout.equals(other.lockTimeout)
        && commitNotifications == other.commitNotifications
        && listener.equals(other.listener)
        && Objects.equals(threadFactory, other.threadFactory)
        && hnsw.equals(other.hnsw)
        && groupCommit == other.groupCommit;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        schema,
        poolSize,
        connectTimeout,
        statementTimeout,
        lockTimeout,
        commitNotifications,
        listener,
        threadFactory,
        hnsw,
        groupCommit);
  }

  /** Every option by name, for logs. */
  @Override
  public String toString() {
    return "PostgresOptions[schema="
        + schema
        + ", poolSize="
        + poolSize
        + ", connectTimeout="
        + connectTimeout
        + ", statementTimeout="
        + statementTimeout
        + ", lockTimeout="
        + lockTimeout
        + ", commitNotifications="
        + commitNotifications
        + (listener == StoreListener.none() ? "" : ", listener=" + listener)
        + (threadFactory == null ? "" : ", threadFactory=" + threadFactory)
        + (hnsw.equals(HnswOptions.defaults()) ? "" : ", hnsw=" + hnsw)
        + (groupCommit ? "" : ", groupCommit=false")
        + "]";
  }
}
