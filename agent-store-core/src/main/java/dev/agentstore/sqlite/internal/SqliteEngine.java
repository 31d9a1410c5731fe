package dev.agentstore.sqlite.internal;

import dev.agentstore.Dialect;
import dev.agentstore.InvalidInputException;
import dev.agentstore.ReadOnlyStoreException;
import dev.agentstore.StoreBusyException;
import dev.agentstore.StoreBusyException.Holder;
import dev.agentstore.StoreException;
import dev.agentstore.StoreOpenException;
import dev.agentstore.WakeUpSource;
import dev.agentstore.internal.Args;
import dev.agentstore.internal.BusyBudget;
import dev.agentstore.internal.Conn;
import dev.agentstore.internal.ErrorKind;
import dev.agentstore.internal.JdbcBackend;
import dev.agentstore.internal.MountTable;
import dev.agentstore.internal.SqlDialect;
import dev.agentstore.internal.SqliteDialect;
import dev.agentstore.internal.ThreadMaker;
import dev.agentstore.sqlite.SqliteOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.sqlite.BusyHandler;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteException;

/**
 * The engine behind {@code SqliteBackend}: an embedded SQLite database, with the driver bundled and
 * no server.
 *
 * <p>A file store runs in WAL mode with one writer connection, which write transactions take in
 * turn ({@code BEGIN IMMEDIATE}, so a transaction never has to upgrade a read lock), and a few
 * read-only connections that let reads proceed while a write is in progress. Other processes may
 * open the same file; SQLite's locks and the busy timeout order them.
 *
 * <p>Thread-safe: one instance is meant to be shared by every thread of a process.
 */
public final class SqliteEngine extends JdbcBackend {
  private static final int MAX_IDLE_READERS = 4;

  private final @Nullable Path path;
  private final SqliteOptions options;
  private final String description;
  private final Conn writer;
  private final boolean ownsWriter;
  private final WriterLock writerLock = new WriterLock();

  /**
   * Whether appends share commits: {@link SqliteOptions#groupCommit()}, unless {@code
   * -Dagentstore.sqlite.groupCommit=false} was set when the store was opened.
   */
  private final boolean groupCommit;

  /** How the writer waits for other connections' locks; null on an adopted connection. */
  private final @Nullable DeadlineBusyHandler busyHandler;

  /**
   * Whether an adopted writer's busy timeout is set below its owner's setting for the call holding
   * it, and must be put back when it is released. Guarded by {@link #writerLock}.
   */
  private boolean busyTimeoutLowered;

  private final ConcurrentLinkedDeque<Conn> idleReaders = new ConcurrentLinkedDeque<>();
  private final @Nullable DataVersionWatcher watcher;

  private SqliteEngine(
      @Nullable Path path,
      SqliteOptions options,
      String description,
      Connection writer,
      boolean ownsWriter) {
    this.path = path;
    this.options = options;
    this.groupCommit =
        options.groupCommit()
            && !"false".equalsIgnoreCase(System.getProperty("agentstore.sqlite.groupCommit"));
    this.description = description;
    this.writer = new Conn(writer);
    this.ownsWriter = ownsWriter;
    busyHandler = ownsWriter ? new DeadlineBusyHandler() : null;
    listenWith(options.listener());
    threadsFrom(ThreadMaker.of(options.threadFactory().orElse(null)));
    this.watcher =
        path == null
            ? null
            : new DataVersionWatcher(
                description,
                options.commitCheckInterval(),
                () -> connect(path, options, true),
                threads());
  }

  /**
   * Opens (creating if needed) the SQLite file at {@code path}: WAL mode, the options' {@code
   * synchronous} setting and busy timeout.
   *
   * @throws StoreOpenException when the directory does not exist, the path is a directory, or the
   *     file is not a SQLite database
   * @throws ReadOnlyStoreException when the file cannot be written and {@code options} did not ask
   *     for read-only
   */
  public static SqliteEngine open(Path path, SqliteOptions options) {
    Args.notNull(path, "path");
    Args.notNull(options, "options");
    Path file = path.toAbsolutePath().normalize();
    checkPath(file, options);
    String description = "SQLite store " + file;
    Connection connection = null;
    try {
      connection = connect(file, options, options.readOnly());
      try (Statement statement = connection.createStatement()) {
        if (!options.readOnly()) {
          String mode = queryString(statement, "PRAGMA journal_mode=WAL");
          if (!"wal".equalsIgnoreCase(mode)) {
            throw new StoreOpenException(
                "cannot open " + file + ": journal mode stays " + mode + ", WAL is required", null);
          }
          statement.execute(
              "PRAGMA synchronous=" + options.durability().name().toLowerCase(Locale.ROOT));
        } else {
          // Reading the schema makes a file that is not a database fail here, not later.
          queryString(statement, "SELECT count(*) FROM sqlite_master");
        }
      }
      return new SqliteEngine(file, options, description, connection, true);
    } catch (SQLException e) {
      closeQuietly(connection);
      throw openFailure(file, e);
    } catch (RuntimeException e) {
      closeQuietly(connection);
      throw e;
    }
  }

  /**
   * A private in-memory database, gone when the backend is closed. Useful for tests and scratch
   * work; every call shares its one connection.
   */
  public static SqliteEngine inMemory() {
    try {
      SQLiteConfig config = new SQLiteConfig();
      config.setGetGeneratedKeys(false);
      Connection connection = config.createConnection("jdbc:sqlite::memory:");
      return new SqliteEngine(
          null, SqliteOptions.defaults(), "SQLite in-memory store", connection, true);
    } catch (SQLException e) {
      throw new StoreOpenException("cannot open an in-memory SQLite store: " + e.getMessage(), e);
    }
  }

  /**
   * Adopts a SQLite connection the consumer already has and keeps using: agent-store runs its
   * statements on it (serialised by this backend) and never closes it. In auto-commit mode
   * agent-store begins and commits its own transactions; when the consumer has switched auto-commit
   * off, agent-store's work joins the consumer's open transaction and the consumer's commit decides
   * — the attached doorbell does not ring for such work, since its commit is not agent-store's to
   * see. The connection's busy timeout when adopted is the deadline of agent-store's writes on it
   * ({@link #options()}); a write that waits lowers it for its remaining time and puts it back.
   */
  public static SqliteEngine fromConnection(Connection connection) {
    Args.notNull(connection, "connection");
    int busyTimeout;
    try {
      // Checked first: a closed connection cannot answer the metadata query below.
      if (connection.isClosed()) {
        throw new InvalidInputException(
            "SqliteBackend.fromConnection was given a closed connection");
      }
      String product = connection.getMetaData().getDatabaseProductName();
      if (!"SQLite".equalsIgnoreCase(product)) {
        throw new InvalidInputException(
            "SqliteBackend.fromConnection needs a SQLite connection, got " + product);
      }
      try (Statement statement = connection.createStatement()) {
        busyTimeout = Integer.parseInt(queryString(statement, "PRAGMA busy_timeout"));
      }
    } catch (SQLException e) {
      throw new StoreOpenException("cannot inspect the given connection: " + e.getMessage(), e);
    }
    return new SqliteEngine(
        null,
        SqliteOptions.defaults().withBusyTimeout(Duration.ofMillis(busyTimeout)),
        "SQLite store on a caller's connection",
        connection,
        false);
  }

  /**
   * The escape hatch: the connection agent-store writes with. Do not close it, and do not use it
   * while other threads use this backend; agent-store does not lock it for you.
   */
  public Connection connection() {
    ensureOpen();
    return writer.jdbc();
  }

  /** The file of this store; empty for in-memory and adopted-connection stores. */
  public Optional<Path> path() {
    return Optional.ofNullable(path);
  }

  public SqliteOptions options() {
    return options;
  }

  @Override
  public Dialect dialect() {
    return Dialect.SQLITE;
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public SqlDialect sql() {
    return SqliteDialect.INSTANCE;
  }

  @Override
  public boolean storesNulInText() {
    return true;
  }

  /**
   * For a file store, wake-ups for commits by any connection to the file, other processes' too
   * ({@code PRAGMA data_version}, checked every {@link SqliteOptions#commitCheckInterval()} on a
   * dedicated read connection while someone listens). In-memory and adopted-connection stores have
   * none: only this backend can write the former, and the latter's file is the caller's business.
   */
  @Override
  public WakeUpSource storeWakeUps() {
    return watcher == null ? WakeUpSource.none() : watcher;
  }

  // ---------------------------------------------------------------- connections

  /**
   * One deadline of {@link SqliteOptions#busyTimeout()} for the call: it bounds the wait for the
   * writer connection, SQLite's busy handler and the pauses between attempts together.
   */
  @Override
  protected BusyBudget newBudget() {
    return BusyBudget.of(options.busyTimeout(), "busy timeout");
  }

  /**
   * Takes the writer connection in turn (a fair lock: the thread that has waited longest goes
   * first, and none is overtaken until its deadline runs out), then lets SQLite wait for another
   * connection's lock on it only until the call's deadline.
   */
  @Override
  protected @Nullable Conn acquireWriter(BusyBudget budget) {
    if (!lockWriter(budget)) {
      return null;
    }
    if (busyHandler != null) {
      busyHandler.deadline = budget.deadlineNanos();
      busyHandler.budget = budget;
      try {
        BusyHandler.setHandler(writer.jdbc(), busyHandler);
      } catch (SQLException e) {
        writerLock.unlock();
        throw translate(e, "setting the busy handler");
      }
    } else if (!budget.withinSlack()) {
      // An adopted connection keeps its owner's busy timeout, the whole of options.busyTimeout():
      // within the slack it stays, past it it is lowered for this call.
      try {
        setAdoptedBusyTimeout(budget.remainingMillis());
        busyTimeoutLowered = true;
      } catch (SQLException e) {
        writerLock.unlock();
        throw translate(e, "setting the busy timeout");
      }
    }
    return writer;
  }

  /** Takes {@link #writerLock} within {@code budget}; false, holder recorded, when it ran out. */
  private boolean lockWriter(BusyBudget budget) {
    try {
      boolean locked =
          budget.observed()
              ? timedLockWriter(budget)
              : writerLock.tryLock(budget.remainingNanos(), TimeUnit.NANOSECONDS);
      if (!locked) {
        Thread owner = writerLock.owner();
        budget.heldBy(
            Holder.THIS_PROCESS,
            owner == null ? null : owner.getName(),
            owner == null
                ? "another thread of this process held the writer connection"
                : "thread \"" + owner.getName() + "\" of this process held the writer connection");
        return false;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while waiting for " + description, e);
    }
    if (isClosed()) {
      writerLock.unlock();
      ensureOpen();
    }
    return true;
  }

  /**
   * Takes {@link #writerLock} within {@code budget}, telling it how long that waited when the lock
   * was held (a zero wait first, which keeps the lock's fairness).
   */
  private boolean timedLockWriter(BusyBudget budget) throws InterruptedException {
    if (writerLock.tryLock(0, TimeUnit.NANOSECONDS)) {
      return true;
    }
    long start = System.nanoTime();
    try {
      return writerLock.tryLock(budget.remainingNanos(), TimeUnit.NANOSECONDS);
    } finally {
      budget.waited(System.nanoTime() - start);
    }
  }

  private int busyTimeoutMillis() {
    return (int) options.busyTimeout().toMillis();
  }

  private void setAdoptedBusyTimeout(int millis) throws SQLException {
    try (Statement statement = writer.jdbc().createStatement()) {
      statement.execute("PRAGMA busy_timeout = " + millis);
    }
  }

  @Override
  protected void releaseWriter(Conn conn, boolean broken) {
    try {
      if (busyHandler != null) {
        // SQLite's own busy timeout replaces the handler, so that the caller's statements on
        // connection() and PRAGMA busy_timeout see the configured setting between calls.
        writer.jdbc().unwrap(SQLiteConnection.class).setBusyTimeout(busyTimeoutMillis());
      } else if (busyTimeoutLowered) {
        busyTimeoutLowered = false;
        setAdoptedBusyTimeout(busyTimeoutMillis());
      }
    } catch (SQLException e) {
      // Left shorter, the owner's busy timeout only makes a wait give up sooner; the next write
      // that waits past the slack sets it again.
    } finally {
      writerLock.unlock();
    }
  }

  /**
   * A busy statement: on the writer connection it holds this process's writer lock, so what held
   * the file's lock is another connection.
   */
  @Override
  protected String busyHolder(SQLException busy) {
    return "another connection held the file's write lock (another process, or a connection of"
        + " this process that this backend does not own)";
  }

  @Override
  protected Conn acquireReader() {
    if (path == null) {
      BusyBudget budget = newBudget();
      if (!lockWriter(budget)) {
        throw budget.busy("reading " + description, null);
      }
      return writer;
    }
    Conn reader = idleReaders.pollFirst();
    if (reader != null) {
      return reader;
    }
    try {
      return new Conn(connect(path, options, true));
    } catch (SQLException e) {
      throw translate(e, "opening a read connection");
    }
  }

  @Override
  protected void releaseReader(Conn conn, boolean broken) {
    if (conn == writer) {
      releaseWriter(conn, broken);
      return;
    }
    if (broken || isClosed() || idleReaders.size() >= MAX_IDLE_READERS) {
      conn.close();
    } else {
      idleReaders.offerFirst(conn);
      if (isClosed() && idleReaders.remove(conn)) {
        conn.close();
      }
    }
  }

  @Override
  protected boolean begin(Conn conn) throws SQLException {
    if (!ownsWriter && !conn.jdbc().getAutoCommit()) {
      return false;
    }
    conn.prepare("BEGIN IMMEDIATE").execute();
    return true;
  }

  @Override
  protected void commit(Conn conn) throws SQLException {
    conn.prepare("COMMIT").execute();
  }

  @Override
  protected void rollback(Conn conn) throws SQLException {
    conn.prepare("ROLLBACK").execute();
  }

  @Override
  protected void closeConnections() {
    if (watcher != null) {
      watcher.close();
    }
    // Readers first: the last connection to close checkpoints the WAL into the main file, and only
    // the read-write writer can do that.
    for (Conn reader; (reader = idleReaders.pollFirst()) != null; ) {
      reader.close();
    }
    boolean locked = false;
    try {
      locked = writerLock.tryLock(options.busyTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      if (ownsWriter) {
        writer.close();
      } else {
        writer.clearStatements();
      }
    } finally {
      if (locked) {
        writerLock.unlock();
      }
    }
  }

  /**
   * One guarded INSERT per append on connections agent-store owns: in this process the writer
   * connection serialises appenders, and across processes the primary key and the guard reject a
   * stale head. An adopted connection may be inside its owner's transaction, where an "auto-commit"
   * statement would not commit; it takes the transaction path.
   */
  @Override
  public boolean singleStatementAppends() {
    return ownsWriter;
  }

  /**
   * Appends share commits on connections agent-store owns: the one writer connection serialises
   * them anyway, and with {@code synchronous=FULL} each commit is a flush. An adopted connection
   * may be inside its owner's transaction, whose commit is not agent-store's.
   */
  @Override
  public boolean groupsAppends() {
    return ownsWriter && groupCommit;
  }

  @Override
  public boolean writesExclusively() {
    return true;
  }

  @Override
  public boolean concurrentReads() {
    return path != null;
  }

  @Override
  public ErrorKind classify(SQLException e) {
    // getErrorCode() is the primary code only; the extended one tells a key violation apart from
    // the other constraint failures.
    int code = extendedCode(e);
    return switch (code & 0xff) {
      case 5, 6 -> ErrorKind.BUSY;
      case 8 -> ErrorKind.READ_ONLY;
      case 11, 26 -> ErrorKind.CORRUPT;
      case 13 -> ErrorKind.DISK_FULL;
      case 10 -> path != null && outOfSpace(code, path) ? ErrorKind.DISK_FULL : ErrorKind.OTHER;
      case 19 -> (code == 2067 || code == 1555) ? ErrorKind.UNIQUE_VIOLATION : ErrorKind.OTHER;
      default -> ErrorKind.OTHER;
    };
  }

  private static int extendedCode(SQLException e) {
    return e instanceof SQLiteException sqlite && sqlite.getResultCode().code > 0
        ? sqlite.getResultCode().code
        : e.getErrorCode();
  }

  @Override
  protected String damage(SQLException e) {
    return (extendedCode(e) & 0xff) == 26
        ? "the file is not a SQLite database"
        : "the database file is damaged (SQLite reports a malformed database image)";
  }

  @Override
  protected String diskFull() {
    return path == null ? super.diskFull() : diskFull(path);
  }

  private static String diskFull(Path file) {
    return "the disk holding " + file + " is full";
  }

  /** SQLite's extended codes for a failed write, fsync, truncate or shared-memory extension. */
  private static final int IOERR_WRITE = 10 | (3 << 8);

  private static final int IOERR_FSYNC = 10 | (4 << 8);
  private static final int IOERR_TRUNCATE = 10 | (6 << 8);
  private static final int IOERR_SHMSIZE = 10 | (19 << 8);

  /** Below this many free bytes, a failed write is taken for a full disk. */
  private static final long NEARLY_FULL_BYTES = 1024 * 1024;

  /**
   * Whether an I/O error {@code code} is a full disk. SQLite reports ENOSPC as {@code SQLITE_FULL}
   * only on some paths; growing the WAL index or syncing a file on a full disk comes back as {@code
   * SQLITE_IOERR_SHMSIZE}, {@code _WRITE}, {@code _FSYNC} or {@code _TRUNCATE}, without the errno.
   * The file system's free space tells the cases apart.
   */
  private static boolean outOfSpace(int code, Path file) {
    if (code != IOERR_WRITE
        && code != IOERR_FSYNC
        && code != IOERR_TRUNCATE
        && code != IOERR_SHMSIZE) {
      return false;
    }
    try {
      Path existing = Files.exists(file) ? file : file.getParent();
      return existing != null && Files.getFileStore(existing).getUsableSpace() < NEARLY_FULL_BYTES;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  // ---------------------------------------------------------------- opening

  private static void checkPath(Path file, SqliteOptions options) {
    Path parent = file.getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      throw new StoreOpenException(
          "cannot open SQLite store " + file + ": directory " + parent + " does not exist", null);
    }
    if (Files.isDirectory(file)) {
      throw new StoreOpenException(
          "cannot open SQLite store " + file + ": it is a directory, not a database file", null);
    }
    if (Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(file)) {
      throw new StoreOpenException(
          "cannot open SQLite store " + file + ": it is not a regular file", null);
    }
    if (options.readOnly()) {
      if (!Files.exists(file)) {
        throw new StoreOpenException(
            "cannot open SQLite store " + file + " read-only: the file does not exist", null);
      }
      return;
    }
    String readOnly = whyNotWritable(file);
    if (readOnly != null) {
      throw new ReadOnlyStoreException(
          (Files.exists(file) ? "cannot open SQLite store " : "cannot create SQLite store ")
              + file
              + " for writing: "
              + readOnly,
          null);
    }
  }

  private static final String READ_IT_READ_ONLY =
      " (open it with SqliteOptions.defaults().withReadOnly(true) to read it)";

  /**
   * Why {@code file} cannot be written, or null when nothing says so: a read-only mount, a
   * read-only file, or a directory where SQLite cannot create the write-ahead log and shared-memory
   * files it needs beside the store.
   */
  private static @Nullable String whyNotWritable(Path file) {
    Path parent = file.getParent();
    boolean exists = Files.exists(file);
    if (parent != null && MountTable.isReadOnly(exists ? file : parent)) {
      return "the file system holding it is mounted read-only" + (exists ? READ_IT_READ_ONLY : "");
    }
    if (exists && !Files.isWritable(file)) {
      return "the file is read-only" + READ_IT_READ_ONLY;
    }
    if (parent != null && !Files.isWritable(parent)) {
      if (!exists) {
        return "directory " + parent + " is read-only";
      }
      Path wal = Path.of(file + "-wal");
      Path shm = Path.of(file + "-shm");
      if (!(Files.isWritable(wal) && Files.isWritable(shm))) {
        return "directory "
            + parent
            + " is read-only, and SQLite must create "
            + wal.getFileName()
            + " and "
            + shm.getFileName()
            + " beside the store to write it"
            + READ_IT_READ_ONLY;
      }
    }
    return null;
  }

  private static Connection connect(Path file, SqliteOptions options, boolean readOnly)
      throws SQLException {
    SQLiteConfig config = new SQLiteConfig();
    config.setBusyTimeout((int) options.busyTimeout().toMillis());
    // Otherwise the driver runs a hidden SELECT last_insert_rowid() after every INSERT.
    config.setGetGeneratedKeys(false);
    config.setReadOnly(readOnly);
    Path directory = file.getParent();
    if (readOnly && options.readOnly() && directory != null && !Files.isWritable(directory)) {
      // SQLite cannot create the WAL index beside a file in a read-only directory; declaring the
      // file immutable lets it read the (checkpointed) database without one.
      return config.createConnection("jdbc:sqlite:" + file.toUri() + "?immutable=1");
    }
    return config.createConnection("jdbc:sqlite:" + file);
  }

  private static StoreException openFailure(Path file, SQLException e) {
    int primary = e.getErrorCode() & 0xff;
    String detail = e.getMessage();
    return switch (primary) {
      // No driver text for a damaged file: SQLite quotes a malformed schema's SQL in it.
      case 26 ->
          new StoreOpenException(
              "cannot open SQLite store " + file + ": the file is not a SQLite database", e);
      case 11 ->
          new StoreOpenException(
              "cannot open SQLite store "
                  + file
                  + ": the database file is damaged, e.g. truncated (SQLite reports a malformed"
                  + " database image)",
              e);
      case 8 -> {
        String why = whyNotWritable(file);
        yield new ReadOnlyStoreException(
            "cannot open SQLite store "
                + file
                + ": "
                + (why == null ? "the store is read-only (" + detail + ")" : why),
            e);
      }
      case 13 ->
          new StoreOpenException("cannot open SQLite store " + file + ": " + diskFull(file), e);
      case 10 ->
          outOfSpace(extendedCode(e), file)
              ? new StoreOpenException(
                  "cannot open SQLite store " + file + ": " + diskFull(file), e)
              : new StoreOpenException("cannot open SQLite store " + file + ": " + detail, e);
      case 5, 6 ->
          new StoreBusyException(
              "cannot open SQLite store "
                  + file
                  + ": another process holds it locked beyond the busy timeout ("
                  + detail
                  + ")",
              e);
      default -> new StoreOpenException("cannot open SQLite store " + file + ": " + detail, e);
    };
  }

  private static String queryString(Statement statement, String sql) throws SQLException {
    try (ResultSet rows = statement.executeQuery(sql)) {
      return rows.next() ? String.valueOf(rows.getString(1)) : "";
    }
  }

  private static void closeQuietly(@Nullable Connection connection) {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // Opening failed already; that is the error worth reporting.
      }
    }
  }

  /**
   * SQLite's wait for another connection's lock on the writer during a write call, bounded by the
   * clock: until the call's deadline. SQLite's own busy timeout adds up the sleeps it asked for
   * instead, and on a loaded machine overruns by every oversleep together. Sleeps like SQLite's (1
   * ms growing to 100 ms). Installed by the thread that holds the writer, which alone sets {@link
   * #deadline}; between calls SQLite's own busy timeout is in place.
   */
  private static final class DeadlineBusyHandler extends BusyHandler {
    private static final int[] DELAYS_MS = {1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100};

    /** The deadline ({@link System#nanoTime()}) of the call holding the writer. */
    long deadline;

    /** The call holding the writer, told how long it waited when it is observed. */
    @Nullable BusyBudget budget;

    @Override
    protected int callback(int previousCalls) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || Thread.currentThread().isInterrupted()) {
        return 0;
      }
      int delay = DELAYS_MS[Math.min(previousCalls, DELAYS_MS.length - 1)];
      BusyBudget call = budget;
      long start = call != null && call.observed() ? System.nanoTime() : 0;
      LockSupport.parkNanos(Math.min(TimeUnit.MILLISECONDS.toNanos(delay), left));
      if (start != 0) {
        call.waited(System.nanoTime() - start);
      }
      return 1;
    }
  }

  /** The writer lock, fair so that writers take turns in order, and able to name its holder. */
  private static final class WriterLock extends ReentrantLock {
    private static final long serialVersionUID = 1L;

    WriterLock() {
      super(true);
    }

    @Nullable Thread owner() {
      return getOwner();
    }
  }
}
