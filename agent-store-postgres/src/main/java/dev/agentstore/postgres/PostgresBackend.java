package dev.agentstore.postgres;

import dev.agentstore.Backend;
import dev.agentstore.Dialect;
import dev.agentstore.Doorbell;
import dev.agentstore.InvalidInputException;
import dev.agentstore.RowMapper;
import dev.agentstore.StoreException;
import dev.agentstore.StoreOpenException;
import dev.agentstore.TransactionBody;
import dev.agentstore.internal.Args;
import dev.agentstore.internal.JdbcBackend;
import dev.agentstore.postgres.internal.PostgresEngine;
import dev.agentstore.postgres.internal.ServerAddress;
import java.util.List;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A PostgreSQL server as an agent-store backend: the reference layout (BIGINT, BYTEA) in a chosen
 * schema, the same hashes as SQLite, so a store can move between the two without any entry
 * changing.
 *
 * <p>Connections come from a HikariCP pool the backend owns ({@link #connect}) or from the caller's
 * {@link DataSource}. A single append outside a transaction is one guarded INSERT (one round trip)
 * from the last head this process saw; the primary key and the guard reject a stale guess, and the
 * append then re-reads the head, retries within a bound and finally takes a transaction that holds
 * an advisory lock on the chain. Appends inside a transaction, {@code appendAll} and optimistic
 * appends always take that lock.
 *
 * <p>Commits by other processes reach this process's followers through {@code LISTEN} on {@link
 * #notificationChannel()}, on a connection of its own (outside the pool; for {@link
 * #fromDataSource} one connection of the caller's {@code DataSource}) that is open only while a
 * follower waits and reconnects by itself; with {@link PostgresOptions#commitNotifications()} off,
 * followers poll instead.
 *
 * <p>A lost connection surfaces as a {@code RetryableStoreException}; the pool replaces the
 * connection, so the next call reconnects by itself. Thread-safe.
 */
public final class PostgresBackend implements Backend {
  static {
    // The primitives reach the engine through this, without a public method that returns it.
    JdbcBackend.registerFacade(PostgresBackend.class, backend -> backend.engine);
  }

  private final PostgresEngine engine;

  private PostgresBackend(PostgresEngine engine) {
    this.engine = engine;
  }

  /**
   * Connects to {@code jdbcUrl} with the default options (schema {@code public}, 10 connections).
   *
   * @param jdbcUrl a {@code jdbc:postgresql:} URL; user, password and driver parameters pass
   *     through
   * @return the connected backend; the caller closes it
   * @throws InvalidInputException when {@code jdbcUrl} is null
   * @throws StoreOpenException naming host:port/database (never the password) when the server
   *     cannot be reached, refuses the login, or has no such database
   */
  public static PostgresBackend connect(String jdbcUrl) {
    return connect(jdbcUrl, PostgresOptions.defaults());
  }

  /**
   * Connects to {@code jdbcUrl} through a pool of its own and checks that the server answers.
   * Everything the driver understands passes through the URL: several {@code host:port} pairs with
   * {@code targetServerType} for failover, {@code ssl}/{@code sslmode}/{@code sslrootcert} for TLS,
   * {@code user} and {@code password}.
   *
   * @param jdbcUrl a {@code jdbc:postgresql:} URL; user, password and driver parameters pass
   *     through
   * @param options how to connect and behave
   * @return the connected backend; the caller closes it
   * @throws InvalidInputException when {@code jdbcUrl} or {@code options} is null
   * @throws StoreOpenException naming host:port/database (never the password) when the URL is not a
   *     PostgreSQL one, or the server cannot be reached, refuses the login, or has no such database
   */
  public static PostgresBackend connect(String jdbcUrl, PostgresOptions options) {
    return new PostgresBackend(PostgresEngine.connect(jdbcUrl, options));
  }

  /**
   * Uses the caller's {@link DataSource} (usually a pool it already runs), which the backend never
   * closes. agent-store's tables are schema-qualified, so they land in {@code options.schema()}
   * whatever the connections' search path; the caller's own SQL runs with that search path. Only
   * the schema and the commit notifications of {@code options} apply: pool size and timeouts are
   * the caller's to set on its connections.
   *
   * @param dataSource where connections come from; never closed by the backend
   * @param options only its schema and commit notifications apply; pool size and timeouts are the
   *     caller's
   * @return the backend; closing it leaves {@code dataSource} open
   * @throws InvalidInputException when {@code dataSource} or {@code options} is null
   * @throws StoreOpenException when the data source gives no connection
   */
  public static PostgresBackend fromDataSource(DataSource dataSource, PostgresOptions options) {
    return new PostgresBackend(PostgresEngine.fromDataSource(dataSource, options));
  }

  /**
   * Like {@link #fromDataSource(DataSource, PostgresOptions)} with the default options.
   *
   * @param dataSource where connections come from; never closed by the backend
   * @return the backend; closing it leaves {@code dataSource} open
   * @throws InvalidInputException when {@code dataSource} is null
   * @throws StoreOpenException when the data source gives no connection
   */
  public static PostgresBackend fromDataSource(DataSource dataSource) {
    return fromDataSource(dataSource, PostgresOptions.defaults());
  }

  /** {@return the options this backend was made with} */
  public PostgresOptions options() {
    return engine.options();
  }

  /** {@return the schema holding agent-store's tables} */
  public String schema() {
    return engine.schema();
  }

  /**
   * {@return the channel on which this store's commits are announced: {@code agent_store_} and the
   * OID of the log table} Each notification's payload is {@code {"stream": …, "writer": …, "seq":
   * …, "content_hash": "<64 hex>"}}, sent when the appending transaction commits, one per chain an
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
   * @throws StoreException when the log table does not exist yet
   */
  public String notificationChannel() {
    return engine.notificationChannel();
  }

  /**
   * {@return the statements that {@code Generation.ensureSchema} and {@code WriterLog.ensureSchema}
   * run on a new store in {@code schema}, in order, each one complete: the schema, both tables, the
   * signature table that {@code WriterLog.ensureSignatureSchema} creates, and the
   * commit-notification trigger with its listeners table, function and grant (and the upgrade of a
   * store whose trigger an earlier version switched on and off)} For an operator who lays the store
   * down through a migration tool instead ({@code agent-store schema --print-sql} prints them);
   * every statement is idempotent. Run them in one transaction as the role that should own the
   * tables.
   *
   * @param schema the schema the tables go in
   * @throws InvalidInputException when {@code schema} is not a name PostgreSQL accepts
   */
  public static List<String> installStatements(String schema) {
    return PostgresEngine.installStatements(schema);
  }

  /**
   * {@return the statements that {@code Recall.ensureSchema} runs on a store in {@code schema} to
   * create the vector table {@code _agent_store_vec} and its index, in order, each one complete and
   * idempotent} For an operator who lays the store down through a migration tool ({@code
   * agent-store schema --print-sql --recall} prints them after {@link #installStatements}). On a
   * server with pgvector, {@code Recall.ensureSchema} run by the tables' owner adds the {@code
   * vector} side table and its trigger as well; those depend on the extension and are not in this
   * list.
   *
   * @param schema the schema the table goes in
   * @throws InvalidInputException when {@code schema} is not a name PostgreSQL accepts
   */
  public static List<String> recallInstallStatements(String schema) {
    return PostgresEngine.recallInstallStatements(schema);
  }

  /**
   * {@return the part of a {@code jdbc:postgresql:} URL that is safe to show in messages and logs:
   * {@code host:port[,host:port]/database}, never user information or parameters (which may hold a
   * password)} The same text that this backend's {@link #describe()} and its errors use.
   *
   * @param jdbcUrl a {@code jdbc:postgresql:} URL
   * @throws InvalidInputException when {@code jdbcUrl} is null
   */
  public static String serverAddress(String jdbcUrl) {
    return ServerAddress.of(Args.notNull(jdbcUrl, "jdbcUrl"));
  }

  /** {@link Dialect#POSTGRES}. */
  @Override
  public Dialect dialect() {
    return Dialect.POSTGRES;
  }

  @Override
  public int exec(String sql, @Nullable Object... params) {
    return engine.exec(sql, params);
  }

  @Override
  public <T> List<T> query(String sql, RowMapper<T> mapper, @Nullable Object... params) {
    return engine.query(sql, mapper, params);
  }

  @Override
  public <T> T inTransaction(TransactionBody<T> body) {
    return engine.inTransaction(body);
  }

  @Override
  public Doorbell doorbell() {
    return engine.doorbell();
  }

  /** {@code PostgreSQL store host:port/database (schema NAME)}, never a password. */
  @Override
  public String describe() {
    return engine.describe();
  }

  @Override
  public void close() {
    engine.close();
  }

  /** The same as {@link #describe()}. */
  @Override
  public String toString() {
    return engine.describe();
  }
}
