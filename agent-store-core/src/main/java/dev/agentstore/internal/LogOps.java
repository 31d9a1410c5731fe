package dev.agentstore.internal;

import dev.agentstore.AppendConflictException;
import dev.agentstore.ChainBrokenException;
import dev.agentstore.ChainBrokenException.Reason;
import dev.agentstore.CommitEvent;
import dev.agentstore.DamagedStoreException;
import dev.agentstore.Entry;
import dev.agentstore.Head;
import dev.agentstore.MalformedRowException;
import dev.agentstore.NonMonotonicGenerationException;
import dev.agentstore.SchemaMismatchException;
import dev.agentstore.StoreBusyException;
import dev.agentstore.StoreException;
import dev.agentstore.StoreListener;
import dev.agentstore.StoreOpenException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;

/** The logic of {@code WriterLog} and {@code Generation}, written once for every backend. */
public final class LogOps {
  private LogOps() {}

  // ---------------------------------------------------------------- schema

  /** Creates {@code table} when missing, then checks that it has agent-store's layout. */
  public static void ensureTable(
      JdbcBackend backend, String table, String create, List<SqlDialect.Column> expected) {
    ensureTable(backend, table, List.of(create), expected);
  }

  /**
   * Like {@link #ensureTable(JdbcBackend, String, String, List)}, for a table created by several
   * statements (the table, then its indexes), run in one transaction.
   */
  public static void ensureTable(
      JdbcBackend backend, String table, List<String> creates, List<SqlDialect.Column> expected) {
    SqlDialect sql = backend.sql();
    List<SqlDialect.Column> found = backend.read("inspecting " + table, c -> sql.columns(c, table));
    if (found.isEmpty()) {
      try {
        found =
            backend.write(
                "creating " + table,
                true,
                tx -> {
                  try (var statement = tx.conn().jdbc().createStatement()) {
                    for (String prepare : sql.prepareSchema()) {
                      statement.execute(prepare);
                    }
                    for (String create : creates) {
                      statement.execute(create);
                    }
                  }
                  return sql.columns(tx.conn(), table);
                });
      } catch (StoreException e) {
        if (e.getCause() instanceof SQLException cause
            && backend.classify(cause) == ErrorKind.PERMISSION_DENIED) {
          throw new StoreOpenException(
              "cannot create table "
                  + table
                  + " in "
                  + backend.describe()
                  + ": permission denied ("
                  + cause.getMessage()
                  + "); create it with a privileged user or grant the privilege",
              e.getCause());
        }
        throw e;
      }
    }
    requireLayout(backend, table, found, expected);
  }

  /**
   * Checks that {@code table} exists with agent-store's layout, and changes nothing: what a process
   * that may only read or append runs instead of {@link #ensureTable}.
   *
   * @param creator the call that creates the table, named in the message when it is missing
   */
  public static void checkTable(
      JdbcBackend backend, String table, List<SqlDialect.Column> expected, String creator) {
    SqlDialect sql = backend.sql();
    List<SqlDialect.Column> found = backend.read("inspecting " + table, c -> sql.columns(c, table));
    if (found.isEmpty()) {
      throw new SchemaMismatchException(
          table,
          "table "
              + table
              + " does not exist in "
              + backend.describe()
              + "; "
              + creator
              + " creates it ("
              + MissingTable.EVERY_TABLE
              + "), run by a user who may create tables");
    }
    requireLayout(backend, table, found, expected);
  }

  private static void requireLayout(
      JdbcBackend backend,
      String table,
      List<SqlDialect.Column> found,
      List<SqlDialect.Column> expected) {
    if (!sameLayout(found, expected)) {
      throw new SchemaMismatchException(
          table,
          "table "
              + table
              + " in "
              + backend.describe()
              + " is not agent-store's: it has "
              + layout(found)
              + " where agent-store expects "
              + layout(expected)
              + "; agent-store will not touch it");
    }
  }

  private static boolean sameLayout(List<SqlDialect.Column> found, List<SqlDialect.Column> want) {
    if (found.size() != want.size()) {
      return false;
    }
    for (int i = 0; i < found.size(); i++) {
      SqlDialect.Column f = found.get(i);
      SqlDialect.Column w = want.get(i);
      if (!f.name().equalsIgnoreCase(w.name())
          || !f.type().equalsIgnoreCase(w.type())
          || f.notNull() != w.notNull()
          || f.primaryKeyPosition() != w.primaryKeyPosition()) {
        return false;
      }
    }
    return true;
  }

  private static String layout(List<SqlDialect.Column> columns) {
    List<String> parts = new ArrayList<>();
    for (SqlDialect.Column c : columns) {
      parts.add(
          c.name()
              + " "
              + c.type()
              + (c.notNull() ? " NOT NULL" : "")
              + (c.primaryKeyPosition() > 0 ? " [key " + c.primaryKeyPosition() + "]" : ""));
    }
    return "(" + String.join(", ", parts) + ")";
  }

  /**
   * Creates the signature table when missing and checks its layout, once per backend: what the
   * first signed append, signature import or {@code WriterLog.ensureSignatureSchema} runs.
   */
  public static void ensureSignatureTable(JdbcBackend backend) {
    if (backend.signatureTableChecked) {
      return;
    }
    SqlDialect sql = backend.sql();
    ensureTable(backend, SqlDialect.SIG_TABLE, sql.createSig(), sql.expectedSig());
    backend.signatureTableChecked = true;
  }

  // ---------------------------------------------------------------- appends

  /** The head as (seq, hash) read inside a write transaction; seq 0 when the chain is empty. */
  private record HeadRef(long seq, byte @Nullable [] hash) {}

  private static HeadRef readHead(Conn conn, SqlDialect sql, String stream, String writer)
      throws SQLException {
    PreparedStatement statement = conn.prepare(sql.head(), stream, writer);
    try (ResultSet rs = statement.executeQuery()) {
      return head(rs, stream, writer);
    }
  }

  /**
   * Takes the chain's lock for the current transaction, then reads the head: in one round trip
   * where the dialect has a statement for both.
   */
  private static HeadRef lockAndReadHead(
      JdbcBackend backend, Conn conn, SqlDialect sql, String stream, String writer)
      throws SQLException {
    String lockedHead = sql.lockedHead();
    if (lockedHead == null) {
      backend.lockChain(conn, stream, writer);
      return readHead(conn, sql, stream, writer);
    }
    PreparedStatement statement =
        conn.prepare(lockedHead, sql.lockedHeadParameters(stream, writer).toArray());
    statement.execute();
    if (!statement.getMoreResults()) {
      throw new SQLException(
          "the locked head read of " + stream + "/" + writer + " returned no head");
    }
    try (ResultSet rs = statement.getResultSet()) {
      return head(rs, stream, writer);
    }
  }

  private static HeadRef head(ResultSet rs, String stream, String writer) throws SQLException {
    if (!rs.next()) {
      return new HeadRef(0, null);
    }
    long seq = rs.getLong(1);
    Object stored = rs.getObject(2);
    String type = ChainReader.storedType(stored);
    byte[] hash = ChainReader.bytes(stored);
    if (!"blob".equals(type) || hash == null || hash.length != Blake3.HASH_BYTES) {
      throw new MalformedRowException(
          stream,
          writer,
          seq,
          Reason.MALFORMED_HASH,
          "the head's content_hash is "
              + ("blob".equals(type) ? (hash == null ? 0 : hash.length) + " bytes" : type)
              + ", not a 32-byte BLOB; refusing to extend a malformed chain");
    }
    return new HeadRef(seq, hash);
  }

  /**
   * Appends {@code payloads} (already checked) after the head, in the current write transaction,
   * failing with {@link AppendConflictException} when {@code expectedSeq} is given and differs.
   */
  public static List<Entry> append(
      JdbcBackend backend,
      String stream,
      String writer,
      List<byte[]> payloads,
      OptionalLong expectedSeq) {
    return append(backend, stream, writer, payloads, expectedSeq, null);
  }

  /**
   * Like {@link #append(JdbcBackend, String, String, List, OptionalLong)}; with a {@code signer},
   * also inserts a signature row for every entry in the same transaction (creating the signature
   * table first when the store has none).
   */
  public static List<Entry> append(
      JdbcBackend backend,
      String stream,
      String writer,
      List<byte[]> payloads,
      OptionalLong expectedSeq,
      EntrySignatures.@Nullable Signer signer) {
    if (!backend.listened()) {
      return appendNow(backend, stream, writer, payloads, expectedSeq, signer);
    }
    long start = System.nanoTime();
    StoreListener.AppendOutcome outcome = StoreListener.AppendOutcome.ERROR;
    try {
      List<Entry> appended = appendNow(backend, stream, writer, payloads, expectedSeq, signer);
      outcome = StoreListener.AppendOutcome.OK;
      return appended;
    } catch (AppendConflictException e) {
      outcome = StoreListener.AppendOutcome.CONFLICT;
      throw e;
    } catch (StoreBusyException e) {
      outcome = StoreListener.AppendOutcome.BUSY;
      throw e;
    } finally {
      backend
          .listener()
          .onAppend(
              new StoreListener.Append(
                  backend.describe(),
                  stream,
                  writer,
                  payloads.size(),
                  System.nanoTime() - start,
                  outcome));
    }
  }

  private static List<Entry> appendNow(
      JdbcBackend backend,
      String stream,
      String writer,
      List<byte[]> payloads,
      OptionalLong expectedSeq,
      EntrySignatures.@Nullable Signer signer) {
    Signing signing = null;
    if (signer != null) {
      ensureSignatureTable(backend);
      signing = Signing.ahead(backend, stream, writer, payloads, signer);
    }
    try {
      // A caller's transaction commits when the caller says, so its appends cannot share a commit.
      if (backend.groupsAppends() && !backend.inTransactionOnThisThread()) {
        return backend.appendQueue.append(
            backend, new GroupWriting(backend), stream, writer, payloads, expectedSeq, signing);
      }
      return appendAlone(backend, stream, writer, payloads, expectedSeq, signing);
    } catch (RuntimeException | Error e) {
      if (signing != null) {
        signing.failed(backend, stream, writer);
      }
      throw e;
    }
  }

  /**
   * A signed append's signer, and the entries and signatures its caller made before the append took
   * the chain's lock (or SQLite's one writer): built on the head this process last saw, so that
   * signing, the slow part, runs on the appending threads side by side. They are used when that
   * head is still the head; otherwise the entries are signed again, holding the lock.
   */
  record Signing(
      EntrySignatures.Signer signer,
      HeadCache.@Nullable Guess seen,
      @Nullable List<Entry> guessed,
      byte @Nullable [][] presigned,
      HeadCache.@Nullable Guess leaves) {
    static Signing ahead(
        JdbcBackend backend,
        String stream,
        String writer,
        List<byte[]> payloads,
        EntrySignatures.Signer signer) {
      // Past the remembered head when an append of this process to the chain is on its way: in a
      // group, appends to one chain are written one after the other, each on the one before.
      HeadCache.Guess seen = backend.headCache.signingBase(stream, writer);
      if (seen == null) {
        return new Signing(signer, null, null, null, null);
      }
      List<Entry> guessed = chain(stream, writer, seen.seq(), seen.hash(), payloads);
      Entry last = guessed.get(guessed.size() - 1);
      HeadCache.Guess leaves = new HeadCache.Guess(last.seq(), last.contentHash());
      // Announced before signing, the slow part, so that the next appender need not wait for it.
      backend.headCache.signedAhead(stream, writer, leaves);
      return new Signing(signer, seen, guessed, EntrySignatures.sign(guessed, signer), leaves);
    }

    /** Whether the entries were made on {@code head}, so that their signatures hold. */
    boolean heldAt(long seq, byte @Nullable [] hash) {
      return seen != null && seen.seq() == seq && Arrays.equals(seen.hash(), hash);
    }

    /**
     * Inserts the signature rows of {@code entries}, appended after {@code head}: those made ahead
     * when {@code made} says the entries are the ones signed ahead, new ones otherwise.
     */
    void insertSignatures(
        JdbcBackend backend,
        Conn conn,
        SqlDialect sql,
        List<Entry> entries,
        long head,
        boolean made)
        throws SQLException {
      if (made) {
        EntrySignatures.insert(
            conn, sql, entries, head, signer.publicKey(), Objects.requireNonNull(presigned));
        return;
      }
      EntrySignatures.insert(
          conn, sql, entries, head, signer.publicKey(), EntrySignatures.sign(entries, signer));
      // Appends signed ahead after this one were signed on a head that will not be: the next ones
      // sign on the head this one really leaves, or every one after them would be signed again.
      Entry last = entries.get(entries.size() - 1);
      backend.headCache.signedAhead(
          last.stream(), last.writer(), new HeadCache.Guess(last.seq(), last.contentHash()));
    }

    /** The append failed: its head will not be, unless a later one was signed ahead since. */
    void failed(JdbcBackend backend, String stream, String writer) {
      if (leaves != null) {
        backend.headCache.signedAheadFailed(stream, writer, leaves);
      }
    }
  }

  /** How a group commit's leader writes, for {@link AppendQueue}. */
  private record GroupWriting(JdbcBackend backend) implements AppendQueue.Writing {
    @Override
    public List<Entry> alone(AppendQueue.Request request) {
      return appendAlone(
          backend,
          request.stream,
          request.writer,
          request.payloads,
          request.expectedSeq,
          request.signing);
    }

    @Override
    public void together(List<AppendQueue.Request> group) {
      if (backend.batchesGroups()) {
        appendTogetherBatched(backend, group);
      } else {
        appendTogether(backend, group);
      }
    }
  }

  /**
   * Writes the appends of {@code group} in one write transaction, each after the head it finds
   * there (which includes the group's earlier appends to its chain): an append that fails (a
   * conflict with its expected seq, a malformed head, a statement error of its own batch) fails
   * alone, undone to its savepoint where it wrote more than one entry. A single entry's statement
   * that fails takes the transaction with it; nothing of the group is then committed, and every
   * append of the group is written again alone by its own thread, so that the one at fault fails
   * alone. An error of the transaction itself (busy, a failed commit) fails the whole group, and
   * nothing of it is acknowledged.
   */
  private static void appendTogether(JdbcBackend backend, List<AppendQueue.Request> queued) {
    SqlDialect sql = backend.sql();
    List<AppendQueue.Request> group = signedInGuessOrder(queued);
    int size = group.size();
    // Rebuilt by every attempt: a busy store makes write() run the whole group again.
    List<@Nullable List<Entry>> outcomes = new ArrayList<>(size);
    List<@Nullable StoreException> failed = new ArrayList<>(size);
    boolean committed =
        writeGroup(
            backend,
            group,
            group,
            (tx, statementFailure) -> {
              outcomes.clear();
              failed.clear();
              Conn conn = tx.conn();
              Map<String, Entry> written = new HashMap<>();
              for (AppendQueue.Request request : group) {
                // A single entry is one INSERT, atomic by itself, after checks that write nothing;
                // a
                // batch of several, or an entry and its signature, needs the savepoint to be undone
                // as a whole.
                boolean savepoint = request.payloads.size() > 1 || request.signing != null;
                if (savepoint) {
                  conn.prepare(SAVEPOINT).execute();
                }
                List<Entry> entries;
                try {
                  entries = appendInGroup(backend, conn, sql, request, written);
                } catch (StoreException | SQLException e) {
                  if (!savepoint && e instanceof SQLException failure) {
                    // Without a savepoint to undo it to, the statement ends the group's
                    // transaction.
                    statementFailure.failed = true;
                    throw failure;
                  }
                  if (savepoint) {
                    // Undoing the savepoint fails when the error ended the transaction: then the
                    // group fails with that error.
                    conn.prepare(ROLLBACK_TO_SAVEPOINT).execute();
                    conn.prepare(RELEASE_SAVEPOINT).execute();
                  }
                  outcomes.add(null);
                  failed.add(
                      e instanceof SQLException cause
                          ? backend.translate(
                              cause, "append to " + request.stream + "/" + request.writer)
                          : (StoreException) e);
                  continue;
                }
                if (savepoint) {
                  conn.prepare(RELEASE_SAVEPOINT).execute();
                }
                tx.afterCommit(CommitEvent.of(entries.get(entries.size() - 1)));
                outcomes.add(entries);
                failed.add(null);
              }
            });
    if (!committed) {
      return;
    }
    for (int i = 0; i < size; i++) {
      AppendQueue.Request request = group.get(i);
      List<Entry> entries = outcomes.get(i);
      // The remembered heads were set by appendInGroup as each append was written.
      if (entries == null) {
        request.fail(Objects.requireNonNull(failed.get(i)));
      } else {
        request.succeed(entries);
      }
    }
  }

  /** The body of a group's transaction, which marks {@code failure} when a statement ends it. */
  @FunctionalInterface
  private interface GroupBody {
    void write(Tx tx, StatementFailure failure) throws SQLException;
  }

  /**
   * Writes {@code group}'s transaction with {@code body}. Returns true once it is committed; false
   * when a statement of one append ended it, having left every request of {@code retried} to be
   * written again alone (see {@link StatementFailure}). Throws when the transaction itself failed.
   */
  private static boolean writeGroup(
      JdbcBackend backend,
      List<AppendQueue.Request> group,
      List<AppendQueue.Request> retried,
      GroupBody body) {
    StatementFailure failure = new StatementFailure();
    try {
      backend.write(
          backend.budget(),
          groupWhat(group),
          false,
          tx -> {
            failure.failed = false;
            body.write(tx, failure);
            return Boolean.TRUE;
          });
      return true;
    } catch (StoreException e) {
      failure.runAloneOrThrow(retried, e);
      return false;
    }
  }

  /**
   * Whether the last try of a group's transaction ended because a statement of one of its appends
   * failed, before anything was committed. The appends are then written again, each alone: the one
   * at fault fails with its own error and the others are not failed for it. A failure of the
   * transaction itself (busy, a lost or failed commit) is the group's and fails all of it.
   */
  private static final class StatementFailure {
    boolean failed;

    void runAloneOrThrow(List<AppendQueue.Request> group, StoreException e) {
      if (!failed) {
        throw e;
      }
      for (AppendQueue.Request request : group) {
        request.runAlone();
      }
    }
  }

  /** What a group's errors name: its first append, and how many more share its transaction. */
  private static String groupWhat(List<AppendQueue.Request> group) {
    AppendQueue.Request first = group.get(0);
    return "append to "
        + first.stream
        + "/"
        + first.writer
        + " and "
        + (group.size() - 1)
        + " more appends committed with it";
  }

  /**
   * One append of a batched group: the request, the entry it becomes and, for a signed append, the
   * signature its caller made ahead for that entry.
   */
  private record Planned(AppendQueue.Request request, Entry entry, byte @Nullable [] signature) {}

  /**
   * Writes the single appends of {@code group} as one batch of guarded inserts in one transaction,
   * each on the head this process remembers for its chain (for a later append of the same chain in
   * the group, the entry of the one before it: the statements of a batch run in order, each seeing
   * the rows of those before), then the signature rows of the signed ones: made ahead by their
   * callers when on that very head, made again here otherwise. An insert whose guess is stale
   * inserts nothing, as does one whose seq another process took; that append, and every append the
   * group could not plan (a batch, an optimistic append, a chain with no remembered head), is left
   * out, unwritten, and written alone by its own thread after the group. No statement of the batch
   * waits for a lock (the guard only tries the chain's), so two processes' groups cannot deadlock.
   */
  private static void appendTogetherBatched(JdbcBackend backend, List<AppendQueue.Request> queued) {
    SqlDialect sql = backend.sql();
    List<AppendQueue.Request> group = signedInGuessOrder(queued);
    // The head each chain will have when an append of the group comes to it; null when an append
    // of the chain was left out, so that the later ones wait for it rather than overtake it.
    Map<List<String>, HeadCache.@Nullable Guess> heads = new HashMap<>();
    List<Planned> firsts = new ArrayList<>();
    List<Planned> afters = new ArrayList<>();
    for (AppendQueue.Request request : group) {
      List<String> chain = List.of(request.stream, request.writer);
      HeadCache.Guess guess =
          heads.containsKey(chain)
              ? heads.get(chain)
              : backend.headCache.get(request.stream, request.writer);
      Signing signing = request.signing;
      if (request.payloads.size() != 1 || request.expectedSeq.isPresent() || guess == null) {
        request.runAlone();
        heads.put(chain, null);
        continue;
      }
      Entry entry;
      byte[] signature = null;
      if (signing != null && signing.heldAt(guess.seq(), guess.hash())) {
        entry = Objects.requireNonNull(signing.guessed()).get(0);
        signature = Objects.requireNonNull(signing.presigned())[0];
      } else {
        entry = next(request.stream, request.writer, guess, request.payloads.get(0));
        if (signing != null) {
          // Signed ahead on a head the batch does not give it: signed again here, as a SQLite
          // group does, and the appends signed after it build on the head it will leave.
          signature = EntrySignatures.sign(List.of(entry), signing.signer())[0];
          backend.headCache.signedAhead(
              request.stream,
              request.writer,
              new HeadCache.Guess(entry.seq(), entry.contentHash()));
        }
      }
      heads.put(chain, new HeadCache.Guess(entry.seq(), entry.contentHash()));
      (entry.seq() == 1 ? firsts : afters).add(new Planned(request, entry, signature));
    }
    if (firsts.isEmpty() && afters.isEmpty()) {
      return;
    }
    List<Planned> written = new ArrayList<>();
    List<AppendQueue.Request> batched = new ArrayList<>();
    firsts.forEach(each -> batched.add(each.request()));
    afters.forEach(each -> batched.add(each.request()));
    boolean committed =
        writeGroup(
            backend,
            group,
            batched,
            (tx, statementFailure) -> {
              written.clear();
              Conn conn = tx.conn();
              try {
                // First entries of their chains, then the rest: a chain's seq 1 before its seq 2.
                batch(conn, sql.insertFirstIfAbsent(), firsts, sql, written);
                batch(conn, sql.insertAfterIfAbsent(), afters, sql, written);
                insertSignatures(conn, sql, written);
              } catch (SQLException e) {
                // One statement of the batch failed (a trigger or constraint of the server refused
                // its row, say) and aborted the transaction.
                statementFailure.failed = true;
                throw e;
              }
              for (Planned planned : written) {
                tx.afterCommit(CommitEvent.of(planned.entry()));
              }
            });
    if (!committed) {
      return;
    }
    Set<AppendQueue.Request> done = new HashSet<>();
    for (Planned planned : written) {
      Entry entry = planned.entry();
      backend.headCache.put(entry.stream(), entry.writer(), entry.seq(), entry.contentHash());
      planned.request().succeed(List.of(entry));
      done.add(planned.request());
    }
    for (Planned planned : firsts) {
      leftOut(backend, planned, done);
    }
    for (Planned planned : afters) {
      leftOut(backend, planned, done);
    }
  }

  /**
   * Runs the guarded inserts of {@code planned} as one batch; adds those that took to {@code
   * written}.
   */
  private static void batch(
      Conn conn, String insertSql, List<Planned> planned, SqlDialect sql, List<Planned> written)
      throws SQLException {
    if (planned.isEmpty()) {
      return;
    }
    PreparedStatement insert = conn.prepare(insertSql);
    for (Planned each : planned) {
      Conn.bind(insert, guardedParameters(sql, each.entry(), EntryArrays.payload(each.entry())));
      insert.addBatch();
    }
    int[] counts = insert.executeBatch();
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] == 1) {
        written.add(planned.get(i));
      } else if (counts[i] != 0) {
        throw new SQLException(
            "a guarded insert of a batched group reported "
                + counts[i]
                + " rows for "
                + planned.get(i).entry().stream()
                + "/"
                + planned.get(i).entry().writer()
                + " seq "
                + planned.get(i).entry().seq()
                + "; expected 0 or 1");
      }
    }
  }

  /**
   * Inserts, as one batch, the signature rows of the signed appends of {@code written} (their
   * entries are in). A row already at one of their seqs was left behind by a cut tail: the
   * statement then fails the batch, so that each append is written again alone and that one is
   * refused by itself ({@code SIGNED_ENTRY_MISSING}).
   */
  private static void insertSignatures(Conn conn, SqlDialect sql, List<Planned> written)
      throws SQLException {
    List<Planned> signed = new ArrayList<>();
    for (Planned planned : written) {
      if (planned.signature() != null) {
        signed.add(planned);
      }
    }
    if (signed.isEmpty()) {
      return;
    }
    PreparedStatement insert = conn.prepare(sql.insertSigIfAbsentInBatch());
    for (Planned planned : signed) {
      Entry entry = planned.entry();
      Signing signing = Objects.requireNonNull(planned.request().signing);
      Conn.bind(
          insert,
          entry.stream(),
          entry.writer(),
          entry.seq(),
          signing.signer().publicKey(),
          planned.signature());
      insert.addBatch();
    }
    int[] counts = insert.executeBatch();
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] != 1) {
        Entry entry = signed.get(i).entry();
        throw new SQLException(
            "a signature row of "
                + entry.stream()
                + "/"
                + entry.writer()
                + " seq "
                + entry.seq()
                + " was there before its entry");
      }
    }
  }

  /**
   * Leaves {@code planned} to run alone when its guarded insert did not take, forgetting its guess.
   */
  private static void leftOut(JdbcBackend backend, Planned planned, Set<AppendQueue.Request> done) {
    if (!done.contains(planned.request())) {
      backend.headCache.forget(planned.entry().stream(), planned.entry().writer());
      planned.request().runAlone();
    }
  }

  /**
   * {@code group} with the signed appends of each chain in the order of the seqs they were signed
   * ahead for, in the places the chain's signed appends held: a thread that signed ahead on the
   * head another one will leave may join the line before it, and written in line order both would
   * be signed again. Appends waiting in line together are concurrent, so any order among them is
   * one they could have had; an append's place among other chains', unsigned or unguessed ones does
   * not change.
   */
  private static List<AppendQueue.Request> signedInGuessOrder(List<AppendQueue.Request> group) {
    Map<String, List<Integer>> places = null;
    for (int i = 0; i < group.size(); i++) {
      AppendQueue.Request request = group.get(i);
      if (request.signing != null && request.signing.seen() != null) {
        if (places == null) {
          places = new HashMap<>();
        }
        places
            .computeIfAbsent(chainKey(request.stream, request.writer), k -> new ArrayList<>())
            .add(i);
      }
    }
    if (places == null) {
      return group;
    }
    List<AppendQueue.Request> ordered = null;
    for (List<Integer> chain : places.values()) {
      if (chain.size() < 2) {
        continue;
      }
      List<AppendQueue.Request> requests = new ArrayList<>(chain.size());
      for (int i : chain) {
        requests.add(group.get(i));
      }
      requests.sort(
          Comparator.comparingLong(
              r -> Objects.requireNonNull(Objects.requireNonNull(r.signing).seen()).seq()));
      if (ordered == null) {
        ordered = new ArrayList<>(group);
      }
      for (int k = 0; k < chain.size(); k++) {
        ordered.set(chain.get(k), requests.get(k));
      }
    }
    return ordered == null ? group : ordered;
  }

  /** One string per chain, for the maps of a group's chains. */
  private static String chainKey(String stream, String writer) {
    return stream + "\u0000" + writer;
  }

  private static final String SAVEPOINT = "SAVEPOINT agent_store_append";
  private static final String ROLLBACK_TO_SAVEPOINT = "ROLLBACK TO SAVEPOINT agent_store_append";
  private static final String RELEASE_SAVEPOINT = "RELEASE SAVEPOINT agent_store_append";

  /**
   * One append of a group, inside the group's transaction and the append's savepoint. {@code
   * written} holds the last entry the group's transaction wrote to each chain so far, and gets this
   * append's.
   */
  private static List<Entry> appendInGroup(
      JdbcBackend backend,
      Conn conn,
      SqlDialect sql,
      AppendQueue.Request request,
      Map<String, Entry> written)
      throws SQLException {
    String stream = request.stream;
    String writer = request.writer;
    String key = chainKey(stream, writer);
    List<Entry> entries = appendInGroup(backend, conn, sql, request, written.get(key));
    written.put(key, entries.get(entries.size() - 1));
    return entries;
  }

  private static List<Entry> appendInGroup(
      JdbcBackend backend,
      Conn conn,
      SqlDialect sql,
      AppendQueue.Request request,
      @Nullable Entry ownHead)
      throws SQLException {
    String stream = request.stream;
    String writer = request.writer;
    boolean single =
        request.payloads.size() == 1 && request.expectedSeq.isEmpty() && request.signing == null;
    if (single && ownHead != null) {
      // The chain's head is an entry of this very transaction: no other appender can have written
      // after it (its seq is taken only by chaining on a row nobody else sees yet), so the insert
      // needs no guard. The guarded form costs more than the insert itself on SQLite, which reads
      // the table of an INSERT … SELECT through a copy: 8 threads on one chain append about 20 %
      // faster without it.
      List<Entry> entries =
          chain(stream, writer, ownHead.seq(), ownHead.contentHash(), request.payloads);
      insert(conn, sql, entries);
      Entry entry = entries.get(0);
      backend.headCache.put(stream, writer, entry.seq(), entry.contentHash());
      return entries;
    }
    if (single) {
      // The remembered head saves the head read, as a lone append's one statement does: the
      // guarded INSERT only takes effect while the guess is still the head. Remembered before the
      // commit, a guess the group then loses is only a stale guess, which the guard refuses.
      HeadCache.Guess guess = backend.headCache.get(stream, writer);
      if (guess != null) {
        byte[] payload = request.payloads.get(0);
        Entry entry = next(stream, writer, guess, payload);
        try {
          if (insertAfterGuess(backend, conn, sql, entry, payload)) {
            backend.headCache.put(stream, writer, entry.seq(), entry.contentHash());
            return List.of(entry);
          }
        } catch (SQLException e) {
          // A first entry guessed where another process wrote one: the key refuses the statement
          // alone, and the transaction goes on.
          if (backend.classify(e) != ErrorKind.UNIQUE_VIOLATION) {
            throw e;
          }
        }
        backend.headCache.forget(stream, writer);
      }
    }
    HeadRef head = lockAndReadHead(backend, conn, sql, stream, writer);
    if (request.expectedSeq.isPresent() && request.expectedSeq.getAsLong() != head.seq()) {
      throw new AppendConflictException(
          stream, writer, request.expectedSeq.getAsLong(), head.seq());
    }
    Signing signing = request.signing;
    // Signed ahead on the head the caller saw: an earlier append of the group to the same chain,
    // or another process, may have moved it since.
    boolean made = signing != null && signing.heldAt(head.seq(), head.hash());
    List<Entry> entries =
        made
            ? Objects.requireNonNull(signing.guessed())
            : chain(stream, writer, head.seq(), head.hash(), request.payloads);
    insert(conn, sql, entries);
    if (signing != null) {
      signing.insertSignatures(backend, conn, sql, entries, head.seq(), made);
    }
    Entry last = entries.get(entries.size() - 1);
    backend.headCache.put(stream, writer, last.seq(), last.contentHash());
    return entries;
  }

  /**
   * Inserts {@code entry}, made on the head this process remembers, inside a group's transaction;
   * whether it did. Where that transaction keeps other writers out, the guess is checked by a query
   * and the entry then inserted as it is: cheaper on SQLite than the guarded {@code INSERT …
   * SELECT}, which reads the table it inserts into through a copy (8 threads on their own chains,
   * about 5 % more appends). Elsewhere, the guarded insert.
   */
  private static boolean insertAfterGuess(
      JdbcBackend backend, Conn conn, SqlDialect sql, Entry entry, byte[] payload)
      throws SQLException {
    if (entry.seq() == 1 || !backend.writesExclusively()) {
      return insertGuarded(conn, sql, entry, payload);
    }
    PreparedStatement check =
        conn.prepare(
            sql.entryIs(), entry.stream(), entry.writer(), entry.seq() - 1, entry.prevHash());
    try (ResultSet rs = check.executeQuery()) {
      if (!rs.next()) {
        return false;
      }
    }
    insert(conn, sql, List.of(entry));
    return true;
  }

  private static List<Entry> appendAlone(
      JdbcBackend backend,
      String stream,
      String writer,
      List<byte[]> payloads,
      OptionalLong expectedSeq,
      @Nullable Signing signing) {
    SqlDialect sql = backend.sql();
    String what = "append to " + stream + "/" + writer;
    // One deadline for every wait of this append, the one-statement tries and the locked path.
    BusyBudget budget = backend.budget();
    boolean raced = false;
    if (payloads.size() == 1
        && signing == null
        && expectedSeq.isEmpty()
        && backend.singleStatementAppends()
        && !backend.inTransactionOnThisThread()) {
      if (backend.headCache.contended(stream, writer)) {
        raced = true;
      } else {
        Entry entry = appendOneStatement(backend, budget, stream, writer, payloads.get(0), what);
        if (entry != null) {
          return List.of(entry);
        }
        raced = true;
      }
    }
    // Only a transaction this call begins may be committed by its insert; a caller's runs on.
    boolean ownTransaction = !backend.inTransactionOnThisThread();
    boolean[] othersAppended = {false};
    List<Entry> appended =
        backend.write(
            budget,
            what,
            true,
            tx -> {
              HeadRef head = lockAndReadHead(backend, tx.conn(), sql, stream, writer);
              // This process's own appends keep the remembered head current; a head past it
              // was written by another process (or by a thread whose append is still returning).
              HeadCache.Guess remembered = backend.headCache.get(stream, writer);
              othersAppended[0] = remembered == null || remembered.seq() != head.seq();
              if (expectedSeq.isPresent() && expectedSeq.getAsLong() != head.seq()) {
                throw new AppendConflictException(
                    stream, writer, expectedSeq.getAsLong(), head.seq());
              }
              // A signed append was signed ahead (see Signing); signed again here only when
              // another appender moved the head in between.
              boolean made = signing != null && signing.heldAt(head.seq(), head.hash());
              List<Entry> entries =
                  made
                      ? Objects.requireNonNull(signing.guessed())
                      : chain(stream, writer, head.seq(), head.hash(), payloads);
              if (signing == null
                  && ownTransaction
                  && tx.owned()
                  && entries.size() == 1
                  && sql.insertCommitting() != null) {
                insertCommitting(tx.conn(), sql, entries.get(0));
              } else {
                insert(tx.conn(), sql, entries);
              }
              if (signing != null) {
                signing.insertSignatures(backend, tx.conn(), sql, entries, head.seq(), made);
              }
              tx.afterCommit(CommitEvent.of(entries.get(entries.size() - 1)));
              return entries;
            });
    Entry last = appended.get(appended.size() - 1);
    backend.headCache.put(stream, writer, last.seq(), last.contentHash());
    // Another process appends to this chain too: its next appends go straight to the lock, until
    // one finds that nobody appended since this process's last append.
    backend.headCache.contended(stream, writer, raced && othersAppended[0]);
    return appended;
  }

  /**
   * Inserts {@code entry} and commits the transaction in the same round trip (see {@link
   * SqlDialect#insertCommitting()}).
   */
  private static void insertCommitting(Conn conn, SqlDialect sql, Entry entry) throws SQLException {
    PreparedStatement insert = conn.prepare(sql.insertCommitting());
    Conn.bind(
        insert,
        entry.stream(),
        entry.writer(),
        entry.seq(),
        entry.prevHash(),
        entry.contentHash(),
        sql.payloadParameter(EntryArrays.payload(entry)));
    insert.execute();
  }

  /** Inserts {@code entries} as they are: one statement for one entry, one batch for several. */
  private static void insert(Conn conn, SqlDialect sql, List<Entry> entries) throws SQLException {
    PreparedStatement insert = conn.prepare(sql.insert());
    for (Entry entry : entries) {
      Conn.bind(
          insert,
          entry.stream(),
          entry.writer(),
          entry.seq(),
          entry.prevHash(),
          entry.contentHash(),
          // The entry's own array: a batch keeps every bound value until it runs.
          sql.payloadParameter(EntryArrays.payload(entry)));
      if (entries.size() == 1) {
        insert.executeUpdate();
      } else {
        insert.addBatch();
      }
    }
    if (entries.size() > 1) {
      insert.executeBatch();
    }
  }

  /** Attempts at the one-statement append before falling back to the locked transaction. */
  private static final int ONE_STATEMENT_ATTEMPTS = 3;

  /**
   * Appends with one auto-committed INSERT built on the cached head, guarded so that it only
   * inserts when the guessed head is still the head: seq 1 relies on the primary key, later seqs
   * also on the predecessor existing with the guessed hash. The insert also yields to an appender
   * holding the chain's lock, so the locked path never loses a race to it. Returns null when the
   * guess kept losing races; the caller then takes the locked path, which always makes progress.
   */
  private static @Nullable Entry appendOneStatement(
      JdbcBackend backend,
      BusyBudget budget,
      String stream,
      String writer,
      byte[] payload,
      String what) {
    SqlDialect sql = backend.sql();
    for (int attempt = 1; attempt <= ONE_STATEMENT_ATTEMPTS; attempt++) {
      try {
        // Hashed before the connection is taken, from the head this process last saw; hashed
        // again, holding it, only when another thread appended in between, so that threads of
        // one process appending to one chain take turns instead of losing races to each other.
        HeadCache.Guess seen = backend.headCache.get(stream, writer);
        Entry hashed = seen == null ? null : next(stream, writer, seen, payload);
        Entry appended =
            backend.autocommit(
                budget,
                what,
                conn -> {
                  HeadCache.Guess guess = backend.headCache.get(stream, writer);
                  if (guess == null) {
                    HeadRef head = readHead(conn, sql, stream, writer);
                    guess = new HeadCache.Guess(head.seq(), head.hash());
                  }
                  Entry entry =
                      guess == seen && hashed != null
                          ? hashed
                          : next(stream, writer, guess, payload);
                  if (!insertGuarded(conn, sql, entry, payload)) {
                    return null;
                  }
                  // Before the connection is handed on: the next thread's guess is this entry.
                  backend.headCache.put(stream, writer, entry.seq(), entry.contentHash());
                  return entry;
                });
        if (appended != null) {
          backend.ring(CommitEvent.of(appended));
          return appended;
        }
        backend.headCache.forget(stream, writer);
      } catch (SQLException e) {
        ErrorKind kind = backend.classify(e);
        if (kind == ErrorKind.BUSY) {
          // The locked path tries again with what is left of the deadline.
          backend.noteBusy(budget, e);
          budget.retrying(what, backend.describe());
          return null;
        }
        if (kind != ErrorKind.UNIQUE_VIOLATION) {
          throw backend.translate(e, what);
        }
        backend.headCache.forget(stream, writer);
      }
    }
    return null;
  }

  /** The entry {@code payload} makes after the guessed head. */
  private static Entry next(String stream, String writer, HeadCache.Guess head, byte[] payload) {
    return chain(stream, writer, head.seq(), head.hash(), List.of(payload)).get(0);
  }

  /**
   * Inserts {@code entry} with one auto-committed statement that takes effect only while its
   * predecessor is the head it was hashed after (see {@link SqlDialect#insertAfter()}); whether it
   * did.
   */
  private static boolean insertGuarded(Conn conn, SqlDialect sql, Entry entry, byte[] payload)
      throws SQLException {
    PreparedStatement insert =
        conn.prepare(entry.seq() == 1 ? sql.insertFirst() : sql.insertAfter());
    Conn.bind(insert, guardedParameters(sql, entry, payload));
    return insert.executeUpdate() == 1;
  }

  /**
   * The parameters of {@link SqlDialect#insertFirst()} (seq 1) or {@link SqlDialect#insertAfter()}
   * for {@code entry}.
   */
  private static Object[] guardedParameters(SqlDialect sql, Entry entry, byte[] payload) {
    String stream = entry.stream();
    String writer = entry.writer();
    List<Object> params = new ArrayList<>();
    if (entry.seq() == 1) {
      params.addAll(
          List.of(stream, writer, 1L, entry.contentHash(), sql.payloadParameter(payload)));
    } else {
      byte[] prev = Objects.requireNonNull(entry.prevHash(), "prevHash past seq 1");
      params.addAll(
          List.of(
              stream,
              writer,
              entry.seq(),
              prev,
              entry.contentHash(),
              sql.payloadParameter(payload),
              stream,
              writer,
              entry.seq() - 1,
              prev));
    }
    params.addAll(sql.chainFreeParameters(stream, writer));
    return params.toArray();
  }

  /** The entries that {@code payloads} become when appended after {@code (seq, hash)}. */
  static List<Entry> chain(
      String stream, String writer, long seq, byte @Nullable [] hash, List<byte[]> payloads) {
    Blake3 blake3 = Blake3.forThisThread();
    List<Entry> entries = new ArrayList<>(payloads.size());
    byte[] prev = hash;
    long next = seq;
    for (byte[] payload : payloads) {
      next++;
      byte[] content = blake3.chain(prev, payload);
      // The payloads are the library's own copies: each entry keeps its array, not another copy.
      entries.add(EntryArrays.adopting(stream, writer, next, prev, content, payload));
      prev = content;
    }
    return entries;
  }

  /**
   * Inserts entries written elsewhere exactly as they are, after checking that they form a chain
   * (contiguous seqs, each prev_hash the previous content_hash, each content_hash {@code
   * BLAKE3(prev_hash || payload)}) and that the first one continues the stored head, all in one
   * write transaction. Nothing is written when a check fails.
   */
  public static void importEntries(
      JdbcBackend backend, String stream, String writer, List<Entry> entries) {
    importEntries(backend, stream, writer, entries, List.of());
  }

  /**
   * Like {@link #importEntries(JdbcBackend, String, String, List)}, also inserting {@code
   * signatures} (checked against the entries first) in the same transaction.
   */
  public static void importEntries(
      JdbcBackend backend,
      String stream,
      String writer,
      List<Entry> entries,
      List<dev.agentstore.EntrySignature> signatures) {
    checkLinks(stream, writer, entries);
    EntrySignatures.checkImport(entries, signatures);
    if (!signatures.isEmpty()) {
      ensureSignatureTable(backend);
    }
    SqlDialect sql = backend.sql();
    Entry first = entries.get(0);
    Entry last = entries.get(entries.size() - 1);
    backend.write(
        "import into " + stream + "/" + writer,
        true,
        tx -> {
          backend.lockChain(tx.conn(), stream, writer);
          HeadRef head = readHead(tx.conn(), sql, stream, writer);
          if (head.seq() != first.seq() - 1) {
            throw new AppendConflictException(stream, writer, first.seq() - 1, head.seq());
          }
          if (head.seq() > 0 && !Arrays.equals(head.hash(), first.prevHash())) {
            throw new ChainBrokenException(
                stream, writer, first.seq(), Reason.PREV_HASH_MISMATCH, head.seq());
          }
          insert(tx.conn(), sql, entries);
          if (!signatures.isEmpty()) {
            EntrySignatures.insertAll(tx.conn(), sql, signatures);
          }
          tx.afterCommit(CommitEvent.of(last));
          return Boolean.TRUE;
        });
    backend.headCache.put(stream, writer, last.seq(), last.contentHash());
  }

  /** Checks that {@code entries} belong to one chain and link to each other; see importEntries. */
  private static void checkLinks(String stream, String writer, List<Entry> entries) {
    Blake3 blake3 = Blake3.forThisThread();
    Entry previous = null;
    for (Entry entry : entries) {
      if (!entry.stream().equals(stream) || !entry.writer().equals(writer)) {
        throw new dev.agentstore.InvalidInputException(
            "cannot import "
                + entry.stream()
                + "/"
                + entry.writer()
                + " seq "
                + entry.seq()
                + " with entries of "
                + stream
                + "/"
                + writer
                + "; import one chain at a time");
      }
      long seq = entry.seq();
      byte[] prev = entry.prevHash();
      if (previous != null && seq != previous.seq() + 1) {
        throw new ChainBrokenException(stream, writer, seq, Reason.GAP, previous.seq() + 1, seq);
      }
      if (seq == 1 && prev != null) {
        throw new ChainBrokenException(stream, writer, seq, Reason.UNEXPECTED_PREV_HASH);
      }
      if (seq > 1 && prev == null) {
        throw new ChainBrokenException(stream, writer, seq, Reason.NULL_PREV_HASH);
      }
      if (previous != null && !Arrays.equals(prev, previous.contentHash())) {
        throw new ChainBrokenException(stream, writer, seq, Reason.PREV_HASH_MISMATCH, seq - 1);
      }
      if (!Arrays.equals(blake3.chain(prev, EntryArrays.payload(entry)), entry.contentHash())) {
        throw new ChainBrokenException(stream, writer, seq, Reason.HASH_MISMATCH);
      }
      previous = entry;
    }
  }

  // ---------------------------------------------------------------- reads

  public static Optional<Entry> headEntry(JdbcBackend backend, String stream, String writer) {
    SqlDialect sql = backend.sql();
    Optional<RawRow> row =
        backend.read(
            "reading the head of " + stream + "/" + writer,
            conn -> {
              PreparedStatement statement = conn.prepare(sql.headEntry(), stream, writer);
              try (ResultSet rs = statement.executeQuery()) {
                return rs.next() ? Optional.of(ChainReader.read(rs)) : Optional.<RawRow>empty();
              }
            });
    return row.map(r -> r.toEntry(stream, writer));
  }

  public static List<Head> heads(JdbcBackend backend, @Nullable String stream) {
    SqlDialect sql = backend.sql();
    return backend.read(
        stream == null ? "listing heads" : "listing heads of " + stream,
        conn -> {
          PreparedStatement statement =
              stream == null
                  ? conn.prepare(sql.heads(false))
                  : conn.prepare(sql.heads(true), stream);
          List<Head> heads = new ArrayList<>();
          try (ResultSet rs = statement.executeQuery()) {
            while (rs.next()) {
              String s = rs.getString(1);
              String w = rs.getString(2);
              long seq = rs.getLong(3);
              Object stored = rs.getObject(4);
              byte[] hash = ChainReader.bytes(stored);
              if (!"blob".equals(ChainReader.storedType(stored))
                  || hash == null
                  || hash.length != Blake3.HASH_BYTES) {
                throw new MalformedRowException(
                    s,
                    w,
                    seq,
                    Reason.MALFORMED_HASH,
                    "the head's content_hash is not a 32-byte BLOB");
              }
              heads.add(new Head(s, w, seq, hash));
            }
          }
          return heads;
        });
  }

  public static List<String> streams(JdbcBackend backend) {
    return backend.read(
        "listing streams",
        conn -> {
          List<String> streams = new ArrayList<>();
          try (ResultSet rs = conn.prepare(backend.sql().streams()).executeQuery()) {
            while (rs.next()) {
              streams.add(rs.getString(1));
            }
          }
          return streams;
        });
  }

  // ---------------------------------------------------------------- verify

  /**
   * Verifies a chain from seq 1, streaming it page by page. Returns the last entry's head, empty
   * for a chain with no entries; throws {@link ChainBrokenException} at the first broken seq.
   */
  public static Optional<Head> verify(JdbcBackend backend, String stream, String writer) {
    return verify(backend, stream, writer, verified -> {});
  }

  /**
   * Like {@link #verify(JdbcBackend, String, String)}, calling {@code progress} with the number of
   * entries verified so far as verification advances and once at the end.
   */
  public static Optional<Head> verify(
      JdbcBackend backend, String stream, String writer, LongConsumer progress) {
    return verify(backend, stream, writer, progress, false);
  }

  /**
   * Verifies the hash chain, then, when the chain has signatures or {@code requireSignatures}
   * applies to its writer, the signatures of the entries whose links verified; the failure at the
   * lowest seq of the two passes is the one thrown.
   */
  public static Optional<Head> verify(
      JdbcBackend backend,
      String stream,
      String writer,
      LongConsumer progress,
      boolean requireSignatures) {
    if (!backend.listened()) {
      return verifyNow(backend, stream, writer, progress, requireSignatures);
    }
    long start = System.nanoTime();
    Optional<Head> head;
    try {
      head = verifyNow(backend, stream, writer, progress, requireSignatures);
    } catch (ChainBrokenException e) {
      // Every entry before the first broken seq verified.
      reportVerify(backend, stream, writer, Math.max(0, e.seq() - 1), start, false);
      throw e;
    }
    reportVerify(backend, stream, writer, head.map(Head::seq).orElse(0L), start, true);
    return head;
  }

  private static Optional<Head> verifyNow(
      JdbcBackend backend,
      String stream,
      String writer,
      LongConsumer progress,
      boolean requireSignatures) {
    if (!EntrySignatures.mustCheck(backend, stream, writer, requireSignatures)) {
      return ChainVerifier.verify(backend, stream, writer, progress);
    }
    Optional<Head> head;
    try {
      head = ChainVerifier.verify(backend, stream, writer, progress);
    } catch (ChainBrokenException broken) {
      // A signature failure before the broken link is the first failure of the chain.
      EntrySignatures.verify(backend, stream, writer, broken.seq() - 1, requireSignatures);
      throw broken;
    }
    long top = head.map(Head::seq).orElse(0L);
    EntrySignatures.verify(backend, stream, writer, top, requireSignatures);
    EntrySignatures.requireNoOrphans(backend, stream, writer, top);
    return head;
  }

  private static void reportVerify(
      JdbcBackend backend, String stream, String writer, long entries, long start, boolean intact) {
    backend
        .listener()
        .onVerify(
            new StoreListener.Verify(
                backend.describe(), stream, writer, entries, System.nanoTime() - start, intact));
  }

  /** The most problems a storage check collects before it stops looking. */
  static final int MAX_STORAGE_PROBLEMS = 100;

  /**
   * Runs the backend's storage check. Returns false when the backend has none; throws {@link
   * DamagedStoreException} when the check finds a problem, or the file is too damaged to check.
   */
  public static boolean checkStorage(JdbcBackend backend) {
    // One more than is kept, to tell "exactly the limit" from "the check stopped at the limit".
    String check = backend.sql().storageCheck(MAX_STORAGE_PROBLEMS + 1);
    if (check == null) {
      return false;
    }
    String name = backend.sql().storageCheckName();
    List<String> problems =
        backend.read(
            "checking the storage",
            conn -> {
              List<String> found = new ArrayList<>();
              try (var statement = conn.jdbc().createStatement();
                  ResultSet rows = statement.executeQuery(check)) {
                while (rows.next()) {
                  String line = rows.getString(1);
                  // Older SQLite releases put several problems in one row, a line each.
                  for (String problem : String.valueOf(line).split("\\R")) {
                    if (!problem.isBlank()) {
                      found.add(problem.strip());
                    }
                  }
                }
              } catch (SQLException e) {
                if (backend.classify(e) != ErrorKind.CORRUPT) {
                  throw e;
                }
                // A page so damaged that the check itself cannot walk the file.
                throw new DamagedStoreException(
                    backend.describe(), name, List.of(String.valueOf(e.getMessage())), false, e);
              }
              return found;
            });
    if (problems.equals(List.of("ok"))) {
      return true;
    }
    if (problems.isEmpty()) {
      problems = List.of("the check returned no result");
    }
    boolean more = problems.size() > MAX_STORAGE_PROBLEMS;
    throw new DamagedStoreException(
        backend.describe(),
        name,
        more ? problems.subList(0, MAX_STORAGE_PROBLEMS) : problems,
        more,
        null);
  }

  // ---------------------------------------------------------------- generations

  public static long currentGeneration(JdbcBackend backend, String key) {
    return backend.read("reading generation " + key, conn -> current(conn, backend.sql(), key));
  }

  /**
   * Adds one, in one statement that only matches an integer below {@link Long#MAX_VALUE}; when it
   * matches nothing, the row is read to say why: a malformed value or the largest one.
   */
  public static long bumpGeneration(JdbcBackend backend, String key) {
    SqlDialect sql = backend.sql();
    return backend.writeOneStatement(
        "bumping generation " + key,
        conn -> {
          PreparedStatement statement = conn.prepare(sql.bumpGeneration(), key);
          try (ResultSet rs = statement.executeQuery()) {
            if (rs.next()) {
              long value = exactValue(rs.getObject(1), key);
              // Stepping past the only row finishes the statement, and with it an auto-commit: a
              // failed commit is reported here rather than lost when the result set is closed.
              rs.next();
              return value;
            }
          }
          long current = current(conn, sql, key);
          if (current == Long.MAX_VALUE) {
            throw NonMonotonicGenerationException.atMaximum(key);
          }
          throw new StoreException(
              "generation " + key + " was not bumped although it holds " + current);
        });
  }

  public static void setGeneration(JdbcBackend backend, String key, long value) {
    SqlDialect sql = backend.sql();
    backend.write(
        "setting generation " + key,
        true,
        tx -> {
          Conn conn = tx.conn();
          if (value < 0) {
            // An absent counter reads 0, and the conditional upsert below would insert.
            long current = current(conn, sql, key);
            if (value < current) {
              throw new NonMonotonicGenerationException(key, current, value);
            }
          }
          try (ResultSet rs = conn.prepare(sql.setGeneration(), key, value).executeQuery()) {
            if (rs.next()) {
              return exactValue(rs.getObject(1), key);
            }
          }
          // The upsert matches only an integer at or below the value: a malformed row throws here.
          throw new NonMonotonicGenerationException(key, current(conn, sql, key), value);
        });
  }

  private static long current(Conn conn, SqlDialect sql, String key) throws SQLException {
    try (ResultSet rs = conn.prepare(sql.currentGeneration(), key).executeQuery()) {
      return rs.next() ? exactValue(rs.getObject(1), key) : 0L;
    }
  }

  /**
   * A generation value as stored, exactly: a 64-bit integer, or {@link MalformedRowException}
   * naming the key and what the row holds. SQLite keeps any type in {@code ival} despite its
   * INTEGER affinity (a REAL 1.5, TEXT 'abc', the REAL 2^63 the reference crate leaves after
   * overflowing), and the driver's {@code getLong} would silently truncate each of them.
   */
  static long exactValue(@Nullable Object stored, String key) {
    if (stored instanceof Long || stored instanceof Integer) {
      return ((Number) stored).longValue();
    }
    throw MalformedRowException.generation(key, describe(stored));
  }

  private static String describe(@Nullable Object stored) {
    if (stored == null) {
      return "NULL";
    }
    if (stored instanceof Double || stored instanceof Float) {
      return "REAL " + stored;
    }
    if (stored instanceof String text) {
      return "TEXT " + Names.quote(text);
    }
    if (stored instanceof byte[] blob) {
      return "a BLOB of " + blob.length + " bytes";
    }
    return "a " + stored.getClass().getSimpleName() + " (" + stored + ")";
  }
}
