package dev.agentstore.postgres.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import dev.agentstore.Dialect;
import dev.agentstore.StoreBusyException;
import dev.agentstore.StoreException;
import dev.agentstore.StoreOpenException;
import dev.agentstore.WakeUpSource;
import dev.agentstore.internal.Args;
import dev.agentstore.internal.BusyBudget;
import dev.agentstore.internal.Conn;
import dev.agentstore.internal.ErrorKind;
import dev.agentstore.internal.JdbcBackend;
import dev.agentstore.internal.SqlDialect;
import dev.agentstore.internal.ThreadMaker;
import dev.agentstore.postgres.PostgresOptions;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The engine behind {@code PostgresBackend}: a PostgreSQL server as an agent-store backend: the
 * reference layout (BIGINT, BYTEA) in a chosen schema, the same hashes as SQLite, so a store can
 * move between the two without any entry changing.
 *
 * <p>Connections come from a HikariCP pool the backend owns ({@link #connect}) or from the caller's
 * {@link DataSource}. A single append outside a transaction is one guarded INSERT (one round trip)
 * from the last head this process saw; the primary key and the guard reject a stale guess, and the
 * append then re-reads the head, retries within a bound and finally takes a transaction that holds
 * an advisory lock on the chain. Appends inside a transaction, {@code appendAll} and optimistic
 * appends always take that lock.
 *
 * <p>A lost connection surfaces as a {@code RetryableStoreException}; the pool replaces the
 * connection, so the next call reconnects by itself. Thread-safe.
 */
public final class PostgresEngine extends JdbcBackend {
  private final DataSource dataSource;
  private final @Nullable HikariDataSource pool;
  private final PostgresDialect sql;
  private final PostgresOptions options;
  private final String description;
  private final PgCommitListener listener;

  /**
   * Whether appends of this process's threads share transactions: {@link
   * PostgresOptions#groupCommit()}, unless {@code -Dagentstore.postgres.groupCommit=false} was set
   * when the store was opened.
   */
  private final boolean groupCommit;

  private PostgresEngine(
      DataSource dataSource,
      @Nullable HikariDataSource pool,
      PostgresOptions options,
      String address,
      PgCommitListener.Opener listenerConnections) {
    this.dataSource = dataSource;
    this.pool = pool;
    this.options = options;
    this.groupCommit =
        options.groupCommit()
            && !"false".equalsIgnoreCase(System.getProperty("agentstore.postgres.groupCommit"));
    this.sql = new PostgresDialect(options.schema(), options.hnsw());
    this.description = "PostgreSQL store " + address + " (schema " + options.schema() + ")";
    listenWith(options.listener());
    threadsFrom(ThreadMaker.of(options.threadFactory().orElse(null)));
    if (pool != null && listened()) {
      PoolWaits.report(pool, listener(), description);
    }
    this.listener =
        new PgCommitListener(
            description,
            CommitTrigger.logTable(sql),
            CommitTrigger.listenersTable(sql),
            listenerConnections,
            listener(),
            threads());
  }

  /**
   * Connects to {@code jdbcUrl} through a pool of its own and checks that the server answers.
   * Everything the driver understands passes through the URL: several {@code host:port} pairs with
   * {@code targetServerType} for failover, {@code ssl}/{@code sslmode}/{@code sslrootcert} for TLS,
   * {@code user} and {@code password}.
   *
   * @throws StoreOpenException naming host:port/database (never the password) when the server
   *     cannot be reached, refuses the login, or has no such database
   */
  public static PostgresEngine connect(String jdbcUrl, PostgresOptions options) {
    Args.notNull(jdbcUrl, "jdbcUrl");
    Args.notNull(options, "options");
    String address = ServerAddress.of(jdbcUrl);
    if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new StoreOpenException(
          "not a PostgreSQL JDBC URL (expected jdbc:postgresql://host:port/database): " + address,
          null);
    }
    probe(jdbcUrl, options, address);
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    config.setPoolName("agent-store " + address);
    config.setMaximumPoolSize(options.poolSize());
    config.setMinimumIdle(Math.min(2, options.poolSize()));
    config.setConnectionTimeout(options.connectTimeout().toMillis());
    config.setInitializationFailTimeout(options.connectTimeout().toMillis());
    config.setSchema(options.schema());
    // appendAll sends one multi-row INSERT instead of one per entry; a URL parameter overrides it.
    config.addDataSourceProperty("reWriteBatchedInserts", "true");
    String init = sessionSettings(options);
    if (!init.isEmpty()) {
      config.setConnectionInitSql(init);
    }
    try {
      HikariDataSource pool = new HikariDataSource(config);
      // The LISTEN connection is the listener's alone, outside the pool, so it never takes a
      // connection from appenders however small the pool.
      Properties listening = new Properties();
      listening.setProperty("ApplicationName", listenerName(options.schema()));
      return new PostgresEngine(
          pool, pool, options, address, () -> DriverManager.getConnection(jdbcUrl, listening));
    } catch (HikariPool.PoolInitializationException e) {
      throw openFailure(address, e.getCause() == null ? e : e.getCause());
    } catch (RuntimeException e) {
      throw openFailure(address, e);
    }
  }

  /**
   * One direct connection before the pool starts: a wrong password or a missing database fails at
   * once with the driver's reason, where the pool would keep retrying until its timeout.
   */
  private static void probe(String jdbcUrl, PostgresOptions options, String address) {
    Properties properties = new Properties();
    long seconds = Math.max(1, options.connectTimeout().toSeconds());
    properties.setProperty("connectTimeout", Long.toString(seconds));
    properties.setProperty("loginTimeout", Long.toString(seconds));
    try (Connection probe = new org.postgresql.Driver().connect(jdbcUrl, properties)) {
      if (probe == null) {
        throw new StoreOpenException(
            "the PostgreSQL driver does not accept the URL for " + address, null);
      }
    } catch (SQLException e) {
      if (String.valueOf(e.getMessage()).contains(jdbcUrl)) {
        // The driver quotes the whole URL, password included: neither message nor cause may travel.
        throw new StoreOpenException(
            "cannot open PostgreSQL store "
                + address
                + ": the driver cannot parse the URL (check host, port and parameters)",
            null);
      }
      throw openFailure(address, e);
    }
  }

  /**
   * Uses the caller's {@link DataSource} (usually a pool it already runs), which the backend never
   * closes. agent-store's tables are schema-qualified, so they land in {@code options.schema()}
   * whatever the connections' search path; the caller's own SQL runs with that search path. Only
   * the schema and the commit notifications of {@code options} apply: pool size and timeouts are
   * the caller's to set on its connections.
   */
  public static PostgresEngine fromDataSource(DataSource dataSource, PostgresOptions options) {
    Args.notNull(dataSource, "dataSource");
    Args.notNull(options, "options");
    String address;
    try (Connection probe = dataSource.getConnection()) {
      address = ServerAddress.of(probe.getMetaData().getURL());
    } catch (SQLException e) {
      throw openFailure("the given DataSource", e);
    }
    return new PostgresEngine(dataSource, null, options, address, dataSource::getConnection);
  }

  public PostgresOptions options() {
    return options;
  }

  /** The schema holding agent-store's tables. */
  public String schema() {
    return options.schema();
  }

  @Override
  public Dialect dialect() {
    return Dialect.POSTGRES;
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public SqlDialect sql() {
    return sql;
  }

  @Override
  public boolean storesNulInText() {
    return false;
  }

  @Override
  public boolean singleStatementAppends() {
    return true;
  }

  @Override
  public boolean groupsAppends() {
    return groupCommit;
  }

  @Override
  public boolean batchesGroups() {
    return true;
  }

  @Override
  public boolean concurrentReads() {
    return true;
  }

  /**
   * Wake-ups for every commit to this store's log, from any process: {@code LISTEN} on {@link
   * #notificationChannel()}, on a connection of its own (outside the pool; for {@link
   * #fromDataSource} one connection of the caller's {@code DataSource}) that is open only while
   * someone listens and reconnects by itself. Notifications are sent by the trigger that {@code
   * WriterLog.ensureSchema} installs, and only while a listener is registered in {@code
   * <schema>._agent_store_listeners}: the connection registers itself after {@code LISTEN} and
   * deletes its row when it stops (see {@link #notificationChannel()}). A user without INSERT and
   * DELETE on that table still listens, with a warning logged once: while no other listener is
   * registered, followers then rely on their poll interval. None when {@link
   * PostgresOptions#commitNotifications()} is off: followers then poll for other processes'
   * commits.
   */
  @Override
  public WakeUpSource storeWakeUps() {
    return options.commitNotifications() ? listener : WakeUpSource.none();
  }

  /**
   * The channel on which this store's commits are announced: {@code agent_store_} and the OID of
   * the log table. Each notification's payload is {@code {"stream": …, "writer": …, "seq": …,
   * "content_hash": "<64 hex>"}}, sent when the appending transaction commits, one per chain an
   * {@code INSERT} extended (its new head); when the names would make it 8,000 bytes or more (the
   * server's limit) only {@code seq} and {@code content_hash} are sent.
   *
   * <p>Notifications are sent only while {@code <schema>._agent_store_listeners} holds a row,
   * because PostgreSQL commits notifying transactions one at a time: the announcing trigger looks
   * at that table and returns at once while it is empty. The trigger itself stays enabled, so that
   * a listener coming or going never locks the log table and never holds up an append. A listener
   * of its own (not an agent-store backend) registers after its {@code LISTEN} with {@code INSERT
   * INTO <schema>._agent_store_listeners (pid) VALUES (pg_backend_pid()) ON CONFLICT DO NOTHING},
   * then reads what it missed, and runs {@code DELETE FROM <schema>._agent_store_listeners WHERE
   * pid = pg_backend_pid()} when done; the row of a backend that is gone is deleted by the next
   * agent-store listener that starts.
   *
   * @throws dev.agentstore.StoreException when the log table does not exist yet
   */
  public String notificationChannel() {
    return read(
        "reading the notification channel",
        conn -> {
          try (var rows =
              conn.prepare(CommitTrigger.channelQuery(), CommitTrigger.logTable(sql))
                  .executeQuery()) {
            String channel = rows.next() ? rows.getString(1) : null;
            if (channel == null) {
              throw new StoreException(
                  "no log table in " + description + "; call WriterLog.ensureSchema first");
            }
            return channel;
          }
        });
  }

  /**
   * Installs the trigger that announces commits and the table in which listeners register (see
   * {@link #notificationChannel()}), unless {@link PostgresOptions#commitNotifications()} is off;
   * replaces the trigger function of a store made by an earlier version, which notified even with
   * no one listening, and upgrades one whose trigger an earlier version enabled and disabled as
   * listeners came and went: it drops that switch and enables the trigger, once, which waits for
   * the transactions appending at that moment and holds up new appends until it is done. A user who
   * may not create functions, triggers or tables gets a warning instead: followers then rely on
   * their poll interval for commits by other processes.
   */
  @Override
  public void ensureCommitNotifications() {
    if (!options.commitNotifications() || commitNotificationsInstalled()) {
      return;
    }
    try {
      write(
          "installing commit notifications in " + sql.schema(),
          true,
          tx -> {
            try (Statement statement = tx.conn().jdbc().createStatement()) {
              for (String install : CommitTrigger.install(sql)) {
                statement.execute(install);
              }
            }
            return null;
          });
    } catch (StoreException e) {
      String state =
          e.getCause() instanceof SQLException cause ? String.valueOf(cause.getSQLState()) : "";
      if (!state.equals("42501") && !state.equals("25006")) {
        throw e;
      }
      System.getLogger("dev.agentstore.postgres.PostgresBackend")
          .log(
              System.Logger.Level.WARNING,
              "cannot install commit notifications in "
                  + description
                  + " ("
                  + e.getMessage()
                  + "); followers in other processes will rely on polling");
    }
  }

  /**
   * Whether the listeners table, the trigger and its function are in place, current and enabled,
   * with no switch of an earlier version left: a read any role can make, so that opening an
   * installed store runs no DDL and needs no privilege to run it.
   */
  private boolean commitNotificationsInstalled() {
    return read(
        "checking commit notifications in " + sql.schema(),
        conn -> {
          try (var rows =
              conn.jdbc().createStatement().executeQuery(CommitTrigger.installedQuery(sql))) {
            return rows.next() && rows.getBoolean(1);
          }
        });
  }

  /**
   * The statements that {@code Generation.ensureSchema} and {@code WriterLog.ensureSchema} run on a
   * new store in {@code schema}, in order, each one complete: the schema, both tables, and the
   * commit-notification trigger with its listeners table, function and grant (and the upgrade of a
   * store whose trigger an earlier version switched on and off). For an operator who lays the store
   * down through a migration tool instead ({@code agent-store schema --print-sql} prints them);
   * every statement is idempotent. Run them in one transaction as the role that should own the
   * tables.
   *
   * @throws dev.agentstore.InvalidInputException when {@code schema} is not a name PostgreSQL
   *     accepts
   */
  public static List<String> installStatements(String schema) {
    PostgresDialect dialect =
        new PostgresDialect(PostgresOptions.defaults().withSchema(schema).schema());
    List<String> statements = new ArrayList<>(dialect.prepareSchema());
    statements.add(dialect.createMeta());
    statements.add(dialect.createLog());
    // The signature side table, so that roles that may not create tables can append signed.
    statements.add(dialect.createSig());
    statements.addAll(CommitTrigger.install(dialect));
    return List.copyOf(statements);
  }

  /** The statements that create {@code _agent_store_vec} and its index in {@code schema}. */
  public static List<String> recallInstallStatements(String schema) {
    PostgresDialect dialect =
        new PostgresDialect(PostgresOptions.defaults().withSchema(schema).schema());
    return List.copyOf(dialect.recall().createStatements());
  }

  // ---------------------------------------------------------------- connections

  /**
   * One deadline of {@link PostgresOptions#lockTimeout()} for the call, on a backend with its own
   * pool: it bounds the wait for a pooled connection, every lock wait on the server and the pauses
   * between attempts together. Without a lock timeout (the default), or on a caller's {@link
   * DataSource} (whose timeouts are the caller's), each wait is bounded by the pool or server alone
   * and the attempts by their number.
   */
  @Override
  protected BusyBudget newBudget() {
    if (pool == null || options.lockTimeout().isZero()) {
      return BusyBudget.unbounded();
    }
    return BusyBudget.of(options.lockTimeout(), "lock timeout");
  }

  /**
   * Borrows a connection within {@code budget}, and past the first {@link BusyBudget#SLACK} of the
   * call lowers its {@code lock_timeout} to the time that remains, so that one more lock wait
   * cannot carry the call past its deadline. Null, holder recorded, when the budget ran out.
   */
  @Override
  protected @Nullable Conn acquireWriter(BusyBudget budget) {
    ensureOpen();
    Connection connection = borrow(budget);
    if (connection == null) {
      return null;
    }
    Conn conn = new Conn(connection);
    try {
      // A caller's DataSource may hand out connections outside auto-commit; agent-store's
      // single-statement writes rely on it.
      if (!connection.getAutoCommit()) {
        connection.setAutoCommit(true);
      }
      if (budget.bounded() && !budget.withinSlack()) {
        if (budget.spent()) {
          conn.close();
          return null;
        }
        conn.changeSetting(
            "SET lock_timeout = " + budget.remainingMillis(),
            "SET lock_timeout = " + options.lockTimeout().toMillis());
      }
      return conn;
    } catch (SQLException e) {
      releaseWriter(conn, true);
      throw translate(e, "getting a connection");
    }
  }

  private @Nullable Connection borrow(BusyBudget budget) {
    try {
      if (pool == null || !budget.bounded()) {
        return dataSource.getConnection();
      }
      long remaining = budget.remainingNanos();
      if (remaining == 0) {
        return null;
      }
      // The pool's own getConnection() waits its whole connection timeout; the pool itself takes a
      // wait of our choosing.
      HikariPool hikari = (HikariPool) pool.getHikariPoolMXBean();
      return hikari.getConnection(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining)));
    } catch (SQLTransientConnectionException e) {
      if (pool != null && budget.bounded() && e.getCause() == null) {
        // Timed out with no failure to connect behind it: every connection stayed in use.
        budget.heldBy(
            StoreBusyException.Holder.THIS_PROCESS,
            null,
            "every connection of this process's pool ("
                + options.poolSize()
                + ") stayed in use by other threads");
        return null;
      }
      throw translate(e, "getting a connection");
    } catch (SQLException e) {
      throw translate(e, "getting a connection");
    }
  }

  @Override
  protected void releaseWriter(Conn conn, boolean broken) {
    if (!broken && conn.settingsChanged()) {
      try {
        conn.restoreSettings();
      } catch (SQLException e) {
        broken = true;
      }
    }
    if (broken && pool != null) {
      // A connection that broke, or kept a shortened lock timeout, must not serve another call.
      pool.evictConnection(conn.jdbc());
    }
    // Returns the connection to the pool (a no-op after eviction).
    conn.close();
  }

  /** A lock wait that ran out on the server: another connection held a row or advisory lock. */
  @Override
  protected String busyHolder(SQLException busy) {
    if ("55P03".equals(busy.getSQLState())) {
      return "another connection held a lock it needed";
    }
    return super.busyHolder(busy);
  }

  @Override
  protected Conn acquireReader() {
    Conn conn = acquireWriter(BusyBudget.unbounded());
    if (conn == null) {
      throw new IllegalStateException("an unbounded wait for a connection cannot run out");
    }
    return conn;
  }

  @Override
  protected void releaseReader(Conn conn, boolean broken) {
    conn.close();
  }

  @Override
  protected boolean begin(Conn conn) throws SQLException {
    conn.jdbc().setAutoCommit(false);
    return true;
  }

  @Override
  protected void commit(Conn conn) throws SQLException {
    conn.jdbc().commit();
    conn.jdbc().setAutoCommit(true);
  }

  @Override
  protected void rollback(Conn conn) throws SQLException {
    conn.jdbc().rollback();
    conn.jdbc().setAutoCommit(true);
  }

  @Override
  protected void lockChain(Conn conn, String stream, String writer) throws SQLException {
    // A transaction-scoped advisory lock per chain: row locks cannot cover a chain with no rows.
    try (var rs =
        conn.prepare("SELECT pg_advisory_xact_lock(?)", sql.chainLockKey(stream, writer))
            .executeQuery()) {
      rs.next();
    }
  }

  @Override
  protected void closeConnections() {
    listener.close();
    if (pool != null) {
      pool.close();
    }
  }

  @Override
  public ErrorKind classify(SQLException e) {
    if (e instanceof SQLTransientConnectionException) {
      return ErrorKind.CONNECTION_LOST;
    }
    String state = e.getSQLState();
    if (state == null) {
      return ErrorKind.OTHER;
    }
    return switch (state) {
      case "40001", "40P01", "55P03" -> ErrorKind.BUSY;
      case "23505", "42P07", "42P06", "42710" -> ErrorKind.UNIQUE_VIOLATION;
      case "25006" -> ErrorKind.READ_ONLY;
      case "57014" -> ErrorKind.TIMEOUT;
      case "42501" -> ErrorKind.PERMISSION_DENIED;
      case "53100" -> ErrorKind.DISK_FULL;
      case "XX001", "XX002" -> ErrorKind.CORRUPT;
      case "57P01", "57P02", "57P03" -> ErrorKind.CONNECTION_LOST;
      default -> state.startsWith("08") ? ErrorKind.CONNECTION_LOST : ErrorKind.OTHER;
    };
  }

  // ---------------------------------------------------------------- helpers

  /**
   * The application name of the LISTEN connection, {@code agent-store LISTEN <schema>}, cut to the
   * 63 bytes the server keeps, so it can be told apart in {@code pg_stat_activity}.
   */
  public static String listenerName(String schema) {
    String name = "agent-store LISTEN " + schema;
    while (name.getBytes(StandardCharsets.UTF_8).length > 63) {
      name = name.substring(0, name.offsetByCodePoints(name.length(), -1));
    }
    return name;
  }

  private static String sessionSettings(PostgresOptions options) {
    StringBuilder init = new StringBuilder();
    if (!options.statementTimeout().isZero()) {
      init.append("SET statement_timeout = ")
          .append(options.statementTimeout().toMillis())
          .append(';');
    }
    if (!options.lockTimeout().isZero()) {
      init.append("SET lock_timeout = ").append(options.lockTimeout().toMillis()).append(';');
    }
    return init.toString();
  }

  private static StoreException openFailure(String address, Throwable cause) {
    String state = cause instanceof SQLException sqlException ? sqlException.getSQLState() : null;
    String detail = String.valueOf(cause.getMessage());
    String reason;
    if (state == null) {
      reason = detail;
    } else if (state.startsWith("28")) {
      reason = "the server refused the login (" + detail + ")";
    } else if ("3D000".equals(state)) {
      reason = "no such database (" + detail + ")";
    } else if (state.startsWith("08")) {
      reason = "cannot reach the server (" + detail + ")";
    } else {
      reason = detail + " [SQLState " + state + "]";
    }
    return new StoreOpenException("cannot open PostgreSQL store " + address + ": " + reason, cause);
  }
}
