package dev.agentstore.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.agentstore.AppendConflictException;
import dev.agentstore.Backend;
import dev.agentstore.Entry;
import dev.agentstore.Generation;
import dev.agentstore.InvalidInputException;
import dev.agentstore.StoreClosedException;
import dev.agentstore.WriterLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * {@link Backend#inTransaction}: the consumer's own SQL and the primitives commit together or not
 * at all; and the portable {@code ?}-placeholder SQL for the consumer's own tables.
 */
public abstract class TransactionContract extends BackendContract {
  private final Generation orders = new Generation("orders");

  /** A failure of the consumer's own, thrown from a transaction body. */
  protected static final class BodyFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BodyFailed() {
      super("the body failed on purpose");
    }
  }

  @BeforeEach
  void createOwnTable() {
    store.exec(
        "CREATE TABLE orders (id BIGINT PRIMARY KEY, note TEXT, data " + blobType(store) + ")");
  }

  @Test
  void ownSqlAnAppendAndABumpCommitTogether() {
    Entry appended =
        store.inTransaction(
            tx -> {
              tx.exec("INSERT INTO orders (id, note) VALUES (?, ?)", 1L, "first order");
              Entry entry = WriterLog.append(tx, "orders", "clerk", utf8("order 1"));
              assertEquals(1, orders.bump(tx));
              return entry;
            });
    assertEquals(List.of("first order"), notes(store));
    assertEquals(Optional.of(appended), WriterLog.head(store, "orders", "clerk"));
    assertEquals(1, orders.current(store));
    assertStoredChain(store, "orders", "clerk", 1);
  }

  @Test
  void aThrowingBodyLeavesNothingAndItsExceptionReachesTheCaller() {
    Entry before = WriterLog.append(store, "orders", "clerk", utf8("order 0"));
    orders.bump(store);
    BodyFailed failure = new BodyFailed();

    BodyFailed thrown =
        assertThrows(
            BodyFailed.class,
            () ->
                store.runInTransaction(
                    tx -> {
                      tx.exec("INSERT INTO orders (id, note) VALUES (?, ?)", 1L, "doomed");
                      WriterLog.append(tx, "orders", "clerk", utf8("doomed"));
                      WriterLog.append(tx, "orders", "new writer", utf8("doomed"));
                      orders.bump(tx);
                      new Generation("fresh").set(tx, 5);
                      throw failure;
                    }));

    assertSame(failure, thrown);
    assertUnchanged(before);
    assertEquals(0, new Generation("fresh").current(store));
    assertEquals(Optional.empty(), WriterLog.head(store, "orders", "new writer"));
  }

  @Test
  void aFailingPrimitiveRollsBackTheWholeBodyAndPropagatesUnchanged() {
    Entry before = WriterLog.append(store, "orders", "clerk", utf8("order 0"));
    orders.bump(store);
    AppendConflictException conflict =
        assertThrows(
            AppendConflictException.class,
            () ->
                store.runInTransaction(
                    tx -> {
                      tx.exec("INSERT INTO orders (id, note) VALUES (?, ?)", 1L, "doomed");
                      orders.bump(tx);
                      WriterLog.append(tx, "orders", "clerk", utf8("stale"), 0);
                    }));
    assertEquals(0, conflict.expectedSeq());
    assertEquals(1, conflict.actualSeq());
    assertUnchanged(before);
  }

  @Test
  void workInsideTheBodySeesItsOwnUncommittedWrites() {
    Executable body =
        () ->
            store.runInTransaction(
                tx -> {
                  tx.exec("INSERT INTO orders (id, note) VALUES (?, ?)", 1L, "pending");
                  Entry entry = WriterLog.append(tx, "orders", "clerk", utf8("pending"));
                  orders.bump(tx);
                  assertEquals(List.of("pending"), notes(tx));
                  assertEquals(Optional.of(entry), WriterLog.head(tx, "orders", "clerk"));
                  assertEquals(1, orders.current(tx));
                  assertEquals(
                      Optional.of(entry.toHead()), WriterLog.verify(tx, "orders", "clerk"));
                  assertEquals(List.of(entry), WriterLog.readAfter(tx, "orders", "clerk", 0, 10));
                  assertEquals(List.of("orders"), WriterLog.streams(tx));
                  throw new BodyFailed();
                });
    assertThrows(BodyFailed.class, body);
    assertEquals(List.of(), notes(store));
  }

  @Test
  void nestedTransactionsJoinTheOuterOne() {
    Entry before = WriterLog.append(store, "orders", "clerk", utf8("order 0"));
    orders.bump(store);
    assertThrows(
        BodyFailed.class,
        () ->
            store.runInTransaction(
                outer -> {
                  int fromTx =
                      outer.inTransaction(
                          inner -> {
                            inner.exec("INSERT INTO orders (id, note) VALUES (?, ?)", 1L, "a");
                            WriterLog.append(inner, "orders", "clerk", utf8("inner"));
                            return 7;
                          });
                  assertEquals(7, fromTx);
                  store.runInTransaction(inner -> orders.bump(inner));
                  assertEquals(2, orders.current(outer));
                  assertEquals(2, WriterLog.head(outer, "orders", "clerk").orElseThrow().seq());
                  throw new BodyFailed();
                }));
    assertUnchanged(before);

    store.runInTransaction(
        outer ->
            outer.runInTransaction(
                inner -> inner.exec("INSERT INTO orders (id, note) VALUES (?, ?)", 2L, "kept")));
    assertEquals(List.of("kept"), notes(store));
  }

  @Test
  void theOuterBackendOnTheSameThreadJoinsTheTransaction() {
    Entry before = WriterLog.append(store, "orders", "clerk", utf8("order 0"));
    orders.bump(store);
    assertThrows(
        BodyFailed.class,
        () ->
            store.runInTransaction(
                tx -> {
                  store.exec("INSERT INTO orders (id, note) VALUES (?, ?)", 1L, "doomed");
                  WriterLog.append(store, "orders", "clerk", utf8("doomed"));
                  WriterLog.appendAll(store, "orders", "clerk", List.of(utf8("x"), utf8("y")));
                  orders.bump(store);
                  assertEquals(List.of("doomed"), notes(tx));
                  assertEquals(4, WriterLog.head(tx, "orders", "clerk").orElseThrow().seq());
                  throw new BodyFailed();
                }));
    assertUnchanged(before);

    store.runInTransaction(
        tx -> {
          store.exec("INSERT INTO orders (id, note) VALUES (?, ?)", 1L, "kept");
          WriterLog.append(store, "orders", "clerk", utf8("kept"));
        });
    assertEquals(List.of("kept"), notes(store));
    assertStoredChain(store, "orders", "clerk", 2);
  }

  @Test
  void otherThreadsDoNotSeeUncommittedWork() {
    assumeFalse(isSingleConnection(), "on one connection another thread waits for the commit");
    ExecutorService other = threads(1);
    Entry committed =
        store.inTransaction(
            tx -> {
              tx.exec("INSERT INTO orders (id, note) VALUES (?, ?)", 1L, "pending");
              Entry entry = WriterLog.append(tx, "orders", "clerk", utf8("pending"));
              orders.bump(tx);
              assertEquals(
                  Optional.empty(),
                  await(other.submit(() -> WriterLog.head(store, "orders", "clerk"))));
              assertEquals(0L, await(other.submit(() -> orders.current(store))));
              assertEquals(List.of(), await(other.submit(() -> notes(store))));
              return entry;
            });
    assertEquals(
        Optional.of(committed),
        await(other.submit(() -> WriterLog.head(store, "orders", "clerk"))));
    assertEquals(1L, await(other.submit(() -> orders.current(store))));
  }

  @Test
  void aTransactionBackendUsedAfterItsBodyEndedIsClosed() {
    AtomicReference<Backend> leaked = new AtomicReference<>();
    store.runInTransaction(leaked::set);
    assertClosed(leaked.get());

    AtomicReference<Backend> leakedFromFailure = new AtomicReference<>();
    assertThrows(
        BodyFailed.class,
        () ->
            store.runInTransaction(
                tx -> {
                  leakedFromFailure.set(tx);
                  throw new BodyFailed();
                }));
    assertClosed(leakedFromFailure.get());
    assertEquals(Optional.empty(), WriterLog.head(store, "orders", "clerk"));
  }

  @Test
  void aTransactionBackendUsedFromAnotherThreadIsRefused() {
    ExecutorService other = threads(1);
    store.runInTransaction(
        tx -> {
          List<Executable> misuses =
              List.of(
                  () -> await(other.submit(() -> WriterLog.append(tx, "orders", "x", utf8("x")))),
                  () -> await(other.submit(() -> tx.exec("INSERT INTO orders (id) VALUES (9)"))),
                  () -> await(other.submit(() -> notes(tx))),
                  () -> await(other.submit(() -> orders.bump(tx))),
                  () -> await(other.submit(() -> tx.inTransaction(inner -> 1))));
          for (Executable misuse : misuses) {
            assertThrows(InvalidInputException.class, misuse);
          }
          tx.exec("INSERT INTO orders (id, note) VALUES (?, ?)", 1L, "mine");
        });
    assertEquals(List.of("mine"), notes(store));
    assertEquals(Optional.empty(), WriterLog.head(store, "orders", "x"));
    assertEquals(0, orders.current(store));
  }

  @Test
  void aTransactionSharesTheBackendsDoorbellAndDialect() {
    store.runInTransaction(
        tx -> {
          assertSame(store.doorbell(), tx.doorbell());
          assertEquals(store.dialect(), tx.dialect());
        });
  }

  @Test
  void execQueryAndQueryOneBindPlaceholders() {
    byte[] data = {0, 1, (byte) 0x80, (byte) 0xff};
    assertEquals(
        1,
        store.exec(
            "INSERT INTO orders (id, note, data) VALUES (?, ?, ?)",
            9_007_199_254_740_993L,
            "é",
            data));
    assertEquals(
        1, store.exec("INSERT INTO orders (id, note, data) VALUES (?, ?, ?)", 2L, null, null));
    assertEquals(1, store.exec("INSERT INTO orders (id, note) VALUES (?, ?)", 3, "int id"));

    record Order(long id, String note, byte[] data, boolean noteIsNull) {}
    List<Order> rows =
        store.query(
            "SELECT id, note, data FROM orders WHERE id >= ? ORDER BY id",
            row -> new Order(row.getLong(1), row.getString(2), row.getBytes(3), row.isNull(2)),
            2L);
    assertEquals(3, rows.size());
    assertEquals(2, rows.get(0).id());
    assertNull(rows.get(0).note());
    assertNull(rows.get(0).data());
    assertTrue(rows.get(0).noteIsNull());
    assertEquals("int id", rows.get(1).note());
    assertEquals(9_007_199_254_740_993L, rows.get(2).id());
    assertEquals("é", rows.get(2).note());
    assertArrayEquals(data, rows.get(2).data());

    assertEquals(
        Optional.of("é"),
        store.queryOne(
            "SELECT note FROM orders WHERE id = ? AND data = ?",
            row -> row.getString("note"),
            9_007_199_254_740_993L,
            data));
    assertEquals(
        Optional.empty(),
        store.queryOne("SELECT note FROM orders WHERE id = ?", row -> row.getString(1), 404L));
    assertThrows(
        InvalidInputException.class,
        () -> store.queryOne("SELECT note FROM orders", row -> row.getString(1)));

    assertEquals(2, store.exec("UPDATE orders SET note = ? WHERE id < ?", "small", 10L));
    assertEquals(3, store.exec("DELETE FROM orders"));
    assertEquals(List.of(), notes(store));
  }

  @Test
  void runInTransactionCommitsAndRollsBack() {
    store.runInTransaction(tx -> tx.exec("INSERT INTO orders (id, note) VALUES (?, ?)", 1L, "a"));
    assertThrows(
        BodyFailed.class,
        () ->
            store.runInTransaction(
                tx -> {
                  tx.exec("INSERT INTO orders (id, note) VALUES (?, ?)", 2L, "b");
                  throw new BodyFailed();
                }));
    assertEquals(List.of("a"), notes(store));
  }

  @Test
  void appendsInOneTransactionFormOneContiguousChain() {
    List<Entry> appended =
        store.inTransaction(
            tx -> {
              List<Entry> entries = new ArrayList<>();
              entries.add(WriterLog.append(tx, "orders", "clerk", utf8("1")));
              entries.addAll(
                  WriterLog.appendAll(tx, "orders", "clerk", List.of(utf8("2"), utf8("3"))));
              entries.add(WriterLog.append(tx, "orders", "clerk", utf8("4"), 3));
              return entries;
            });
    assertEquals(appended, assertStoredChain(store, "orders", "clerk", 4));
  }

  // ---------------------------------------------------------------- helpers

  private static List<String> notes(Backend backend) {
    return backend.query("SELECT note FROM orders ORDER BY id", row -> row.getString(1));
  }

  /** The state before a rolled-back body: no order, the chain at {@code before}, counter at 1. */
  private void assertUnchanged(Entry before) {
    assertEquals(List.of(), notes(store));
    assertEquals(Optional.of(before), WriterLog.head(store, "orders", "clerk"));
    assertStoredChain(store, "orders", "clerk", 1);
    assertEquals(1, orders.current(store));
  }

  private void assertClosed(Backend tx) {
    List<Executable> uses =
        List.of(
            () -> tx.exec("INSERT INTO orders (id, note) VALUES (?, ?)", 5L, "late"),
            () -> notes(tx),
            () -> tx.queryOne("SELECT note FROM orders", row -> row.getString(1)),
            () -> tx.inTransaction(inner -> 1),
            () -> WriterLog.append(tx, "orders", "clerk", utf8("late")),
            () -> WriterLog.head(tx, "orders", "clerk"),
            () -> WriterLog.verify(tx, "orders", "clerk"),
            () -> orders.bump(tx),
            () -> orders.current(tx));
    for (Executable use : uses) {
      assertThrows(StoreClosedException.class, use);
    }
    assertEquals(List.of(), notes(store));
  }
}
