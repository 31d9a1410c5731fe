package dev.agentstore;

import dev.agentstore.internal.Args;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where a store lives: an embedded SQLite file ({@code dev.agentstore.sqlite.SqliteBackend}) or a
 * PostgreSQL server ({@code dev.agentstore.postgres.PostgresBackend}). The primitives ({@link
 * Generation}, {@link WriterLog}) take a backend as their first argument; consumers can also run
 * their own SQL with portable {@code ?} placeholders, and group their SQL and primitives in one
 * transaction.
 *
 * <p>Backends are safe to share between threads. Close a backend to release its connections; any
 * use after {@link #close()} throws {@link StoreClosedException}.
 */
public interface Backend extends AutoCloseable {

  /** {@return the SQL dialect of this backend, for consumers writing their own statements} */
  Dialect dialect();

  /**
   * Runs one statement of the consumer's own (an {@code INSERT}, {@code UPDATE}, {@code DELETE} or
   * DDL) in its own write transaction, or in the current one when called inside {@link
   * #inTransaction}. Returns the update count.
   *
   * @param sql the statement, with {@code ?} placeholders
   * @param params the values bound to the placeholders, in order; null binds SQL NULL
   * @return the number of rows the statement changed, as the driver reports it
   */
  int exec(String sql, @Nullable Object... params);

  /**
   * Runs a query of the consumer's own and maps every row. The whole result is held in the returned
   * list; page with {@code LIMIT} for large results.
   *
   * @param <T> the type of the result
   * @param sql the statement, with {@code ?} placeholders
   * @param mapper maps the current row to a value; called once per row
   * @param params the values bound to the placeholders, in order; null binds SQL NULL
   * @return one value per row, in result order; empty when there are no rows
   */
  <T> List<T> query(String sql, RowMapper<T> mapper, @Nullable Object... params);

  /**
   * Like {@link #query}, for a query expected to return at most one row.
   *
   * @param <T> the type of the result
   * @param sql the statement, with {@code ?} placeholders
   * @param mapper maps the current row to a value; called once per row
   * @param params the values bound to the placeholders, in order; null binds SQL NULL
   * @return the value of the only row, or empty when there is none
   */
  default <T> Optional<T> queryOne(String sql, RowMapper<T> mapper, @Nullable Object... params) {
    List<T> rows = query(sql, mapper, params);
    if (rows.size() > 1) {
      throw new InvalidInputException(
          "query returned " + rows.size() + " rows where at most one was expected: " + sql);
    }
    return rows.stream().findFirst();
  }

  /**
   * Runs {@code body} in one write transaction and returns its result. The consumer's own SQL and
   * any primitive ({@link WriterLog#append}, {@link Generation#bump}, ...) done through the given
   * {@code tx}, or through this backend on the same thread, commit together when the body returns
   * and roll back together when it throws. Doorbell rings for appends in the body happen after the
   * commit, never for a rolled-back transaction. A call made inside a running transaction joins it.
   *
   * @param <T> the type of the result
   * @param body the work to do; it runs once, on the calling thread
   * @return what {@code body} returned
   */
  <T> T inTransaction(TransactionBody<T> body);

  /**
   * Like {@link #inTransaction(TransactionBody)}, for a body that returns nothing.
   *
   * @param action the work to do; it runs once, on the calling thread
   */
  default void runInTransaction(TransactionAction action) {
    Args.notNull(action, "action");
    inTransaction(
        tx -> {
          action.run(tx);
          return Boolean.TRUE;
        });
  }

  /**
   * {@return the doorbell attached to this backend: it rings a {@link CommitEvent} for every append
   * made through this backend, after its transaction commits} Subscribers run on the appending
   * thread.
   */
  Doorbell doorbell();

  /** {@return a short description for messages and logs: kind and location, never a password} */
  String describe();

  /**
   * Releases every connection this backend opened, and returns only after every thread it started
   * (background readers, the thread that watches the store for commits) has finished, waiting at
   * most 60 s for each and logging a warning naming a thread still running after that: once this
   * returns, nothing of the backend holds the store (a SQLite file's {@code -wal} and {@code -shm}
   * are gone unless another connection has the file open). Idempotent.
   */
  @Override
  void close();
}
