package dev.agentstore.postgres;

import dev.agentstore.InvalidInputException;
import dev.agentstore.internal.Args;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * How a {@link PostgresBackend} uses its server. Immutable; start from {@link #defaults()}.
 *
 * <p>The pool size and the timeouts configure the pool the backend opens itself ({@link
 * PostgresBackend#connect}); they are not applied to a caller's {@code DataSource}, whose
 * connections the caller configures (for example with the driver's {@code
 * options=-c%20statement_timeout%3D5000} URL parameter).
 *
 * @param schema the schema holding agent-store's tables (default {@code public}); created on {@code
 *     ensureSchema} when missing. Several fleets can share a database in several schemas.
 * @param poolSize the most connections the backend's own pool opens (default 10)
 * @param connectTimeout how long to wait for a connection from the pool or the server (default 10
 *     s)
 * @param statementTimeout the server-side limit on one statement; zero for none (the default)
 * @param lockTimeout the server-side limit on waiting for a lock; zero for none (the default)
 * @param commitNotifications whether commits are announced to other processes (default true): with
 *     it, {@code WriterLog.ensureSchema} installs the trigger that sends a {@code NOTIFY} for every
 *     append while a listener is registered in {@code <schema>._agent_store_listeners}, and the
 *     backend's followers {@code LISTEN} (and register) on a connection of its own. Without it, no
 *     trigger or table is installed and no {@code LISTEN} connection is opened: this backend's
 *     followers hear its own appends (its doorbell) at once and other processes' appends by
 *     polling, within their {@code FollowOptions.pollInterval()}; concurrent appenders keep
 *     PostgreSQL's group commit. A trigger installed earlier is left in place (it belongs to the
 *     schema, and other processes may listen to it); {@code DROP TRIGGER _agent_store_announce ON
 *     <schema>._agent_store_log} removes it. Applies to a caller's {@code DataSource} too.
 */
public record PostgresOptions(
    String schema,
    int poolSize,
    Duration connectTimeout,
    Duration statementTimeout,
    Duration lockTimeout,
    boolean commitNotifications) {

  public PostgresOptions {
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
    if (statementTimeout.isNegative() || lockTimeout.isNegative()) {
      throw new InvalidInputException("timeouts must not be negative");
    }
  }

  /** Options with commit notifications on. */
  public PostgresOptions(
      String schema,
      int poolSize,
      Duration connectTimeout,
      Duration statementTimeout,
      Duration lockTimeout) {
    this(schema, poolSize, connectTimeout, statementTimeout, lockTimeout, true);
  }

  /**
   * Schema {@code public}, 10 connections, 10 s to connect, no statement or lock timeout, commit
   * notifications on.
   */
  public static PostgresOptions defaults() {
    return new PostgresOptions("public", 10, Duration.ofSeconds(10), Duration.ZERO, Duration.ZERO);
  }

  public PostgresOptions withSchema(String schema) {
    return new PostgresOptions(
        schema, poolSize, connectTimeout, statementTimeout, lockTimeout, commitNotifications);
  }

  public PostgresOptions withPoolSize(int poolSize) {
    return new PostgresOptions(
        schema, poolSize, connectTimeout, statementTimeout, lockTimeout, commitNotifications);
  }

  public PostgresOptions withConnectTimeout(Duration connectTimeout) {
    return new PostgresOptions(
        schema, poolSize, connectTimeout, statementTimeout, lockTimeout, commitNotifications);
  }

  public PostgresOptions withStatementTimeout(Duration statementTimeout) {
    return new PostgresOptions(
        schema, poolSize, connectTimeout, statementTimeout, lockTimeout, commitNotifications);
  }

  public PostgresOptions withLockTimeout(Duration lockTimeout) {
    return new PostgresOptions(
        schema, poolSize, connectTimeout, statementTimeout, lockTimeout, commitNotifications);
  }

  public PostgresOptions withCommitNotifications(boolean commitNotifications) {
    return new PostgresOptions(
        schema, poolSize, connectTimeout, statementTimeout, lockTimeout, commitNotifications);
  }
}
