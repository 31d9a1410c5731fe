package dev.agentstore.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.agentstore.AppendConflictException;
import dev.agentstore.Backend;
import dev.agentstore.ChainBrokenException;
import dev.agentstore.ChainBrokenException.Reason;
import dev.agentstore.Checkpoint;
import dev.agentstore.Entry;
import dev.agentstore.Head;
import dev.agentstore.VerifyOptions;
import dev.agentstore.WriterKey;
import dev.agentstore.WriterLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The tamper matrix on signed chains: each way of altering a chain through plain SQL is reported by
 * {@link WriterLog#verify} at the right chain and seq, with the reason. Signed appends write the
 * reference tables exactly as unsigned ones, plus a row of {@code _agent_store_sig} each.
 */
public abstract class TamperContract extends BackendContract {
  private static final String STREAM = "conv";
  private static final int LENGTH = 10;

  private WriterKey key;
  private String writer;
  private List<Entry> chain;

  @BeforeEach
  void writeSignedChains() {
    key = WriterKey.generate();
    writer = key.fingerprint().toHex();
    chain = new ArrayList<>();
    // Every form of signed append: one entry, a batch, optimistic one and batch.
    chain.add(WriterLog.append(store, STREAM, key, payload(1)));
    chain.addAll(WriterLog.appendAll(store, STREAM, key, List.of(payload(2), payload(3))));
    chain.add(WriterLog.append(store, STREAM, key, payload(4), 3));
    chain.addAll(
        WriterLog.appendAll(
            store,
            STREAM,
            key,
            List.of(payload(5), payload(6), payload(7), payload(8), payload(9), payload(10)),
            4));
    // Neighbours that must stay intact: an unsigned chain and the same key on another stream.
    appendMany(store, STREAM, "bob", 4);
    WriterLog.append(store, "other", key, payload(1));
  }

  private static byte[] payload(int i) {
    return utf8("signed turn " + i);
  }

  @Test
  void signedAppendsWriteTheEntryAsAnUnsignedAppendWouldAndVerify() {
    assertValidChain(chain);
    for (Entry entry : chain) {
      assertEquals(writer, entry.writer());
    }
    assertStoredChain(store, STREAM, writer, LENGTH);
    Head head = chain.get(LENGTH - 1).toHead();
    assertEquals(Optional.of(head), WriterLog.verify(store, STREAM, writer));
    assertEquals(
        Optional.of(head),
        WriterLog.verify(store, STREAM, writer, VerifyOptions.requiringSignatures()));
    assertEquals(
        List.of((long) LENGTH),
        store.query(
            "SELECT COUNT(*) FROM _agent_store_sig WHERE stream = ? AND writer = ?",
            row -> row.getLong(1),
            STREAM,
            writer));
    assertEquals(
        List.of(key.publicKey().toHex()),
        store.query(
            "SELECT DISTINCT public_key FROM _agent_store_sig WHERE writer = ?",
            row -> dev.agentstore.internal.Hex.encode(row.getBytes(1)),
            writer));
    // Each signature covers the message laid out in the README, built here independently.
    for (Entry entry : chain) {
      byte[] signature =
          store
              .query(
                  "SELECT signature FROM _agent_store_sig WHERE stream = ? AND writer = ? AND seq = ?",
                  row -> row.getBytes(1),
                  STREAM,
                  writer,
                  entry.seq())
              .get(0);
      assertEquals(
          true,
          key.publicKey()
              .verifies(
                  signedMessage(STREAM, writer, entry.seq(), entry.contentHash()), signature));
    }
  }

  @Test
  void anOptimisticSignedAppendAgainstAMovedHeadWritesNothing() {
    assertThrows(
        AppendConflictException.class, () -> WriterLog.append(store, STREAM, key, payload(99), 3));
    assertEquals(LENGTH, WriterLog.head(store, STREAM, writer).orElseThrow().seq());
    assertSignatureRows(LENGTH);
  }

  @Test
  void anEditedPayloadBreaksAtItsSeq() {
    exec(
        "UPDATE _agent_store_log SET payload = ? WHERE stream = ? AND writer = ? AND seq = ?",
        utf8("edited"),
        STREAM,
        writer,
        4L);
    assertBroken(STREAM, writer, 4, Reason.HASH_MISMATCH);
  }

  @Test
  void aDeletedEntryBreaksAtTheSeqAfterTheGap() {
    exec(
        "DELETE FROM _agent_store_log WHERE stream = ? AND writer = ? AND seq = ?",
        STREAM,
        writer,
        5L);
    assertBroken(STREAM, writer, 6, Reason.GAP);
  }

  @Test
  void swappedPayloadsBreakAtTheFirstOfThem() {
    byte[] third = chain.get(2).payload();
    byte[] fourth = chain.get(3).payload();
    exec(
        "UPDATE _agent_store_log SET payload = ? WHERE stream = ? AND writer = ? AND seq = ?",
        fourth,
        STREAM,
        writer,
        3L);
    exec(
        "UPDATE _agent_store_log SET payload = ? WHERE stream = ? AND writer = ? AND seq = ?",
        third,
        STREAM,
        writer,
        4L);
    assertBroken(STREAM, writer, 3, Reason.HASH_MISMATCH);
  }

  @Test
  void aBadLinkBreaksAtItsSeq() {
    exec(
        "UPDATE _agent_store_log SET prev_hash = ? WHERE stream = ? AND writer = ? AND seq = ?",
        new byte[32],
        STREAM,
        writer,
        6L);
    assertBroken(STREAM, writer, 6, Reason.PREV_HASH_MISMATCH);
  }

  @Test
  void aNullLinkBreaksAtItsSeq() {
    exec(
        "UPDATE _agent_store_log SET prev_hash = NULL WHERE stream = ? AND writer = ? AND seq = ?",
        STREAM,
        writer,
        6L);
    assertBroken(STREAM, writer, 6, Reason.NULL_PREV_HASH);
  }

  @Test
  void reorderedEntriesBreakAtTheFirstMovedSeq() {
    // Rows 3 and 4 exchange their seqs, signature rows with them.
    for (String table : List.of("_agent_store_log", "_agent_store_sig")) {
      exec(
          "UPDATE " + table + " SET seq = -1 WHERE stream = ? AND writer = ? AND seq = 3",
          STREAM,
          writer);
      exec(
          "UPDATE " + table + " SET seq = 3 WHERE stream = ? AND writer = ? AND seq = 4",
          STREAM,
          writer);
      exec(
          "UPDATE " + table + " SET seq = 4 WHERE stream = ? AND writer = ? AND seq = -1",
          STREAM,
          writer);
    }
    assertBroken(STREAM, writer, 3, Reason.PREV_HASH_MISMATCH);
  }

  @Test
  void aConsistentRewriteOfTheTailIsCaughtByTheSignatures() {
    // New payloads from seq 6 on, every hash recomputed: a bare hash chain verifies this.
    rewrite(STREAM, writer, 6);
    assertBroken(STREAM, writer, 6, Reason.BAD_SIGNATURE);
  }

  @Test
  void aConsistentRewriteWithTheSignaturesDeletedIsCaughtWhenSignaturesAreRequired() {
    rewrite(STREAM, writer, 6);
    exec(
        "DELETE FROM _agent_store_sig WHERE stream = ? AND writer = ? AND seq >= 6",
        STREAM,
        writer);
    // Without the requirement an unsigned tail is what a Rust agent's appends look like.
    assertEquals(LENGTH, WriterLog.verify(store, STREAM, writer).orElseThrow().seq());
    assertBroken(STREAM, writer, 6, Reason.UNSIGNED, VerifyOptions.requiringSignatures());
  }

  @Test
  void aRewriteSignedByAnotherKeyIsCaughtByTheKeyCheck() {
    WriterKey attacker = WriterKey.generate();
    rewrite(STREAM, writer, 1);
    exec("DELETE FROM _agent_store_sig WHERE stream = ? AND writer = ?", STREAM, writer);
    for (Entry entry : WriterLog.entries(store, STREAM, writer).toList()) {
      exec(
          "INSERT INTO _agent_store_sig (stream, writer, seq, public_key, signature)"
              + " VALUES (?, ?, ?, ?, ?)",
          STREAM,
          writer,
          entry.seq(),
          attacker.publicKeyBytes(),
          attacker.sign(signedMessage(STREAM, writer, entry.seq(), entry.contentHash())));
    }
    ChainBrokenException broken = assertBroken(STREAM, writer, 1, Reason.KEY_MISMATCH);
    assertEquals(
        "signed by key "
            + attacker.publicKey().toHex()
            + ", whose fingerprint "
            + attacker.fingerprint().toHex()
            + " is not the writer",
        broken.detail());
  }

  @Test
  void aChainTransplantedToAnotherStreamBreaksAtSeq1() {
    for (String table : List.of("_agent_store_log", "_agent_store_sig")) {
      exec(
          "UPDATE " + table + " SET stream = ? WHERE stream = ? AND writer = ?",
          "elsewhere",
          STREAM,
          writer);
    }
    assertBroken("elsewhere", writer, 1, Reason.BAD_SIGNATURE);
  }

  @Test
  void aChainTransplantedToAnotherKeysWriterBreaksAtSeq1() {
    String other = WriterKey.generate().fingerprint().toHex();
    for (String table : List.of("_agent_store_log", "_agent_store_sig")) {
      exec(
          "UPDATE " + table + " SET writer = ? WHERE stream = ? AND writer = ?",
          other,
          STREAM,
          writer);
    }
    assertBroken(STREAM, other, 1, Reason.KEY_MISMATCH);
  }

  @Test
  void aChainTransplantedToAPlainlyNamedWriterBreaksAtSeq1() {
    for (String table : List.of("_agent_store_log", "_agent_store_sig")) {
      exec(
          "UPDATE " + table + " SET writer = ? WHERE stream = ? AND writer = ?",
          "mallory",
          STREAM,
          writer);
    }
    assertBroken(STREAM, "mallory", 1, Reason.BAD_SIGNATURE);
  }

  @Test
  void aSingleEntryMovedToAnotherSeqIsCaught() {
    // The head moved one seq on, signature and all: its links are rewritten to fit.
    Entry last = chain.get(LENGTH - 1);
    exec(
        "DELETE FROM _agent_store_log WHERE stream = ? AND writer = ? AND seq = ?",
        STREAM,
        writer,
        (long) LENGTH - 1);
    exec(
        "DELETE FROM _agent_store_sig WHERE stream = ? AND writer = ? AND seq = ?",
        STREAM,
        writer,
        (long) LENGTH - 1);
    exec(
        "UPDATE _agent_store_sig SET seq = ? WHERE stream = ? AND writer = ? AND seq = ?",
        (long) LENGTH - 1,
        STREAM,
        writer,
        (long) LENGTH);
    exec(
        "UPDATE _agent_store_log SET seq = ?, prev_hash = ?, content_hash = ?"
            + " WHERE stream = ? AND writer = ? AND seq = ?",
        (long) LENGTH - 1,
        chain.get(LENGTH - 3).contentHash(),
        expectedHash(chain.get(LENGTH - 3).contentHash(), last.payload()),
        STREAM,
        writer,
        (long) LENGTH);
    assertBroken(STREAM, writer, LENGTH - 1, Reason.BAD_SIGNATURE);
  }

  @Test
  void aForgedSignatureBreaksAtItsSeq() {
    byte[] signature =
        store
            .query(
                "SELECT signature FROM _agent_store_sig WHERE stream = ? AND writer = ? AND seq = 7",
                row -> row.getBytes(1),
                STREAM,
                writer)
            .get(0);
    signature[0] ^= 1;
    exec(
        "UPDATE _agent_store_sig SET signature = ? WHERE stream = ? AND writer = ? AND seq = 7",
        signature,
        STREAM,
        writer);
    assertBroken(STREAM, writer, 7, Reason.BAD_SIGNATURE);
  }

  @Test
  void aMalformedSignatureRowBreaksAtItsSeq() {
    exec(
        "UPDATE _agent_store_sig SET signature = ? WHERE stream = ? AND writer = ? AND seq = 2",
        new byte[63],
        STREAM,
        writer);
    ChainBrokenException broken = assertBroken(STREAM, writer, 2, Reason.BAD_SIGNATURE);
    assertEquals(
        "malformed signature row: public_key of 32 bytes, signature of 63 bytes (want 32 and 64)",
        broken.detail());
  }

  @Test
  void aDeletedSignatureRowBreaksOnlyWhenSignaturesAreRequired() {
    exec(
        "DELETE FROM _agent_store_sig WHERE stream = ? AND writer = ? AND seq = 8", STREAM, writer);
    assertEquals(LENGTH, WriterLog.verify(store, STREAM, writer).orElseThrow().seq());
    ChainBrokenException broken =
        assertBroken(STREAM, writer, 8, Reason.UNSIGNED, VerifyOptions.requiringSignatures());
    assertEquals(
        "chain broken in conv/"
            + writer
            + " at seq 8: the entry is not signed, and signatures are required of writers named"
            + " by a key fingerprint",
        broken.getMessage());
  }

  @Test
  void anUnsignedAppendToASignedChainVerifiesUnlessSignaturesAreRequired() {
    // What a Rust agent appending under the same name writes: an entry without a signature row.
    Entry unsigned = WriterLog.append(store, STREAM, writer, utf8("from rust"));
    assertEquals(Optional.of(unsigned.toHead()), WriterLog.verify(store, STREAM, writer));
    assertBroken(STREAM, writer, LENGTH + 1, Reason.UNSIGNED, VerifyOptions.requiringSignatures());
    // Writers not named by a fingerprint never need signatures.
    assertEquals(
        4,
        WriterLog.verify(store, STREAM, "bob", VerifyOptions.requiringSignatures())
            .orElseThrow()
            .seq());
  }

  @Test
  void anUnsignedChainOfAFingerprintWriterBreaksAtSeq1WhenSignaturesAreRequired() {
    String unsignedWriter = WriterKey.generate().fingerprint().toHex();
    WriterLog.append(store, "fresh", unsignedWriter, utf8("unsigned"));
    assertEquals(1, WriterLog.verify(store, "fresh", unsignedWriter).orElseThrow().seq());
    assertBroken("fresh", unsignedWriter, 1, Reason.UNSIGNED, VerifyOptions.requiringSignatures());
  }

  @Test
  void aSignatureFailureBeforeABrokenLinkIsTheOneReported() {
    exec(
        "UPDATE _agent_store_sig SET signature = ? WHERE stream = ? AND writer = ? AND seq = 2",
        new byte[64],
        STREAM,
        writer);
    exec(
        "UPDATE _agent_store_log SET prev_hash = NULL WHERE stream = ? AND writer = ? AND seq = 5",
        STREAM,
        writer);
    assertBroken(STREAM, writer, 2, Reason.BAD_SIGNATURE);
  }

  @Test
  void aChainThatGrewAfterACheckpointExtendsIt() {
    Checkpoint checkpoint = Checkpoint.take(store, key, Checkpoint.Selection.all());
    WriterLog.append(store, STREAM, key, payload(11));
    Checkpoint.Result result = Checkpoint.check(store, checkpoint, List.of(key.publicKey()));
    assertEquals(Checkpoint.SignatureStatus.VALID, result.signature());
    List<Checkpoint.ChainResult> expected =
        new ArrayList<>(
            List.of(
                new Checkpoint.ChainResult(STREAM, "bob", 4, 4, Checkpoint.ChainStatus.EXTENDS),
                new Checkpoint.ChainResult(
                    STREAM, writer, LENGTH, LENGTH + 1, Checkpoint.ChainStatus.EXTENDS),
                new Checkpoint.ChainResult("other", writer, 1, 1, Checkpoint.ChainStatus.EXTENDS)));
    // In the checkpoint's order: stream, then writer (ASCII names: String order is byte order).
    expected.sort(
        java.util.Comparator.comparing(Checkpoint.ChainResult::stream)
            .thenComparing(Checkpoint.ChainResult::writer));
    assertEquals(expected, result.chains());
    assertTrue(result.ok());
  }

  @Test
  void aCutTailIsCaughtByACheckpoint() {
    Checkpoint checkpoint = Checkpoint.take(store, key, Checkpoint.Selection.stream(STREAM));
    exec(
        "DELETE FROM _agent_store_log WHERE stream = ? AND writer = ? AND seq > 7", STREAM, writer);
    exec(
        "DELETE FROM _agent_store_sig WHERE stream = ? AND writer = ? AND seq > 7", STREAM, writer);
    // The chain itself verifies: a cut tail leaves no trace in it.
    assertEquals(7, WriterLog.verify(store, STREAM, writer).orElseThrow().seq());
    Checkpoint.Result result = Checkpoint.check(store, checkpoint, List.of(key.publicKey()));
    assertEquals(
        List.of(
            new Checkpoint.ChainResult(
                STREAM, writer, LENGTH, 7, Checkpoint.ChainStatus.TRUNCATED)),
        result.failures());
    assertEquals(
        STREAM + "/" + writer + " truncated: head 7, checkpoint at seq " + LENGTH,
        result.failures().get(0).describe());
    assertFalse(result.ok());
  }

  @Test
  void aConsistentRewriteOfAnUnsignedChainIsCaughtByACheckpoint() {
    Checkpoint checkpoint = Checkpoint.take(store, key, Checkpoint.Selection.chain(STREAM, "bob"));
    rewrite(STREAM, "bob", 2);
    assertEquals(4, WriterLog.verify(store, STREAM, "bob").orElseThrow().seq());
    assertEquals(
        List.of(new Checkpoint.ChainResult(STREAM, "bob", 4, 4, Checkpoint.ChainStatus.REWRITTEN)),
        Checkpoint.check(store, checkpoint, List.of(key.publicKey())).failures());
  }

  @Test
  void aDeletedChainIsMissing() {
    Checkpoint checkpoint = Checkpoint.take(store, key, Checkpoint.Selection.writer(writer));
    exec("DELETE FROM _agent_store_log WHERE stream = ? AND writer = ?", "other", writer);
    assertEquals(
        List.of(new Checkpoint.ChainResult("other", writer, 1, 0, Checkpoint.ChainStatus.MISSING)),
        Checkpoint.check(store, checkpoint, List.of(key.publicKey())).failures());
  }

  @Test
  void aForgedCheckpointFailsItsSignature() {
    Checkpoint honest = Checkpoint.take(store, key, Checkpoint.Selection.all());
    exec(
        "DELETE FROM _agent_store_log WHERE stream = ? AND writer = ? AND seq > 7", STREAM, writer);
    // The owner edits the checkpoint to match the cut chain.
    String forged =
        honest
            .toJson()
            .replace("\"seq\":" + LENGTH + ",", "\"seq\":7,")
            .replace(chain.get(LENGTH - 1).contentHashHex(), chain.get(6).contentHashHex());
    Checkpoint.Result result =
        Checkpoint.check(store, Checkpoint.fromJson(forged), List.of(key.publicKey()));
    assertEquals(Checkpoint.SignatureStatus.BAD_SIGNATURE, result.signature());
    assertEquals(List.of(), result.failures());
    assertFalse(result.ok());
  }

  @Test
  void aCheckpointSignedByAnUntrustedKeyIsNotTrusted() {
    WriterKey stranger = WriterKey.generate();
    Checkpoint checkpoint = Checkpoint.take(store, stranger, Checkpoint.Selection.all());
    Checkpoint.Result result = Checkpoint.check(store, checkpoint, List.of(key.publicKey()));
    assertEquals(Checkpoint.SignatureStatus.UNTRUSTED_SIGNER, result.signature());
    assertFalse(result.ok());
    assertTrue(Checkpoint.check(store, checkpoint, List.of(stranger.publicKey())).ok());
  }

  @Test
  void aSignedChainCopiedWithItsSignaturesStillVerifiesWithSignaturesRequired() {
    dev.agentstore.Backend copy = open();
    List<Entry> entries = WriterLog.entries(store, STREAM, writer).toList();
    List<dev.agentstore.EntrySignature> signatures =
        WriterLog.signatures(store, STREAM, writer, 0, LENGTH);
    assertEquals(LENGTH, signatures.size());
    WriterLog.importEntries(copy, entries.subList(0, 4), signatures.subList(0, 4));
    WriterLog.importEntries(copy, entries.subList(4, LENGTH), signatures.subList(4, LENGTH));
    assertEquals(
        Optional.of(chain.get(LENGTH - 1).toHead()),
        WriterLog.verify(copy, STREAM, writer, VerifyOptions.requiringSignatures()));
    assertEquals(signatures, WriterLog.signatures(copy, STREAM, writer, 0, LENGTH));
  }

  @Test
  void anImportWithAForgedSignatureWritesNothing() {
    dev.agentstore.Backend copy = open();
    List<Entry> entries = WriterLog.entries(store, STREAM, writer).toList();
    List<dev.agentstore.EntrySignature> signatures =
        new ArrayList<>(WriterLog.signatures(store, STREAM, writer, 0, LENGTH));
    dev.agentstore.EntrySignature third = signatures.get(2);
    byte[] forged = third.signature();
    forged[5] ^= 1;
    signatures.set(
        2, new dev.agentstore.EntrySignature(STREAM, writer, 3, third.publicKey(), forged));
    ChainBrokenException broken =
        assertThrows(
            ChainBrokenException.class, () -> WriterLog.importEntries(copy, entries, signatures));
    assertEquals(3, broken.seq());
    assertEquals(Reason.BAD_SIGNATURE, broken.reason());
    assertEquals(Optional.empty(), WriterLog.head(copy, STREAM, writer));
  }

  @Test
  void aSignedAppendInACallersTransactionCommitsOrRollsBackWithIt() {
    dev.agentstore.Backend fresh = open();
    // The first signed append creates the signature table, here inside the caller's transaction.
    fresh.runInTransaction(tx -> WriterLog.append(tx, STREAM, key, payload(1)));
    assertThrows(
        IllegalStateException.class,
        () ->
            fresh.runInTransaction(
                tx -> {
                  WriterLog.append(tx, STREAM, key, payload(2));
                  throw new IllegalStateException("changed my mind");
                }));
    assertEquals(
        1,
        WriterLog.verify(fresh, STREAM, writer, VerifyOptions.requiringSignatures())
            .orElseThrow()
            .seq());
    assertEquals(
        List.of(1L),
        fresh.query(
            "SELECT COUNT(*) FROM _agent_store_sig WHERE writer = ?",
            row -> row.getLong(1),
            writer));
  }

  @Test
  void aSignedAppendAfterAnotherProcessMovedTheHeadIsSignedForItsRealPlace() {
    assumeTrue(canOpenTheSameStoreTwice(), "the store cannot be opened again");
    Backend other = openSameStore(store);
    // This backend last saw seq 10; the other process appends 11 and 12 with the same key, so
    // the next append here, signed ahead on seq 11, must be signed again for seq 13.
    WriterLog.appendAll(other, STREAM, key, List.of(payload(11), payload(12)));
    Entry appended = WriterLog.append(store, STREAM, key, payload(13));
    assertEquals(13, appended.seq());
    assertEquals(
        13,
        WriterLog.verify(store, STREAM, writer, VerifyOptions.requiringSignatures())
            .orElseThrow()
            .seq());
    assertSignatureRows(13);
  }

  @Test
  void aSignedAppendRefusesASignatureRowLeftAtItsSeqAndKeepsTheOtherOne() {
    byte[] left =
        store
            .queryOne(
                "SELECT signature FROM _agent_store_sig WHERE stream = ? AND writer = ? AND seq = 10",
                row -> row.getBytes(1),
                STREAM,
                writer)
            .orElseThrow();
    exec(
        "DELETE FROM _agent_store_log WHERE stream = ? AND writer = ? AND seq = 10",
        STREAM,
        writer);
    ChainBrokenException refused =
        assertThrows(
            ChainBrokenException.class, () -> WriterLog.append(store, STREAM, key, payload(99)));
    assertEquals(Reason.SIGNED_ENTRY_MISSING, refused.reason());
    assertEquals(10, refused.seq());
    assertEquals(9, WriterLog.head(store, STREAM, writer).orElseThrow().seq());
    assertArrayEquals(
        left,
        store
            .queryOne(
                "SELECT signature FROM _agent_store_sig WHERE stream = ? AND writer = ? AND seq = 10",
                row -> row.getBytes(1),
                STREAM,
                writer)
            .orElseThrow());
  }

  @Test
  void aSignedAppendAllRefusesASignatureRowLeftAtOneOfItsSeqs() {
    exec(
        "DELETE FROM _agent_store_log WHERE stream = ? AND writer = ? AND seq = 10",
        STREAM,
        writer);
    ChainBrokenException refused =
        assertThrows(
            ChainBrokenException.class,
            () -> WriterLog.appendAll(store, STREAM, key, List.of(payload(98), payload(99))));
    assertEquals(Reason.SIGNED_ENTRY_MISSING, refused.reason());
    assertEquals(10, refused.seq());
    assertEquals(9, WriterLog.head(store, STREAM, writer).orElseThrow().seq());
    assertSignatureRows(10);
  }

  @Test
  void aCutTailWhoseSignaturesWereLeftBehindBreaksWithoutACheckpoint() {
    exec(
        "DELETE FROM _agent_store_log WHERE stream = ? AND writer = ? AND seq > 7", STREAM, writer);
    ChainBrokenException broken = assertBroken(STREAM, writer, 8, Reason.SIGNED_ENTRY_MISSING);
    assertEquals(
        "a signature row exists for seq 8 but the entry does not: the chain was cut after seq 7",
        broken.detail());
    // A signed append there is refused for the same reason, and writes nothing.
    ChainBrokenException refused =
        assertThrows(
            ChainBrokenException.class, () -> WriterLog.append(store, STREAM, key, payload(8)));
    assertEquals(Reason.SIGNED_ENTRY_MISSING, refused.reason());
    assertEquals(8, refused.seq());
    assertEquals(7, WriterLog.head(store, STREAM, writer).orElseThrow().seq());
  }

  private ChainBrokenException assertBroken(
      String stream, String brokenWriter, long seq, Reason reason) {
    return assertBroken(stream, brokenWriter, seq, reason, VerifyOptions.defaults());
  }

  private ChainBrokenException assertBroken(
      String stream, String brokenWriter, long seq, Reason reason, VerifyOptions options) {
    ChainBrokenException broken =
        assertThrows(
            ChainBrokenException.class,
            () -> WriterLog.verify(store, stream, brokenWriter, options));
    assertEquals(stream, broken.stream(), broken.getMessage());
    assertEquals(brokenWriter, broken.writer(), broken.getMessage());
    assertEquals(seq, broken.seq(), broken.getMessage());
    assertEquals(reason, broken.reason(), broken.getMessage());
    // The neighbours are untouched, signed or not.
    assertEquals(4, WriterLog.verify(store, STREAM, "bob", options).orElseThrow().seq());
    assertEquals(1, WriterLog.verify(store, "other", writer, options).orElseThrow().seq());
    return broken;
  }

  /** Rewrites the chain from {@code from} on with new payloads and consistent hashes. */
  private void rewrite(String stream, String chainWriter, long from) {
    List<Entry> stored = WriterLog.entries(store, stream, chainWriter).toList();
    byte @Nullable [] prev = from == 1 ? null : stored.get((int) from - 2).contentHash();
    for (Entry entry : stored.subList((int) from - 1, stored.size())) {
      byte[] payload = utf8("rewritten " + entry.seq());
      byte[] hash = expectedHash(prev, payload);
      exec(
          "UPDATE _agent_store_log SET prev_hash = ?, content_hash = ?, payload = ?"
              + " WHERE stream = ? AND writer = ? AND seq = ?",
          prev,
          hash,
          payload,
          stream,
          chainWriter,
          entry.seq());
      prev = hash;
    }
  }

  private void assertSignatureRows(long rows) {
    assertEquals(
        List.of(rows),
        store.query(
            "SELECT COUNT(*) FROM _agent_store_sig WHERE stream = ? AND writer = ?",
            row -> row.getLong(1),
            STREAM,
            writer));
  }

  private void exec(String sql, Object... params) {
    store.exec(sql, params);
  }

  /** The signed message, built here independently of the library (README, "Tamper evidence"). */
  static byte[] signedMessage(String stream, String writer, long seq, byte[] contentHash) {
    byte[] tag = "agent-store/entry-sig".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] s = utf8(stream);
    byte[] w = utf8(writer);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.writeBytes(tag);
    out.write(1);
    out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(s.length).array());
    out.writeBytes(s);
    out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(w.length).array());
    out.writeBytes(w);
    out.writeBytes(java.nio.ByteBuffer.allocate(8).putLong(seq).array());
    out.writeBytes(contentHash);
    return out.toByteArray();
  }
}
