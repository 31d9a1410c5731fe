package dev.agentstore.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.agentstore.Backend;
import dev.agentstore.Generation;
import dev.agentstore.MalformedRowException;
import dev.agentstore.NonMonotonicGenerationException;
import dev.agentstore.SchemaMismatchException;
import dev.agentstore.WriterLog;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** {@link Generation}: a named counter that reads 0 until used and never moves backwards. */
public abstract class GenerationContract extends BackendContract {

  @Test
  void aCounterNeverBumpedReadsZero() {
    assertEquals(0, new Generation("reports").current(store));
  }

  @Test
  void bumpsReturnOneTwoThree() {
    Generation reports = new Generation("reports");
    assertEquals(1, reports.bump(store));
    assertEquals(2, reports.bump(store));
    assertEquals(3, reports.bump(store));
    assertEquals(3, reports.current(store));
  }

  @Test
  void setMovesTheCounterForwardAndBumpsContinueFromThere() {
    Generation reports = new Generation("reports");
    reports.bump(store);
    reports.set(store, 10);
    assertEquals(10, reports.current(store));
    assertEquals(11, reports.bump(store));
  }

  @Test
  void settingTheCurrentValueAgainIsAllowed() {
    Generation reports = new Generation("reports");
    reports.set(store, 5);
    reports.set(store, 5);
    assertEquals(5, reports.current(store));
  }

  @Test
  void setBackwardsIsRefusedWithTheFactsAndLeavesTheValueUnchanged() {
    Generation reports = new Generation("reports");
    reports.set(store, 7);
    NonMonotonicGenerationException e =
        assertThrows(NonMonotonicGenerationException.class, () -> reports.set(store, 6));
    assertEquals("reports", e.key());
    assertEquals(7, e.current());
    assertEquals(6, e.requested());
    assertTrue(e.getMessage().contains("reports"), e.getMessage());
    assertTrue(e.getMessage().contains("7") && e.getMessage().contains("6"), e.getMessage());
    assertEquals(7, reports.current(store));
    assertEquals(8, reports.bump(store));
  }

  @Test
  void setOnAnAbsentKeyCreatesTheCounter() {
    Generation reports = new Generation("reports");
    reports.set(store, 42);
    assertEquals(42, reports.current(store));
    assertEquals(43, reports.bump(store));
  }

  @Test
  void settingZeroOnAnAbsentKeyIsAllowed() {
    Generation reports = new Generation("reports");
    reports.set(store, 0);
    assertEquals(0, reports.current(store));
    assertEquals(1, reports.bump(store));
  }

  @Test
  void aNegativeSetIsRefusedAsAMoveBackwards() {
    Generation absent = new Generation("absent");
    NonMonotonicGenerationException e =
        assertThrows(NonMonotonicGenerationException.class, () -> absent.set(store, -1));
    assertEquals("absent", e.key());
    assertEquals(0, e.current());
    assertEquals(-1, e.requested());
    assertEquals(0, absent.current(store));
    assertEquals(1, absent.bump(store));

    Generation present = new Generation("present");
    present.set(store, 3);
    e = assertThrows(NonMonotonicGenerationException.class, () -> present.set(store, -5));
    assertEquals(3, e.current());
    assertEquals(-5, e.requested());
    assertEquals(3, present.current(store));
  }

  @Test
  void keysAreIndependent() {
    Generation a = new Generation("a");
    Generation b = new Generation("b");
    a.bump(store);
    a.bump(store);
    b.set(store, 100);
    assertEquals(2, a.current(store));
    assertEquals(100, b.current(store));
    assertEquals(0, new Generation("c").current(store));
    assertEquals(3, a.bump(store));
    assertEquals(101, b.bump(store));
  }

  @Test
  void nonAsciiKeysAreDistinctCounters() {
    new Generation("café").bump(store);
    assertEquals(1, new Generation("café").current(store));
    assertEquals(0, new Generation("cafe").current(store));
    assertEquals(0, new Generation("cafe\u0301").current(store));
  }

  @Test
  void ensureSchemaIsIdempotentAndKeepsValues() {
    Generation reports = new Generation("reports");
    reports.set(store, 9);
    WriterLog.append(store, "s", "w", utf8("kept"));
    Generation.ensureSchema(store);
    Generation.ensureSchema(store);
    WriterLog.ensureSchema(store);
    WriterLog.ensureSchema(store);
    assertEquals(9, reports.current(store));
    assertStoredChain(store, "s", "w", 1);
  }

  @Test
  void checkSchemaCreatesNothingAndNamesTheCallThatCreatesAMissingTable() {
    try (Backend fresh = newBackend()) {
      SchemaMismatchException log =
          assertThrows(SchemaMismatchException.class, () -> WriterLog.checkSchema(fresh));
      assertTrue(
          log.getMessage().contains("table _agent_store_log does not exist in ")
              && log.getMessage().contains("WriterLog.ensureSchema creates it"),
          log.getMessage());
      SchemaMismatchException meta =
          assertThrows(SchemaMismatchException.class, () -> Generation.checkSchema(fresh));
      assertTrue(
          meta.getMessage().contains("table _agent_store_meta does not exist in ")
              && meta.getMessage().contains("Generation.ensureSchema creates it"),
          meta.getMessage());
      // Checking created nothing.
      assertThrows(SchemaMismatchException.class, () -> WriterLog.checkSchema(fresh));
      WriterLog.ensureSchema(fresh);
      Generation.ensureSchema(fresh);
      WriterLog.checkSchema(fresh);
      Generation.checkSchema(fresh);
    }
  }

  @Test
  void valuesBeyondTwoToTheFiftyThirdRoundTripExactly() {
    Generation big = new Generation("big");
    big.set(store, 9_007_199_254_740_993L);
    assertEquals(9_007_199_254_740_993L, big.current(store));
    assertEquals(9_007_199_254_740_994L, big.bump(store));
    big.set(store, Long.MAX_VALUE - 1);
    assertEquals(Long.MAX_VALUE, big.bump(store));
    assertEquals(Long.MAX_VALUE, big.current(store));
  }

  @Test
  void aBumpAtTheLargestValueIsRefusedAndChangesNothing() {
    Generation full = new Generation("full");
    full.set(store, Long.MAX_VALUE);
    NonMonotonicGenerationException e =
        assertThrows(NonMonotonicGenerationException.class, () -> full.bump(store));
    assertEquals(
        "generation full is at Long.MAX_VALUE (9223372036854775807); it cannot be bumped and was"
            + " left there",
        e.getMessage());
    assertEquals("full", e.key());
    assertEquals(Long.MAX_VALUE, e.current());
    assertEquals(Long.MAX_VALUE, full.current(store));
    full.set(store, Long.MAX_VALUE);
    assertEquals(Long.MAX_VALUE, full.current(store));
  }

  @Test
  void aGenerationIsAValueNamedByItsKey() {
    assertEquals("reports", new Generation("reports").key());
    assertEquals(new Generation("reports"), new Generation("reports"));
    assertEquals(new Generation("reports").hashCode(), new Generation("reports").hashCode());
  }

  // ---------------------------------------------------------------- malformed rows

  @Test
  void aRealValueIsAMalformedRowNotATruncatedOne() {
    assertMalformed("half", "1.5", "REAL 1.5");
  }

  @Test
  void theRealTheReferenceCrateLeavesAfterOverflowingIsAMalformedRow() {
    // What SQLite makes of i64::MAX + 1: 2^63 as a REAL, which getLong would clamp to MAX_VALUE.
    assertMalformed("overflowed", "9.223372036854776e18", "REAL 9.223372036854776E18");
  }

  @Test
  void aTextValueIsAMalformedRowNotZero() {
    assertMalformed("text", "'abc'", "TEXT \"abc\"");
  }

  @Test
  void aBlobValueIsAMalformedRow() {
    assertMalformed("blob", "x'0102'", "a BLOB of 2 bytes");
  }

  /**
   * Stores {@code literal} as the value of {@code key} with plain SQL, then checks that reading,
   * bumping and setting it each throw {@link MalformedRowException} naming the key and what was
   * found, and that the row is left exactly as it was.
   */
  private void assertMalformed(String key, String literal, String found) {
    assumeTrue(storesNonIntegerValuesInIntegerColumns(), "this store keeps only integers in ival");
    store.exec("INSERT INTO _agent_store_meta (key, ival) VALUES (?, " + literal + ")", key);
    List<String> before = rawRow(key);
    Generation generation = new Generation(key);
    List<Executable> calls =
        List.of(
            () -> generation.current(store),
            () -> generation.bump(store),
            () -> generation.set(store, 10),
            () -> generation.set(store, -1));
    for (Executable call : calls) {
      MalformedRowException e = assertThrows(MalformedRowException.class, call);
      assertEquals(Optional.of(key), e.key());
      assertEquals(
          "malformed row in _agent_store_meta: generation \""
              + key
              + "\" holds "
              + found
              + ", not a 64-bit INTEGER",
          e.getMessage());
      assertEquals(before, rawRow(key));
    }
    assertEquals(0, new Generation("other").current(store));
  }

  private List<String> rawRow(String key) {
    return store.query(
        "SELECT typeof(ival), quote(ival) FROM _agent_store_meta WHERE key = ?",
        row -> row.getString(1) + " " + row.getString(2),
        key);
  }
}
