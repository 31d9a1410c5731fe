package dev.agentstore.sqlite;

import dev.agentstore.Backend;
import dev.agentstore.Dialect;
import dev.agentstore.Doorbell;
import dev.agentstore.InvalidInputException;
import dev.agentstore.ReadOnlyStoreException;
import dev.agentstore.RowMapper;
import dev.agentstore.StoreClosedException;
import dev.agentstore.StoreOpenException;
import dev.agentstore.TransactionBody;
import dev.agentstore.internal.Args;
import dev.agentstore.internal.JdbcBackend;
import dev.agentstore.sqlite.internal.SqliteDriver;
import dev.agentstore.sqlite.internal.SqliteEngine;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The default backend: an embedded SQLite database, with the driver bundled and no server.
 *
 * <p>A file store runs in WAL mode with one writer connection, which write transactions take in
 * turn ({@code BEGIN IMMEDIATE}, so a transaction never has to upgrade a read lock), and a few
 * read-only connections that let reads proceed while a write is in progress. Other processes may
 * open the same file; SQLite's locks and the busy timeout order them.
 *
 * <p>Thread-safe: one instance is meant to be shared by every thread of a process.
 */
public final class SqliteBackend implements Backend {
  static {
    // The primitives reach the engine through this, without a public method that returns it.
    JdbcBackend.registerFacade(SqliteBackend.class, backend -> backend.engine);
  }

  private final SqliteEngine engine;

  private SqliteBackend(SqliteEngine engine) {
    this.engine = engine;
  }

  /**
   * Opens (creating if needed) the SQLite file at {@code path} with the default options.
   *
   * @param path the database file
   * @return the open backend
   * @throws InvalidInputException when {@code path} is null
   * @throws StoreOpenException when the directory does not exist, the path is a directory, the file
   *     is not a SQLite database, or sqlite-jdbc ({@code org.xerial:sqlite-jdbc}) is not on the
   *     class path
   * @throws ReadOnlyStoreException when the file cannot be written
   */
  public static SqliteBackend open(Path path) {
    return open(path, SqliteOptions.defaults());
  }

  /**
   * Opens (creating if needed) the SQLite file at {@code path}: WAL mode, the options' {@code
   * synchronous} setting and busy timeout.
   *
   * @param path the database file
   * @param options how to open it
   * @return the open backend
   * @throws InvalidInputException when {@code path} or {@code options} is null
   * @throws StoreOpenException when the directory does not exist, the path is a directory, the file
   *     is not a SQLite database, or sqlite-jdbc ({@code org.xerial:sqlite-jdbc}) is not on the
   *     class path
   * @throws ReadOnlyStoreException when the file cannot be written and {@code options} did not ask
   *     for read-only
   */
  public static SqliteBackend open(Path path, SqliteOptions options) {
    Args.notNull(path, "path");
    SqliteDriver.require("cannot open SQLite store " + path.toAbsolutePath().normalize());
    return new SqliteBackend(SqliteEngine.open(path, options));
  }

  /**
   * {@return a private in-memory database, gone when the backend is closed} Useful for tests and
   * scratch work; every call shares its one connection.
   *
   * @throws StoreOpenException when the driver cannot open one, or sqlite-jdbc ({@code
   *     org.xerial:sqlite-jdbc}) is not on the class path
   */
  public static SqliteBackend inMemory() {
    SqliteDriver.require("cannot open an in-memory SQLite store");
    return new SqliteBackend(SqliteEngine.inMemory());
  }

  /**
   * Adopts a SQLite connection the consumer already has and keeps using: agent-store runs its
   * statements on it (serialised by this backend) and never closes it. In auto-commit mode
   * agent-store begins and commits its own transactions; when the consumer has switched auto-commit
   * off, agent-store's work joins the consumer's open transaction and the consumer's commit decides
   * — the attached doorbell does not ring for such work, since its commit is not agent-store's to
   * see. The connection's busy timeout when adopted is the deadline of agent-store's writes on it
   * ({@link #options()}); a write that waits lowers it for its remaining time and puts it back.
   *
   * @param connection an open SQLite connection, in auto-commit mode
   * @return a backend running on {@code connection}
   * @throws InvalidInputException when {@code connection} is null, closed, or not a SQLite one
   * @throws StoreOpenException when sqlite-jdbc ({@code org.xerial:sqlite-jdbc}) is not on the
   *     class path
   */
  public static SqliteBackend fromConnection(Connection connection) {
    Args.notNull(connection, "connection");
    SqliteDriver.require("cannot adopt the given connection as a SQLite store");
    return new SqliteBackend(SqliteEngine.fromConnection(connection));
  }

  /**
   * {@return the escape hatch: the connection agent-store writes with} Do not close it, and do not
   * use it while other threads use this backend; agent-store does not lock it for you.
   *
   * @throws StoreClosedException after {@link #close()}
   */
  public Connection connection() {
    return engine.connection();
  }

  /** {@return the file of this store; empty for in-memory and adopted-connection stores} */
  public Optional<Path> path() {
    return engine.path();
  }

  /**
   * {@return the options this store was opened with; for an adopted connection, the defaults with
   * the connection's busy timeout}
   */
  public SqliteOptions options() {
    return engine.options();
  }

  /** {@link Dialect#SQLITE}. */
  @Override
  public Dialect dialect() {
    return Dialect.SQLITE;
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

  /** {@code SQLite store <absolute path>}, or what kind of store it is when it has no file. */
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
