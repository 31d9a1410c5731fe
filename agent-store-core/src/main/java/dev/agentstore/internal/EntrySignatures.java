package dev.agentstore.internal;

import dev.agentstore.ChainBrokenException;
import dev.agentstore.ChainBrokenException.Reason;
import dev.agentstore.Entry;
import dev.agentstore.EntrySignature;
import dev.agentstore.Fingerprint;
import dev.agentstore.WriterPublicKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Entry signatures: the exact bytes an entry's signature covers, the rows that hold signatures, and
 * the pass of {@code verify} that checks them.
 *
 * <p>The signed message binds the entry to its place, so that neither a row nor its signature can
 * be moved to another stream, writer or seq: {@code "agent-store/entry-sig"} (21 ASCII bytes), the
 * version byte {@code 0x01}, then the stream and the writer as UTF-8, each after its length as a
 * 4-byte big-endian unsigned integer, the seq as an 8-byte big-endian integer, and the 32-byte
 * content hash (which covers prev_hash and the payload).
 */
public final class EntrySignatures {
  /** The domain-separation tag at the start of every signed entry message. */
  static final byte[] TAG = "agent-store/entry-sig".getBytes(StandardCharsets.US_ASCII);

  /** The version of the message layout, after the tag. */
  static final byte VERSION = 1;

  /** How many rows one read of the signature pass covers. */
  private static final int PAGE = 1024;

  private EntrySignatures() {}

  /** What signs entries for an append: a key the caller holds. */
  public interface Signer {
    /** The raw 32-byte public key stored beside each signature. */
    byte[] publicKey();

    /** The 64-byte signature of {@code message}. */
    byte[] sign(byte[] message);
  }

  /** The message an entry's signature covers; see the class comment for the layout. */
  public static byte[] message(String stream, String writer, long seq, byte[] contentHash) {
    byte[] s = stream.getBytes(StandardCharsets.UTF_8);
    byte[] w = writer.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(
            TAG.length + 1 + 4 + s.length + 4 + w.length + 8 + contentHash.length)
        .put(TAG)
        .put(VERSION)
        .putInt(s.length)
        .put(s)
        .putInt(w.length)
        .put(w)
        .putLong(seq)
        .put(contentHash)
        .array();
  }

  /** {@return the signatures of {@code entries} by {@code signer}, one per entry, in order} */
  static byte[][] sign(List<Entry> entries, Signer signer) {
    byte[][] signatures = new byte[entries.size()][];
    for (int i = 0; i < signatures.length; i++) {
      Entry entry = entries.get(i);
      signatures[i] =
          signer.sign(message(entry.stream(), entry.writer(), entry.seq(), entry.contentHash()));
    }
    return signatures;
  }

  /**
   * Inserts the signature row of every entry, in the transaction of the entries' insert, where
   * {@code head} is the seq the entries follow. A signature row already at a new entry's seq is
   * left by a deleted entry (entries and signatures commit together): the append fails with {@link
   * Reason#SIGNED_ENTRY_MISSING} rather than overwrite the evidence. One entry finds out from its
   * own insert; a batch asks first, since batch update counts are not reliable on every driver.
   */
  static void insert(
      Conn conn,
      SqlDialect sql,
      List<Entry> entries,
      long head,
      byte[] publicKey,
      byte[][] signatures)
      throws SQLException {
    Entry first = entries.get(0);
    if (entries.size() == 1) {
      PreparedStatement insert = conn.prepare(sql.insertSigIfAbsent());
      Conn.bind(insert, first.stream(), first.writer(), first.seq(), publicKey, signatures[0]);
      if (insert.executeUpdate() == 0) {
        throw new ChainBrokenException(
            first.stream(),
            first.writer(),
            first.seq(),
            Reason.SIGNED_ENTRY_MISSING,
            first.seq(),
            head);
      }
      return;
    }
    // The entries are inserted already, so a row left at one of their seqs is no longer without
    // its entry: any signature row past the head is one left behind.
    try (ResultSet rs =
        conn.prepare(sql.sigAfter(), first.stream(), first.writer(), head).executeQuery()) {
      if (rs.next()) {
        long left = rs.getLong(1);
        if (!rs.wasNull()) {
          throw new ChainBrokenException(
              first.stream(), first.writer(), left, Reason.SIGNED_ENTRY_MISSING, left, head);
        }
      }
    }
    PreparedStatement insert = conn.prepare(sql.insertSig());
    for (int i = 0; i < signatures.length; i++) {
      Entry entry = entries.get(i);
      Conn.bind(insert, entry.stream(), entry.writer(), entry.seq(), publicKey, signatures[i]);
      insert.addBatch();
    }
    insert.executeBatch();
  }

  /**
   * Whether {@code writer} is a key's fingerprint, as a signed append names it: 64 lower-case hex
   * characters. Only such a writer's entries must be signed when signatures are required, and only
   * their keys are checked against the name.
   */
  public static boolean isFingerprintName(String writer) {
    if (writer.length() != Fingerprint.BYTES * 2) {
      return false;
    }
    for (int i = 0; i < writer.length(); i++) {
      char c = writer.charAt(i);
      if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return true;
  }

  /** Whether the store has the signature table. */
  public static boolean tableExists(JdbcBackend backend) {
    return backend.read(
        "looking for " + SqlDialect.SIG_TABLE,
        conn -> {
          try (ResultSet rs =
              conn.prepare(backend.sql().tableExists(), SqlDialect.SIG_TABLE).executeQuery()) {
            return rs.next();
          }
        });
  }

  /**
   * Whether a verify of {@code (stream, writer)} must look at signatures: when they are required of
   * this writer, or when the chain has signature rows. One probe of the catalogue, and one of the
   * signature table's key when it exists: no per-entry work for an unsigned chain.
   */
  public static boolean mustCheck(
      JdbcBackend backend, String stream, String writer, boolean required) {
    if (required && isFingerprintName(writer)) {
      return true;
    }
    if (!tableExists(backend)) {
      return false;
    }
    return backend.read(
        "looking for signatures of " + stream + "/" + writer,
        conn -> {
          try (ResultSet rs = conn.prepare(backend.sql().anySig(), stream, writer).executeQuery()) {
            return rs.next();
          }
        });
  }

  /**
   * Checks the signatures of seqs 1 to {@code through} of a chain whose hash links up to there are
   * already verified: every signature present must verify over the entry's message, the key of a
   * fingerprint-named writer must be the writer's, and with {@code required} every entry of a
   * fingerprint-named writer must be signed. Throws at the first seq that fails.
   */
  public static void verify(
      JdbcBackend backend, String stream, String writer, long through, boolean required) {
    boolean named = isFingerprintName(writer);
    boolean mustSign = required && named;
    if (through < 1) {
      return;
    }
    if (!tableExists(backend)) {
      if (mustSign) {
        throw unsigned(stream, writer, 1);
      }
      return;
    }
    SqlDialect sql = backend.sql();
    long after = 0;
    while (after < through) {
      long from = after;
      List<SigRow> rows =
          backend.read(
              "reading the signatures of " + stream + "/" + writer + " after seq " + from,
              conn -> {
                List<SigRow> page = new java.util.ArrayList<>(PAGE);
                PreparedStatement statement =
                    conn.prepare(sql.sigPage(), stream, writer, from, through, PAGE);
                try (ResultSet rs = statement.executeQuery()) {
                  while (rs.next()) {
                    page.add(
                        new SigRow(
                            rs.getLong(1),
                            ChainReader.bytes(rs.getObject(2)),
                            ChainReader.bytes(rs.getObject(3)),
                            ChainReader.bytes(rs.getObject(4)),
                            rs.getObject(3) != null));
                  }
                }
                return page;
              });
      if (rows.isEmpty()) {
        return;
      }
      for (SigRow row : rows) {
        check(row, stream, writer, named, mustSign);
        after = row.seq();
      }
    }
  }

  /**
   * The signature rows of {@code (stream, writer)} with seqs after {@code after} up to {@code
   * through}; empty when the store has no signature table.
   *
   * @throws ChainBrokenException ({@code BAD_SIGNATURE}) at a malformed row
   */
  public static List<EntrySignature> read(
      JdbcBackend backend, String stream, String writer, long after, long through) {
    if (!tableExists(backend)) {
      return List.of();
    }
    return backend.read(
        "reading the signatures of " + stream + "/" + writer + " after seq " + after,
        conn -> {
          List<EntrySignature> found = new java.util.ArrayList<>();
          PreparedStatement statement =
              conn.prepare(backend.sql().sigsBetween(), stream, writer, after, through);
          try (ResultSet rs = statement.executeQuery()) {
            while (rs.next()) {
              long seq = rs.getLong(1);
              byte[] key = ChainReader.bytes(rs.getObject(2));
              byte[] signature = ChainReader.bytes(rs.getObject(3));
              if (key == null || key.length != WriterPublicKey.BYTES || signature == null) {
                throw new ChainBrokenException(
                    stream,
                    writer,
                    seq,
                    Reason.BAD_SIGNATURE,
                    "malformed signature row: public_key of "
                        + (key == null ? "no" : key.length)
                        + " bytes");
              }
              found.add(
                  new EntrySignature(stream, writer, seq, WriterPublicKey.of(key), signature));
            }
          }
          return found;
        });
  }

  /**
   * Checks that {@code signatures} belong to {@code entries} (one each at most, same chain) and
   * that each verifies over its entry, with the writer's key when the writer is a fingerprint: what
   * an import checks before it writes anything.
   */
  public static void checkImport(List<Entry> entries, List<EntrySignature> signatures) {
    if (signatures.isEmpty()) {
      return;
    }
    Entry first = entries.get(0);
    String stream = first.stream();
    String writer = first.writer();
    boolean named = isFingerprintName(writer);
    long previous = Long.MIN_VALUE;
    for (EntrySignature sig : signatures) {
      long seq = sig.seq();
      if (!sig.stream().equals(stream)
          || !sig.writer().equals(writer)
          || seq < first.seq()
          || seq >= first.seq() + entries.size()
          || seq <= previous) {
        throw new dev.agentstore.InvalidInputException(
            "cannot import the signature of "
                + sig.stream()
                + "/"
                + sig.writer()
                + " seq "
                + seq
                + " with entries "
                + first.seq()
                + ".."
                + (first.seq() + entries.size() - 1)
                + " of "
                + stream
                + "/"
                + writer
                + ": signatures must be of those entries, in seq order, one each at most");
      }
      previous = seq;
      Entry entry = entries.get((int) (seq - first.seq()));
      check(
          new SigRow(seq, entry.contentHash(), sig.publicKey().bytes(), sig.signature(), true),
          stream,
          writer,
          named,
          false);
    }
  }

  /** Inserts signature rows as they are, in the current transaction. */
  static void insertAll(Conn conn, SqlDialect sql, List<EntrySignature> signatures)
      throws SQLException {
    PreparedStatement insert = conn.prepare(sql.insertSig());
    for (EntrySignature sig : signatures) {
      Conn.bind(
          insert, sig.stream(), sig.writer(), sig.seq(), sig.publicKey().bytes(), sig.signature());
      insert.addBatch();
    }
    insert.executeBatch();
  }

  /**
   * Throws {@link Reason#SIGNED_ENTRY_MISSING} when the chain has a signature row above {@code
   * head} whose entry is gone: what a cut tail leaves when the signature table was not cut too.
   */
  static void requireNoOrphans(Conn conn, SqlDialect sql, String stream, String writer, long head)
      throws SQLException {
    try (ResultSet rs = conn.prepare(sql.orphanSig(), stream, writer, head).executeQuery()) {
      if (rs.next()) {
        long orphan = rs.getLong(1);
        if (!rs.wasNull()) {
          throw new ChainBrokenException(
              stream, writer, head + 1, Reason.SIGNED_ENTRY_MISSING, orphan, head);
        }
      }
    }
  }

  /**
   * Like {@link #requireNoOrphans(Conn, SqlDialect, String, String, long)}, on a read connection.
   */
  public static void requireNoOrphans(
      JdbcBackend backend, String stream, String writer, long head) {
    if (!tableExists(backend)) {
      return;
    }
    backend.read(
        "looking for signatures past the head of " + stream + "/" + writer,
        conn -> {
          requireNoOrphans(conn, backend.sql(), stream, writer, head);
          return Boolean.TRUE;
        });
  }

  private record SigRow(
      long seq,
      byte @Nullable [] contentHash,
      byte @Nullable [] publicKey,
      byte @Nullable [] signature,
      boolean signed) {}

  private static void check(
      SigRow row, String stream, String writer, boolean named, boolean mustSign) {
    long seq = row.seq();
    if (!row.signed()) {
      if (mustSign) {
        throw unsigned(stream, writer, seq);
      }
      return;
    }
    byte[] key = row.publicKey();
    byte[] signature = row.signature();
    if (key == null
        || key.length != WriterPublicKey.BYTES
        || signature == null
        || signature.length != WriterPublicKey.SIGNATURE_BYTES) {
      throw new ChainBrokenException(
          stream,
          writer,
          seq,
          Reason.BAD_SIGNATURE,
          "malformed signature row: public_key of "
              + (key == null ? "no" : key.length)
              + " bytes, signature of "
              + (signature == null ? "no" : signature.length)
              + " bytes (want "
              + WriterPublicKey.BYTES
              + " and "
              + WriterPublicKey.SIGNATURE_BYTES
              + ")");
    }
    WriterPublicKey publicKey = WriterPublicKey.of(key);
    if (named) {
      String fingerprint = publicKey.fingerprint().toHex();
      if (!fingerprint.equals(writer)) {
        throw new ChainBrokenException(
            stream, writer, seq, Reason.KEY_MISMATCH, publicKey.toHex(), fingerprint);
      }
    }
    byte[] hash = row.contentHash();
    if (hash == null || !publicKey.verifies(message(stream, writer, seq, hash), signature)) {
      throw new ChainBrokenException(
          stream,
          writer,
          seq,
          Reason.BAD_SIGNATURE,
          "the signature by key "
              + publicKey.toHex()
              + " does not verify: the entry was altered, moved from another stream, writer or"
              + " seq, or forged");
    }
  }

  private static ChainBrokenException unsigned(String stream, String writer, long seq) {
    return new ChainBrokenException(stream, writer, seq, Reason.UNSIGNED);
  }
}
