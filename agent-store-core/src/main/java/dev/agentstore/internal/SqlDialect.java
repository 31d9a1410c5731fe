package dev.agentstore.internal;

import java.sql.SQLException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The SQL a backend speaks for agent-store's own tables. The statements that are the same on every
 * backend are written here once; a backend overrides what differs (types, introspection).
 */
public abstract class SqlDialect {
  public static final String LOG_TABLE = "_agent_store_log";
  public static final String META_TABLE = "_agent_store_meta";

  /**
   * The side table of entry signatures: agent-store's own, beside the two reference tables, which
   * it leaves exactly as the reference crate lays them down.
   */
  public static final String SIG_TABLE = "_agent_store_sig";

  private final String log;
  private final String meta;
  private final String sig;

  /**
   * @param log the log table as statements name it (schema-qualified where the backend needs it)
   * @param meta the generation table as statements name it
   * @param sig the signature table as statements name it
   */
  protected SqlDialect(String log, String meta, String sig) {
    this.log = log;
    this.meta = meta;
    this.sig = sig;
  }

  /** Statements that must run before the tables can be created (e.g. creating a schema). */
  public java.util.List<String> prepareSchema() {
    return java.util.List.of();
  }

  /** A column as the database reports it. */
  public record Column(String name, String type, boolean notNull, int primaryKeyPosition) {}

  /** {@code CREATE TABLE IF NOT EXISTS} for the generation table. */
  public abstract String createMeta();

  /** {@code CREATE TABLE IF NOT EXISTS} for the log table. */
  public abstract String createLog();

  /**
   * {@code CREATE TABLE IF NOT EXISTS} for the signature table: {@code (stream, writer, seq,
   * public_key, signature)}, keyed like the log.
   */
  public abstract String createSig();

  /** The layout {@link #createSig()} makes, as {@link #columns} reports it. */
  public abstract List<Column> expectedSig();

  /**
   * A query with one parameter, a table name of agent-store's, that returns a row when that table
   * exists in the store.
   */
  public abstract String tableExists();

  /** Inserts one signature row: binds stream, writer, seq, public key, signature. */
  public String insertSig() {
    return "INSERT INTO "
        + sig
        + " (stream, writer, seq, public_key, signature) VALUES (?, ?, ?, ?, ?)";
  }

  /**
   * Like {@link #insertSig()}, inserting nothing when the key already has a row: the update count
   * then tells that a signature row was there before its entry.
   */
  public String insertSigIfAbsent() {
    return insertSig() + " ON CONFLICT DO NOTHING";
  }

  /**
   * {@link #insertSigIfAbsent()} as {@code INSERT ... SELECT}, for a batch: pgjdbc's {@code
   * reWriteBatchedInserts} folds a batch of {@code INSERT ... VALUES} into multi-row statements and
   * then reports no update count per row, while this form keeps one statement, and one count, each.
   */
  public String insertSigIfAbsentInBatch() {
    return "INSERT INTO "
        + sig
        + " (stream, writer, seq, public_key, signature) SELECT ?, ?, ?, ?, ? WHERE 1 = 1"
        + " ON CONFLICT DO NOTHING";
  }

  /**
   * The lowest seq above a given one at which the chain has a signature row but no entry (binds
   * stream, writer, seq); NULL when there is none. Entries and their signatures commit together, so
   * such a row means the entry was deleted.
   */
  public String orphanSig() {
    return "SELECT MIN(s.seq) FROM "
        + sig
        + " s WHERE s.stream = ? AND s.writer = ? AND s.seq > ? AND NOT EXISTS (SELECT 1 FROM "
        + log
        + " l WHERE l.stream = s.stream AND l.writer = s.writer AND l.seq = s.seq)";
  }

  /**
   * The lowest seq above a given one at which the chain has a signature row (binds stream, writer,
   * seq); NULL when there is none. Asked by an append after inserting its entries and before their
   * signatures, when every signature row past the head it appended after is one left behind.
   */
  public String sigAfter() {
    return "SELECT MIN(seq) FROM " + sig + " WHERE stream = ? AND writer = ? AND seq > ?";
  }

  /** Returns a row when the chain {@code (stream, writer)} has at least one signature row. */
  public String anySig() {
    return "SELECT 1 FROM " + sig + " WHERE stream = ? AND writer = ? LIMIT 1";
  }

  /**
   * The signatures of a chain's entries: seq, content_hash, public_key and signature (both NULL for
   * an unsigned entry) of the entries after a seq up to another, in order, at most a number.
   */
  public String sigPage() {
    return "SELECT l.seq, l.content_hash, s.public_key, s.signature FROM "
        + log
        + " l LEFT JOIN "
        + sig
        + " s ON s.stream = l.stream AND s.writer = l.writer AND s.seq = l.seq"
        + " WHERE l.stream = ? AND l.writer = ? AND l.seq > ? AND l.seq <= ? ORDER BY l.seq LIMIT ?";
  }

  /**
   * The signature rows of a chain with seqs in a range (after one seq, up to another), in order:
   * seq, public_key, signature.
   */
  public String sigsBetween() {
    return "SELECT seq, public_key, signature FROM "
        + sig
        + " WHERE stream = ? AND writer = ? AND seq > ? AND seq <= ? ORDER BY seq";
  }

  /** The layout {@link #createMeta()} makes, as {@link #columns} reports it. */
  public abstract List<Column> expectedMeta();

  /** The layout {@link #createLog()} makes, as {@link #columns} reports it. */
  public abstract List<Column> expectedLog();

  /** The columns of {@code table} in declaration order; empty when the table does not exist. */
  public abstract List<Column> columns(Conn conn, String table) throws SQLException;

  /**
   * The statement that checks the database's storage — every page, record and index of the file —
   * returning one row per problem found (at most {@code maxProblems}), or the single row {@code
   * ok}; null where the backend has no such check.
   */
  public @Nullable String storageCheck(int maxProblems) {
    return null;
  }

  /** The check {@link #storageCheck} runs, as messages name it. */
  public String storageCheckName() {
    return "no storage check";
  }

  /** {@code column} ordered by the bytes of its UTF-8 form, the order of the reference crate. */
  public abstract String byteOrder(String column);

  public String head() {
    return "SELECT seq, content_hash FROM "
        + log
        + " WHERE stream = ? AND writer = ? ORDER BY seq DESC LIMIT 1";
  }

  /** The head's seq and the length of its payload, for sizing the segments of a verify. */
  public String headPayloadLength() {
    return "SELECT seq, length(payload) FROM "
        + log
        + " WHERE stream = ? AND writer = ? ORDER BY seq DESC LIMIT 1";
  }

  /** The columns {@code ChainReader.read} expects. */
  private String entryColumns() {
    return "SELECT seq, prev_hash, content_hash, payload, " + wellFormed() + " FROM " + log;
  }

  /**
   * An expression that is 1 when the row's values have their storage types (prev_hash NULL or a
   * BLOB, content_hash and payload BLOBs), so that readers fetch the storage type of each column
   * only for the rare row that has not; hash lengths are checked on the bytes read ({@code
   * RawRow.malformation}).
   */
  protected abstract String wellFormed();

  /** The SQL of {@code Recall} on this backend: the vector side table and its statements. */
  public abstract RecallSql recall();

  public String headEntry() {
    return entryColumns() + " WHERE stream = ? AND writer = ? ORDER BY seq DESC LIMIT 1";
  }

  public String insert() {
    return "INSERT INTO "
        + log
        + " (stream, writer, seq, prev_hash, content_hash, payload)"
        + " VALUES (?, ?, ?, ?, ?, ?)";
  }

  /**
   * The one-statement append of a chain's first entry: binds stream, writer, seq, content hash and
   * payload, then {@link #chainFreeParameters}. Inserts nothing while another appender holds the
   * chain's lock; the primary key rejects it when the chain already has entries.
   */
  public String insertFirst() {
    return "INSERT INTO "
        + log
        + " (stream, writer, seq, content_hash, payload) SELECT ?, ?, ?, ?, ? WHERE "
        + chainFree();
  }

  /**
   * The one-statement append after a guessed head: only takes effect when the entry before it
   * exists with the given hash and no other appender holds the chain's lock. Binds the six columns,
   * then stream, writer, previous seq and previous hash, then {@link #chainFreeParameters}.
   */
  public String insertAfter() {
    return "INSERT INTO "
        + log
        + " (stream, writer, seq, prev_hash, content_hash, payload) SELECT ?, ?, ?, ?, ?, ? WHERE"
        + " EXISTS (SELECT 1 FROM "
        + log
        + " WHERE stream = ? AND writer = ? AND seq = ? AND content_hash = ?) AND "
        + chainFree();
  }

  /**
   * One row when the chain {@code (stream, writer)} has an entry at the seq with the hash bound
   * (stream, writer, seq, content hash), none otherwise: the guard of {@link #insertAfter()} as a
   * query of its own, for a transaction that no other writer can enter.
   */
  public String entryIs() {
    return "SELECT 1 FROM "
        + log
        + " WHERE stream = ? AND writer = ? AND seq = ? AND content_hash = ?";
  }

  /**
   * {@link #insertAfter()} that also inserts nothing, rather than failing, when the seq is taken:
   * for a batch inside a transaction that one lost race must not end.
   */
  public String insertAfterIfAbsent() {
    return insertAfter() + " ON CONFLICT DO NOTHING";
  }

  /** {@link #insertFirst()} that inserts nothing, rather than failing, when seq 1 is taken. */
  public String insertFirstIfAbsent() {
    return insertFirst() + " ON CONFLICT DO NOTHING";
  }

  /**
   * A condition that holds unless a transaction of another appender holds the lock of the chain
   * (see {@code JdbcBackend.lockChain}), so that a one-statement append never slips in between that
   * transaction's head read and its insert. Always true where there are no chain locks.
   */
  protected String chainFree() {
    return "1 = 1";
  }

  /**
   * Takes the chain's lock and reads its head in one round trip: two statements, so that the head
   * is read with a snapshot taken after the lock was granted. Binds {@link #lockedHeadParameters}.
   * Null where the lock is taken on its own ({@code JdbcBackend.lockChain}) or there is none.
   */
  public @Nullable String lockedHead() {
    return null;
  }

  /** The parameters of {@link #lockedHead()} for the chain {@code (stream, writer)}. */
  public List<Object> lockedHeadParameters(String stream, String writer) {
    return List.of();
  }

  /**
   * One entry's {@link #insert()} followed by the {@code COMMIT} of the transaction it runs in,
   * sent in one round trip; null where the driver cannot send both at once.
   */
  public @Nullable String insertCommitting() {
    return null;
  }

  /**
   * The parameter that binds a payload, for {@link Conn#bind}: the array itself, or {@link
   * Conn.StreamedBytes} where the driver's {@code setBytes} would copy it.
   */
  public Object payloadParameter(byte[] payload) {
    return payload;
  }

  /** The parameters of {@link #chainFree()} for the chain {@code (stream, writer)}. */
  public List<Object> chainFreeParameters(String stream, String writer) {
    return List.of();
  }

  /** Entries after a seq, in order, with the storage types verify checks. */
  public String page() {
    return entryColumns() + " WHERE stream = ? AND writer = ? AND seq > ? ORDER BY seq LIMIT ?";
  }

  /** Like {@link #page()}, with an upper bound on seq after the lower one. */
  public String pageThrough() {
    return entryColumns()
        + " WHERE stream = ? AND writer = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?";
  }

  public String streams() {
    // GROUP BY, not DISTINCT: PostgreSQL rejects ORDER BY an expression (the byte-order collation)
    // that is not in the select list of a SELECT DISTINCT.
    return "SELECT stream FROM " + log + " GROUP BY stream ORDER BY " + byteOrder("stream");
  }

  /** Every chain's head, optionally of one stream, in byte order of stream then writer. */
  public String heads(boolean oneStream) {
    return "SELECT h.stream, h.writer, h.seq, l.content_hash FROM"
        + " (SELECT stream, writer, MAX(seq) AS seq FROM "
        + log
        + ""
        + (oneStream ? " WHERE stream = ?" : "")
        + " GROUP BY stream, writer) h"
        + " JOIN "
        + log
        + " l ON l.stream = h.stream AND l.writer = h.writer AND l.seq ="
        + " h.seq ORDER BY "
        + byteOrder("h.stream")
        + ", "
        + byteOrder("h.writer");
  }

  public String currentGeneration() {
    return "SELECT ival FROM " + meta + " WHERE key = ?";
  }

  /**
   * Adds one to a counter and returns the new value; returns no row for a counter at the largest
   * 64-bit value, which SQLite would otherwise turn into an inexact REAL, or one whose stored value
   * is not an integer.
   */
  public String bumpGeneration() {
    return "INSERT INTO "
        + meta
        + " AS m (key, ival) VALUES (?, 1) ON CONFLICT (key) DO UPDATE SET ival = m.ival + 1"
        + " WHERE m.ival < "
        + Long.MAX_VALUE
        + storedAsInteger("m.ival")
        + " RETURNING ival";
  }

  /**
   * Sets a counter unless that would move it backwards; returns no row when it would, or when the
   * stored value is not an integer.
   */
  public String setGeneration() {
    return "INSERT INTO "
        + meta
        + " AS m (key, ival) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET ival = excluded.ival"
        + " WHERE m.ival <= excluded.ival"
        + storedAsInteger("m.ival")
        + " RETURNING ival";
  }

  /**
   * A condition (starting with {@code AND}) that {@code column} holds an integer, or nothing where
   * the column's type guarantees it. SQLite keeps REAL, TEXT or BLOB values in an INTEGER column,
   * and arithmetic on them would write another malformed value instead of refusing.
   */
  protected String storedAsInteger(String column) {
    return "";
  }
}
