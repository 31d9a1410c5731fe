package dev.agentstore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.agentstore.sqlite.SqliteBackend;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WriterLogImportTest {
  private SqliteBackend source;
  private SqliteBackend target;

  @BeforeEach
  void open() {
    source = SqliteBackend.inMemory();
    target = SqliteBackend.inMemory();
    WriterLog.ensureSchema(source);
    WriterLog.ensureSchema(target);
  }

  @AfterEach
  void close() {
    source.close();
    target.close();
  }

  private List<Entry> written(int count) {
    for (int i = 1; i <= count; i++) {
      WriterLog.append(source, "s", "w", ("entry " + i).getBytes(UTF_8));
    }
    return WriterLog.readAfter(source, "s", "w", 0, count);
  }

  private List<Entry> stored() {
    return WriterLog.readAfter(target, "s", "w", 0, 1000);
  }

  @Test
  void importedEntriesKeepTheirSeqsAndHashes() {
    List<Entry> entries = written(5);
    WriterLog.importEntries(target, entries.subList(0, 2));
    WriterLog.importEntries(target, entries.subList(2, 5));
    assertEquals(entries, stored());
    assertEquals(entries.get(4).toHead(), WriterLog.verify(target, "s", "w").orElseThrow());
  }

  @Test
  void appendsAfterAnImportContinueTheChain() {
    WriterLog.importEntries(target, written(3));
    Entry next = WriterLog.append(target, "s", "w", "next".getBytes(UTF_8));
    assertEquals(4, next.seq());
    assertEquals(4, WriterLog.verify(target, "s", "w").orElseThrow().seq());
  }

  @Test
  void entriesThatSkipPastTheHeadAreAConflict() {
    List<Entry> entries = written(4);
    WriterLog.importEntries(target, entries.subList(0, 1));
    AppendConflictException e =
        assertThrows(
            AppendConflictException.class,
            () -> WriterLog.importEntries(target, entries.subList(2, 4)));
    assertEquals(2, e.expectedSeq());
    assertEquals(1, e.actualSeq());
    assertEquals(1, stored().size());
  }

  @Test
  void entriesOfAnotherChainAtTheSameSeqAreRefused() {
    List<Entry> entries = written(3);
    WriterLog.append(target, "s", "w", "a different first entry".getBytes(UTF_8));
    ChainBrokenException e =
        assertThrows(
            ChainBrokenException.class,
            () -> WriterLog.importEntries(target, entries.subList(1, 3)));
    assertEquals(2, e.seq());
    assertEquals(ChainBrokenException.Reason.PREV_HASH_MISMATCH, e.reason());
    assertEquals(1, stored().size());
  }

  @Test
  void aBrokenLinkAnywhereRefusesTheWholeImport() {
    List<Entry> entries = new ArrayList<>(written(4));
    Entry third = entries.get(2);
    entries.set(
        2, new Entry("s", "w", 3, third.prevHash(), third.contentHash(), "edited".getBytes(UTF_8)));
    ChainBrokenException edited =
        assertThrows(ChainBrokenException.class, () -> WriterLog.importEntries(target, entries));
    assertEquals(3, edited.seq());
    assertEquals(ChainBrokenException.Reason.HASH_MISMATCH, edited.reason());

    List<Entry> gap = List.of(entries.get(0), entries.get(1), entries.get(3));
    ChainBrokenException missing =
        assertThrows(ChainBrokenException.class, () -> WriterLog.importEntries(target, gap));
    assertEquals(ChainBrokenException.Reason.GAP, missing.reason());

    Entry first = entries.get(0);
    Entry linked =
        new Entry("s", "w", 1, first.contentHash(), first.contentHash(), first.payload());
    ChainBrokenException prev =
        assertThrows(
            ChainBrokenException.class, () -> WriterLog.importEntries(target, List.of(linked)));
    assertEquals(ChainBrokenException.Reason.UNEXPECTED_PREV_HASH, prev.reason());
    assertEquals(List.of(), stored());
  }

  @Test
  void entriesOfSeveralChainsAreRefused() {
    written(1);
    Entry other = WriterLog.append(source, "s", "v", "other".getBytes(UTF_8));
    List<Entry> mixed = List.of(WriterLog.readAfter(source, "s", "w", 0, 1).get(0), other);
    assertThrows(InvalidInputException.class, () -> WriterLog.importEntries(target, mixed));
    WriterLog.importEntries(target, List.of());
    assertEquals(List.of(), WriterLog.heads(target));
  }

  @Test
  void theDoorbellRingsOnceForTheLastImportedEntry() {
    List<CommitEvent> rings = new ArrayList<>();
    target.doorbell().subscribe(rings::add);
    WriterLog.importEntries(target, written(3));
    assertEquals(List.of(new CommitEvent("s", "w", 3)), rings);
  }

  @Test
  void verifyReportsProgressAsItGoes() {
    List<byte[]> payloads = new ArrayList<>();
    for (int i = 0; i < 2500; i++) {
      payloads.add(new byte[] {(byte) i});
    }
    WriterLog.appendAll(source, "s", "w", payloads);
    List<Long> reported = new ArrayList<>();
    WriterLog.verify(source, "s", "w", reported::add);
    assertEquals(List.of(1024L, 2048L, 2500L), reported);
  }
}
