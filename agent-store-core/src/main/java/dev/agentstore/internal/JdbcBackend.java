package dev.agentstore.internal;

import dev.agentstore.Backend;
import dev.agentstore.CommitEvent;
import dev.agentstore.CorruptStoreException;
import dev.agentstore.Dialect;
import dev.agentstore.Doorbell;
import dev.agentstore.InvalidInputException;
import dev.agentstore.ReadOnlyStoreException;
import dev.agentstore.RetryableStoreException;
import dev.agentstore.RowMapper;
import dev.agentstore.StoreBusyException;
import dev.agentstore.StoreClosedException;
import dev.agentstore.StoreException;
import dev.agentstore.StoreListener;
import dev.agentstore.TransactionBody;
import dev.agentstore.spi.Threads;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The base of every backend: transactions bound to the calling thread, bounded retries, error
 * translation and the attached doorbell. A backend supplies only what differs: how it hands out
 * connections, how it begins a write transaction, its SQL texts, and how it classifies its driver's
 * errors.
 */
public abstract class JdbcBackend implements Backend {
  private final ThreadLocal<@Nullable Tx> current = new ThreadLocal<>();
  private final ThreadLocal<@Nullable List<CommitEvent>> heldRings = new ThreadLocal<>();
  final AppendQueue appendQueue = new AppendQueue();
  private final Doorbell doorbell = new Doorbell();
  private final AtomicBoolean closed = new AtomicBoolean();
  final HeadCache headCache = new HeadCache();
  private final Object backgroundLock = new Object();
  private @Nullable ThreadPoolExecutor background;

  // Set by the backend's constructor (listenWith), before the backend is shared.
  private StoreListener listener = Listeners.NONE;
  private ThreadMaker threads = ThreadMaker.OWN;
  private boolean listened;

  /** The background threads started so far that may still run; guarded by backgroundLock. */
  private final List<Thread> backgroundThreads = new ArrayList<>();

  /**
   * The most threads a backend runs for background reads: the segments of a verify and the page
   * read ahead of a long read. Each holds one read connection while it reads.
   */
  public static final int BACKGROUND_THREADS = 4;

  /**
   * Whether this backend has made sure the signature table exists with its layout: set once, so
   * that signed appends after the first one add no catalogue query.
   */
  volatile boolean signatureTableChecked;

  /** How long an idle background thread stays before it exits. */
  private static final long BACKGROUND_IDLE_SECONDS = 5;

  /** How long {@link #close()} waits for background reads in flight to finish. */
  private static final long BACKGROUND_CLOSE_SECONDS = 60;

  // ---------------------------------------------------------------- what a backend supplies

  /**
   * Reports this backend's work to {@code listener}, guarded so that it cannot throw into the work;
   * called by the backend's constructor, before the backend is shared.
   */
  /** Starts this backend's threads from {@code threads}; engines call it while they are built. */
  protected final void threadsFrom(ThreadMaker threads) {
    this.threads = threads;
  }

  /** Where this backend's threads come from. */
  public final ThreadMaker threads() {
    return threads;
  }

  protected final void listenWith(StoreListener listener) {
    this.listener = Listeners.guarded(listener);
    this.listened = Listeners.active(listener);
  }

  /** What this backend reports to: {@link Listeners#NONE}, or a guarded listener. */
  public final StoreListener listener() {
    return listener;
  }

  /** Whether a listener is registered: when false, nothing is timed and no event is made. */
  public final boolean listened() {
    return listened;
  }

  /** The deadline of one public write call, started now, reporting its waits to the listener. */
  public final BusyBudget budget() {
    BusyBudget budget = newBudget();
    if (listened) {
      budget.observe(listener, describe());
    }
    return budget;
  }

  /**
   * The deadline of one public write call, started now: how long the call may wait for the store in
   * all (see {@link BusyBudget}).
   */
  protected abstract BusyBudget newBudget();

  /**
   * Borrows the connection for a write transaction, waiting at most what {@code budget} has left,
   * and limits the lock waits of the statements that follow on it to the time that then remains,
   * where the backend can. Null when the wait ran out, after recording in {@code budget} what held
   * the connection.
   */
  protected abstract @Nullable Conn acquireWriter(BusyBudget budget);

  /** Returns the write connection; {@code broken} when it must not be used again. */
  protected abstract void releaseWriter(Conn conn, boolean broken);

  /** Borrows a connection for reads outside any transaction. */
  protected abstract Conn acquireReader();

  protected abstract void releaseReader(Conn conn, boolean broken);

  /**
   * Begins a write transaction on {@code conn}. Returns false when the connection is already inside
   * a transaction its owner controls; the work then joins it and neither commits nor rolls back.
   */
  protected abstract boolean begin(Conn conn) throws SQLException;

  protected abstract void commit(Conn conn) throws SQLException;

  protected abstract void rollback(Conn conn) throws SQLException;

  /** Closes every connection; called once, by {@link #close()}. */
  protected abstract void closeConnections();

  /** What a driver error means. */
  public abstract ErrorKind classify(SQLException e);

  /**
   * What held the store, in words, when a statement failed as {@link ErrorKind#BUSY} with {@code
   * busy}: another connection, which a backend may describe better.
   */
  protected String busyHolder(SQLException busy) {
    return "another connection held a lock";
  }

  /** Records in {@code budget} what held the store when a statement failed with {@code busy}. */
  public final void noteBusy(BusyBudget budget, SQLException busy) {
    budget.heldBy(StoreBusyException.Holder.ANOTHER_CONNECTION, null, busyHolder(busy));
  }

  /** The SQL texts of this backend. */
  public abstract SqlDialect sql();

  /** Whether text columns of this backend can hold U+0000. */
  public abstract boolean storesNulInText();

  /**
   * Whether a single append outside a transaction should be one guarded INSERT from a cached head
   * (one round trip) instead of a locked read-then-insert transaction. Worth it where each
   * statement costs a network round trip.
   */
  public boolean singleStatementAppends() {
    return false;
  }

  /**
   * Whether appends outside a caller's transaction are committed in groups (see {@link
   * AppendQueue}): worth it where commits are serialised anyway and each costs a flush.
   */
  public boolean groupsAppends() {
    return false;
  }

  /**
   * Whether a write transaction keeps every other writer out from its first statement to its end
   * (SQLite's {@code BEGIN IMMEDIATE}): then what it reads of the log stays true until it commits.
   */
  public boolean writesExclusively() {
    return false;
  }

  /**
   * Whether a group of appends is written as one batch of guarded inserts, the appends that do not
   * fit it left to run alone after it (a server where a failed statement ends the transaction and
   * every statement is a round trip), rather than one by one in savepoints (SQLite).
   */
  public boolean batchesGroups() {
    return false;
  }

  /**
   * Serialises appenders of one chain inside the current write transaction, before its head is
   * read. A no-op where the write transaction already excludes other writers (SQLite's {@code BEGIN
   * IMMEDIATE}).
   */
  protected void lockChain(Conn conn, String stream, String writer) throws SQLException {}

  /**
   * Wake-ups for commits to this store made through any connection, this process's or another's:
   * what lets a {@code Follower} hear other processes. A backend with no such source has none (its
   * followers rely on the doorbell and their poll interval). The source belongs to the backend and
   * stops when it closes.
   */
  public dev.agentstore.WakeUpSource storeWakeUps() {
    return dev.agentstore.WakeUpSource.none();
  }

  /**
   * Lays down what this backend needs to announce commits to other processes, once the log table is
   * known to be agent-store's; called by {@code WriterLog.ensureSchema}. Idempotent. Nothing by
   * default.
   */
  public void ensureCommitNotifications() {}

  /**
   * Whether reads on other threads can run alongside this thread's work (separate read
   * connections), so that a long read may fetch ahead in the background.
   */
  public boolean concurrentReads() {
    return false;
  }

  /**
   * How many times work of agent-store's own is tried when it loses a race, or meets a busy store
   * without a deadline ({@link BusyBudget#unbounded()}).
   */
  protected int maxAttempts() {
    return 8;
  }

  // ---------------------------------------------------------------- Backend

  @Override
  public abstract Dialect dialect();

  @Override
  public final Doorbell doorbell() {
    return doorbell;
  }

  @Override
  public int exec(String sql, @Nullable Object... params) {
    Args.notNull(sql, "sql");
    return write(
        STATEMENT + abbreviate(sql),
        false,
        tx -> {
          PreparedStatement statement = tx.conn().prepare(sql, params);
          return statement.executeUpdate();
        });
  }

  @Override
  public <T> List<T> query(String sql, RowMapper<T> mapper, @Nullable Object... params) {
    Args.notNull(sql, "sql");
    Args.notNull(mapper, "mapper");
    return read(
        QUERY + abbreviate(sql),
        conn -> {
          PreparedStatement statement = conn.prepare(sql, params);
          List<T> rows = new ArrayList<>();
          try (ResultSet resultSet = statement.executeQuery()) {
            JdbcRow row = new JdbcRow(resultSet);
            while (resultSet.next()) {
              rows.add(mapper.map(row));
            }
          }
          return rows;
        });
  }

  @Override
  public <T> T inTransaction(TransactionBody<T> body) {
    Args.notNull(body, "body");
    ensureOpen();
    Tx joined = current.get();
    if (joined != null) {
      return body.run(new TxView(this, joined));
    }
    BusyBudget budget = budget();
    String what = "transaction";
    Conn conn;
    boolean owned;
    for (int attempt = 1; ; attempt++) {
      Conn acquired = acquireWriter(budget);
      if (acquired == null) {
        throw gaveUp(budget, what, null);
      }
      try {
        owned = begin(acquired);
        conn = acquired;
        budget.proceeded(what);
        break;
      } catch (SQLException e) {
        ErrorKind kind = classify(e);
        releaseWriter(acquired, kind == ErrorKind.CONNECTION_LOST);
        if (kind != ErrorKind.BUSY) {
          throw translate(e, "transaction");
        }
        noteBusy(budget, e);
        if (!budget.mayRetry(attempt, maxAttempts())) {
          throw gaveUp(budget, what, e);
        }
        budget.retrying(what, describe());
      }
      budget.pause(attempt);
    }
    boolean broken = false;
    List<CommitEvent> events;
    T result;
    try {
      Tx tx = new Tx(conn, owned);
      current.set(tx);
      boolean committed = false;
      try {
        result = body.run(new TxView(this, tx));
        if (owned) {
          commit(conn);
        }
        committed = true;
      } catch (SQLException e) {
        throw translate(e, "commit of transaction");
      } finally {
        current.remove();
        events = tx.end();
        if (!committed && owned) {
          broken = !rollbackQuietly(conn);
        }
      }
    } finally {
      releaseWriter(conn, broken);
    }
    ringAll(events);
    return result;
  }

  @Override
  public final void close() {
    if (closed.compareAndSet(false, true)) {
      stopBackground();
      closeConnections();
    }
  }

  /**
   * This backend's threads for background reads: at most {@link #BACKGROUND_THREADS}, started when
   * work arrives, gone after a few idle seconds and stopped by {@link #close()}. They belong to the
   * backend, never to a static pool, so nothing they touched (a pool's thread-local connection
   * list, say) keeps a closed backend reachable. Work beyond the limit waits its turn.
   *
   * @throws dev.agentstore.StoreClosedException after {@link #close()}
   */
  public final ExecutorService background() {
    synchronized (backgroundLock) {
      ensureOpen();
      if (background == null) {
        String name = "agent-store-background " + describe();
        AtomicInteger started = new AtomicInteger();
        ThreadPoolExecutor pool =
            new ThreadPoolExecutor(
                BACKGROUND_THREADS,
                BACKGROUND_THREADS,
                BACKGROUND_IDLE_SECONDS,
                TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(),
                task -> {
                  Thread thread = threads.make(task, name + " #" + started.incrementAndGet());
                  synchronized (backgroundLock) {
                    backgroundThreads.removeIf(t -> t.getState() == Thread.State.TERMINATED);
                    backgroundThreads.add(thread);
                  }
                  return thread;
                });
        pool.allowCoreThreadTimeOut(true);
        background = pool;
      }
      return background;
    }
  }

  /**
   * Stops the background threads and waits for the reads in flight and for the threads themselves
   * to finish (an executor counts as terminated a moment before its last thread ends); called once,
   * by close.
   */
  private void stopBackground() {
    ThreadPoolExecutor pool;
    synchronized (backgroundLock) {
      pool = background;
    }
    if (pool == null) {
      return;
    }
    if (awaitPool(pool)) {
      List<Thread> threads;
      synchronized (backgroundLock) {
        threads = List.copyOf(backgroundThreads);
      }
      for (Thread thread : threads) {
        Threads.awaitExit(thread, describe());
      }
    }
  }

  /** Whether the pool terminated in time; a warning is logged when it did not. */
  private boolean awaitPool(ThreadPoolExecutor pool) {
    pool.shutdownNow();
    boolean interrupted = false;
    try {
      while (true) {
        try {
          if (!pool.awaitTermination(BACKGROUND_CLOSE_SECONDS, TimeUnit.SECONDS)) {
            System.getLogger(JdbcBackend.class.getName())
                .log(
                    System.Logger.Level.WARNING,
                    "closing "
                        + describe()
                        + ": a background read still runs after "
                        + BACKGROUND_CLOSE_SECONDS
                        + " s; closing the connections under it");
            return false;
          }
          return true;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  public final boolean isClosed() {
    return closed.get();
  }

  // ---------------------------------------------------------------- machinery for primitives

  /**
   * How to reach the engine inside each public facade class ({@code SqliteBackend}, {@code
   * PostgresBackend}): the facades hold their engine in a private field and show no method that
   * returns it, so each registers a function that reads the field, once, from its static
   * initializer. A lookup is one hash-map read keyed by the facade's class, cheap enough for every
   * append.
   */
  private static final Map<Class<?>, Function<Backend, JdbcBackend>> FACADES =
      new ConcurrentHashMap<>();

  /**
   * Registers {@code engine} as the way to the engine inside instances of {@code facade}, a final
   * class. Called once per class, from its static initializer: an instance cannot exist before.
   *
   * @throws IllegalStateException when {@code facade} is registered already
   */
  public static <F extends Backend> void registerFacade(
      Class<F> facade, Function<F, JdbcBackend> engine) {
    Function<Backend, JdbcBackend> unwrap = backend -> engine.apply(facade.cast(backend));
    if (FACADES.putIfAbsent(facade, unwrap) != null) {
      throw new IllegalStateException(facade.getName() + " is registered as a facade already");
    }
  }

  /**
   * The backend behind {@code backend}, which may be a public facade over an engine or a
   * transaction's view of one.
   */
  public static JdbcBackend of(Backend backend) {
    Args.notNull(backend, "backend");
    if (backend instanceof JdbcBackend jdbc) {
      return jdbc;
    }
    Function<Backend, JdbcBackend> facade = FACADES.get(backend.getClass());
    if (facade != null) {
      return facade.apply(backend);
    }
    if (backend instanceof TxView view) {
      return view.checkedOwner();
    }
    throw new InvalidInputException(
        "unsupported Backend implementation "
            + backend.getClass().getName()
            + "; use SqliteBackend or PostgresBackend");
  }

  /**
   * Runs {@code work} in a write transaction: the current thread's, or a new one that is committed
   * when the work returns. Work of agent-store's own ({@code retryRaces}) is tried again, within a
   * bound, when it loses a unique-key race; it must therefore be repeatable. Any work is tried
   * again while it meets a busy store and the call's deadline has time left.
   *
   * @param what names the operation and its stream/writer/key for error messages
   */
  public <T> T write(String what, boolean retryRaces, SqlWork<T> work) {
    return write(budget(), what, retryRaces, work);
  }

  /** Like {@link #write(String, boolean, SqlWork)}, within a deadline the caller started. */
  public <T> T write(BusyBudget budget, String what, boolean retryRaces, SqlWork<T> work) {
    ensureOpen();
    Tx joined = current.get();
    if (joined != null) {
      try {
        return work.run(joined);
      } catch (SQLException e) {
        throw translate(e, what);
      }
    }
    for (int attempt = 1; ; attempt++) {
      Done<T> done = attemptWrite(budget, what, retryRaces, work, attempt);
      if (done != null) {
        ringAll(done.events());
        return done.result();
      }
      budget.pause(attempt);
    }
  }

  private record Done<T>(T result, List<CommitEvent> events) {}

  /**
   * The {@code attempt}-th try of {@link #write}; null when it met a busy store or lost a race and
   * may be tried again.
   */
  private <T> @Nullable Done<T> attemptWrite(
      BusyBudget budget, String what, boolean retryRaces, SqlWork<T> work, int attempt) {
    Conn conn = acquireWriter(budget);
    if (conn == null) {
      throw gaveUp(budget, what, null);
    }
    boolean broken = false;
    try {
      Tx tx;
      try {
        tx = new Tx(conn, begin(conn));
        budget.proceeded(what);
      } catch (SQLException e) {
        if (classify(e) == ErrorKind.BUSY) {
          return retryBusy(budget, what, e, attempt);
        }
        throw translate(e, what);
      }
      current.set(tx);
      boolean committed = false;
      try {
        T result = work.run(tx);
        if (tx.owned()) {
          commit(conn);
        }
        committed = true;
        return new Done<>(result, tx.end());
      } catch (SQLException e) {
        ErrorKind kind = classify(e);
        if (tx.owned() && kind == ErrorKind.BUSY) {
          return retryBusy(budget, what, e, attempt);
        }
        if (tx.owned()
            && retryRaces
            && kind == ErrorKind.UNIQUE_VIOLATION
            && attempt < maxAttempts()) {
          return null;
        }
        throw translate(e, what);
      } finally {
        current.remove();
        if (!committed) {
          tx.end();
          if (tx.owned()) {
            broken = !rollbackQuietly(conn);
          }
        }
      }
    } finally {
      releaseWriter(conn, broken);
    }
  }

  /** Null (try again) while {@code budget} allows another attempt; else the busy exception. */
  private <T> @Nullable Done<T> retryBusy(
      BusyBudget budget, String what, SQLException busy, int attempt) {
    noteBusy(budget, busy);
    if (budget.mayRetry(attempt, maxAttempts())) {
      budget.retrying(what, describe());
      return null;
    }
    throw gaveUp(budget, what, busy);
  }

  /**
   * The exception for a write call that gives up waiting for a busy store, {@code what} (the
   * operation and its stream/writer/key) named with this store; reported to the listener first.
   */
  public final StoreBusyException gaveUp(
      BusyBudget budget, String what, @Nullable Throwable cause) {
    budget.gaveUp(what, describe());
    return budget.busy(what + " on " + describe(), cause);
  }

  /**
   * Runs {@code work} as auto-committed statements on a writer connection, outside any transaction,
   * waiting for the connection within {@code budget}. Driver errors are returned to the caller
   * untranslated so it can tell a lost race from a failure; a busy {@link SQLException} is the
   * caller's to retry.
   *
   * @throws StoreBusyException naming {@code what} when the wait for the connection ran out
   */
  public <T> T autocommit(BusyBudget budget, String what, ReadWork<T> work) throws SQLException {
    ensureOpen();
    Conn conn = acquireWriter(budget);
    if (conn == null) {
      throw gaveUp(budget, what, null);
    }
    boolean broken = false;
    try {
      T result = work.run(conn);
      budget.proceeded(what);
      return result;
    } catch (SQLException e) {
      broken = classify(e) == ErrorKind.CONNECTION_LOST;
      throw e;
    } finally {
      releaseWriter(conn, broken);
    }
  }

  /**
   * Runs {@code work}, which must be a single statement and therefore atomic by itself,
   * auto-committed on a writer connection (or in the current thread's transaction), trying again
   * while the store is busy and the call's deadline has time left. Saves the round trips of an
   * explicit transaction.
   */
  public <T> T writeOneStatement(String what, ReadWork<T> work) {
    ensureOpen();
    Tx joined = current.get();
    if (joined != null || !singleStatementAppends()) {
      return write(what, true, tx -> work.run(tx.conn()));
    }
    BusyBudget budget = budget();
    for (int attempt = 1; ; attempt++) {
      try {
        return autocommit(budget, what, work);
      } catch (SQLException e) {
        if (classify(e) != ErrorKind.BUSY) {
          throw translate(e, what);
        }
        noteBusy(budget, e);
        if (!budget.mayRetry(attempt, maxAttempts())) {
          throw gaveUp(budget, what, e);
        }
        budget.retrying(what, describe());
      }
      budget.pause(attempt);
    }
  }

  /** Runs read-only {@code work} on the current thread's transaction or a borrowed connection. */
  public <T> T read(String what, ReadWork<T> work) {
    ensureOpen();
    Tx joined = current.get();
    if (joined != null) {
      try {
        return work.run(joined.conn());
      } catch (SQLException e) {
        throw translate(e, what);
      }
    }
    Conn conn = acquireReader();
    boolean broken = false;
    try {
      return work.run(conn);
    } catch (SQLException e) {
      broken = classify(e) == ErrorKind.CONNECTION_LOST;
      throw translate(e, what);
    } finally {
      releaseReader(conn, broken);
    }
  }

  /** Read work on a connection. */
  @FunctionalInterface
  public interface ReadWork<T> {
    T run(Conn conn) throws SQLException;
  }

  /** Turns a driver error into the agent-store exception that says what it means. */
  public StoreException translate(SQLException e, String what) {
    StoreException missing = MissingTable.explain(e, what, describe());
    if (missing != null) {
      return missing;
    }
    String detail = what + " on " + describe() + ": " + e.getMessage();
    return switch (classify(e)) {
      case BUSY ->
          new StoreBusyException(
              what
                  + " on "
                  + describe()
                  + ": the store stayed locked beyond its timeout; "
                  + busyHolder(e),
              Duration.ZERO,
              StoreBusyException.Holder.ANOTHER_CONNECTION,
              null,
              e);
      case READ_ONLY ->
          new ReadOnlyStoreException(what + " on " + describe() + ": the store is read-only", e);
      case CORRUPT -> new CorruptStoreException(damaged(what, e), e);
      case CONNECTION_LOST ->
          new RetryableStoreException(
              what + " on " + describe() + ": the connection was lost (" + e.getMessage() + ")", e);
      case TIMEOUT ->
          new RetryableStoreException(
              what + " on " + describe() + ": timed out (" + e.getMessage() + ")", e);
      case DISK_FULL -> new StoreException(what + " on " + describe() + ": " + diskFull(), e);
      default -> new StoreException(detail, e);
    };
  }

  private static final String STATEMENT = "statement ";
  private static final String QUERY = "query ";

  /**
   * The message for a damaged store. Neither the statement nor the driver's text goes in: a damaged
   * schema makes SQLite quote it ("malformed database schema (...) - near ..."), and a statement of
   * agent-store's own is no help to the reader. The cause keeps both.
   */
  private String damaged(String what, SQLException e) {
    String operation =
        what.startsWith(STATEMENT) ? "a statement" : what.startsWith(QUERY) ? "a query" : what;
    return operation + " on " + describe() + " failed: " + damage(e);
  }

  /** What is wrong with a store that gave a {@link ErrorKind#CORRUPT} error, in words. */
  protected String damage(SQLException e) {
    return "the store is damaged";
  }

  /** What a full disk means for this store, for messages: "the disk holding /x/y.db is full". */
  protected String diskFull() {
    return "the disk is full";
  }

  /** Throws {@link StoreClosedException} when this backend has been closed. */
  public final void ensureOpen() {
    if (closed.get()) {
      throw new StoreClosedException(describe() + " is closed");
    }
  }

  /** Whether the calling thread is inside a transaction of this backend. */
  public final boolean inTransactionOnThisThread() {
    return current.get() != null;
  }

  // ---------------------------------------------------------------- helpers

  private boolean rollbackQuietly(Conn conn) {
    try {
      rollback(conn);
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  private void ringAll(List<CommitEvent> events) {
    List<CommitEvent> held = heldRings.get();
    if (held != null) {
      held.addAll(events);
      return;
    }
    for (CommitEvent event : events) {
      doorbell.ring(event);
    }
  }

  /** Rings {@code event} of a commit that just happened, or holds it (see {@link #holdRings}). */
  void ring(CommitEvent event) {
    ringAll(List.of(event));
  }

  /**
   * Holds the doorbell events of this thread's commits from now on, until {@link #ringHeld} rings
   * them: what a group commit's leader does while it still heads the line of appenders.
   */
  List<CommitEvent> holdRings() {
    List<CommitEvent> held = new ArrayList<>();
    heldRings.set(held);
    return held;
  }

  /** Stops holding this thread's doorbell events and rings {@code held}, the ones held so far. */
  void ringHeld(List<CommitEvent> held) {
    heldRings.remove();
    ringAll(held);
  }

  private static String abbreviate(String sql) {
    String flat = sql.strip().replaceAll("\\s+", " ");
    return flat.length() <= 60 ? flat : flat.substring(0, 57) + "...";
  }

  /** The {@link Backend} a transaction body receives: this backend, bound to one transaction. */
  static final class TxView implements Backend {
    private final JdbcBackend owner;
    private final Tx tx;

    TxView(JdbcBackend owner, Tx tx) {
      this.owner = owner;
      this.tx = tx;
    }

    JdbcBackend checkedOwner() {
      if (!tx.active()) {
        throw new StoreClosedException(
            "the transaction on " + owner.describe() + " has ended; its Backend cannot be used");
      }
      if (tx.thread() != Thread.currentThread()) {
        throw new InvalidInputException(
            "a transaction on "
                + owner.describe()
                + " can only be used on the thread that runs it ("
                + tx.thread().getName()
                + ")");
      }
      return owner;
    }

    @Override
    public Dialect dialect() {
      return owner.dialect();
    }

    @Override
    public int exec(String sql, @Nullable Object... params) {
      return checkedOwner().exec(sql, params);
    }

    @Override
    public <T> List<T> query(String sql, RowMapper<T> mapper, @Nullable Object... params) {
      return checkedOwner().query(sql, mapper, params);
    }

    @Override
    public <T> T inTransaction(TransactionBody<T> body) {
      return checkedOwner().inTransaction(body);
    }

    @Override
    public Doorbell doorbell() {
      return owner.doorbell();
    }

    @Override
    public String describe() {
      return owner.describe();
    }

    /** A transaction ends with its body; closing its view is not allowed. */
    @Override
    public void close() {
      throw new InvalidInputException(
          "a transaction's Backend cannot be closed; return from the transaction body instead");
    }
  }
}
