package dev.agentstore.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.agentstore.AppendConflictException;
import dev.agentstore.CommitEvent;
import dev.agentstore.Doorbell;
import dev.agentstore.Entry;
import dev.agentstore.Generation;
import dev.agentstore.InvalidInputException;
import dev.agentstore.WriterLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import org.junit.jupiter.api.Test;

/**
 * {@link Doorbell} and the doorbell attached to a backend: in-order fan-out that no subscriber can
 * break, rung only after a commit.
 */
public abstract class DoorbellContract extends BackendContract {
  private static final CommitEvent EVENT = new CommitEvent("conv", "alice", 1);

  // ---------------------------------------------------------------- the Doorbell itself

  @Test
  void aSubscriberHearsRingsUntilItUnsubscribes() {
    Doorbell bell = new Doorbell();
    List<CommitEvent> heard = new ArrayList<>();
    Doorbell.Subscription subscription = bell.subscribe(heard::add);
    assertEquals(1, bell.subscriberCount());
    bell.ring(EVENT);
    subscription.close();
    bell.ring(new CommitEvent("conv", "alice", 2));
    subscription.close();
    assertEquals(List.of(EVENT), heard);
    assertEquals(0, bell.subscriberCount());
  }

  @Test
  void subscribersAreCalledInSubscriptionOrderAndEventsInRingOrder() {
    Doorbell bell = new Doorbell();
    List<String> calls = new ArrayList<>();
    for (String name : List.of("first", "second", "third")) {
      bell.subscribe(event -> calls.add(name + " " + event.seq()));
    }
    bell.ring(EVENT);
    bell.ring(new CommitEvent("conv", "alice", 2));
    assertEquals(
        List.of("first 1", "second 1", "third 1", "first 2", "second 2", "third 2"), calls);
  }

  @Test
  void theSameConsumerSubscribedTwiceHasTwoIndependentSubscriptions() {
    Doorbell bell = new Doorbell();
    List<CommitEvent> heard = new ArrayList<>();
    Doorbell.Subscription first = bell.subscribe(heard::add);
    bell.subscribe(heard::add);
    first.close();
    bell.ring(EVENT);
    assertEquals(List.of(EVENT), heard);
  }

  @Test
  void aThrowingSubscriberStopsNeitherTheOthersNorTheCaller() {
    Doorbell bell = new Doorbell();
    List<String> calls = new ArrayList<>();
    bell.subscribe(event -> calls.add("before"));
    bell.subscribe(
        event -> {
          throw new IllegalStateException("subscriber failed on purpose");
        });
    bell.subscribe(
        event -> {
          throw new AssertionError("subscriber failed on purpose");
        });
    bell.subscribe(event -> calls.add("after"));
    bell.ring(EVENT);
    bell.ring(EVENT);
    assertEquals(List.of("before", "after", "before", "after"), calls);
    assertEquals(4, bell.failures());
  }

  @Test
  void aCommitEventNamesTheEntry() {
    Entry entry = WriterLog.append(store, "conv", "alice", utf8("x"));
    assertEquals(new CommitEvent("conv", "alice", 1), CommitEvent.of(entry));
  }

  // ---------------------------------------------------------------- the attached doorbell

  @Test
  void anAppendRingsAfterItsCommitWithTheEntry() {
    ExecutorService other = threads(1);
    List<Optional<Entry>> seenElsewhere = new CopyOnWriteArrayList<>();
    try (Rings rings =
        new Rings(
            store.doorbell(),
            event ->
                seenElsewhere.add(
                    await(
                        other.submit(
                            () -> WriterLog.head(store, event.stream(), event.writer())))))) {
      Entry first = WriterLog.append(store, "conv", "alice", utf8("one"));
      Entry second = WriterLog.append(store, "conv", "alice", utf8("two"), 1);
      assertEquals(List.of(CommitEvent.of(first), CommitEvent.of(second)), rings.events());
      assertEquals(List.of(Optional.of(first), Optional.of(second)), seenElsewhere);
    }
  }

  @Test
  void appendAllRingsOnceForTheLastSeq() {
    try (Rings rings = new Rings(store.doorbell())) {
      List<Entry> entries =
          WriterLog.appendAll(store, "conv", "alice", List.of(utf8("a"), utf8("b"), utf8("c")));
      assertEquals(List.of(new CommitEvent("conv", "alice", 3)), rings.events());
      assertEquals(CommitEvent.of(entries.get(2)), rings.events().get(0));
      WriterLog.appendAll(store, "conv", "alice", List.of());
      assertEquals(1, rings.events().size());
    }
  }

  @Test
  void aRolledBackTransactionNeverRings() {
    try (Rings rings = new Rings(store.doorbell())) {
      assertThrows(
          IllegalStateException.class,
          () ->
              store.runInTransaction(
                  tx -> {
                    WriterLog.append(tx, "conv", "alice", utf8("doomed"));
                    WriterLog.append(store, "conv", "bob", utf8("doomed"));
                    throw new IllegalStateException("roll back");
                  }));
      assertEquals(List.of(), rings.events());
      assertEquals(Optional.empty(), WriterLog.head(store, "conv", "alice"));
    }
  }

  @Test
  void aFailedAppendNeverRings() {
    WriterLog.append(store, "conv", "alice", utf8("one"));
    try (Rings rings = new Rings(store.doorbell())) {
      assertThrows(
          AppendConflictException.class,
          () -> WriterLog.append(store, "conv", "alice", utf8("stale"), 0));
      assertThrows(
          AppendConflictException.class,
          () -> WriterLog.appendAll(store, "conv", "alice", List.of(utf8("stale")), 0));
      assertThrows(
          InvalidInputException.class,
          () ->
              WriterLog.appendAll(
                  store,
                  "conv",
                  "alice",
                  List.of(utf8("ok"), new byte[WriterLog.MAX_PAYLOAD_BYTES + 1])));
      assertEquals(List.of(), rings.events());
    }
  }

  @Test
  void insideATransactionItRingsOnlyAfterTheCommit() {
    ExecutorService other = threads(1);
    List<Optional<Entry>> seenElsewhere = new CopyOnWriteArrayList<>();
    try (Rings rings =
        new Rings(
            store.doorbell(),
            event ->
                seenElsewhere.add(
                    await(
                        other.submit(
                            () -> WriterLog.head(store, event.stream(), event.writer())))))) {
      List<Entry> appended =
          store.inTransaction(
              tx -> {
                Entry a = WriterLog.append(tx, "conv", "alice", utf8("a"));
                Entry b = WriterLog.append(store, "conv", "bob", utf8("b"));
                tx.inTransaction(inner -> new Generation("g").bump(inner));
                assertEquals(List.of(), rings.events(), "no ring before the commit");
                return List.of(a, b);
              });
      assertEquals(
          List.of(CommitEvent.of(appended.get(0)), CommitEvent.of(appended.get(1))),
          rings.events());
      assertEquals(
          List.of(Optional.of(appended.get(0)), Optional.of(appended.get(1))), seenElsewhere);
    }
  }

  @Test
  void aThrowingSubscriberDoesNotFailTheAppend() {
    long failuresBefore = store.doorbell().failures();
    Doorbell.Subscription broken =
        store
            .doorbell()
            .subscribe(
                event -> {
                  throw new IllegalStateException("subscriber failed on purpose");
                });
    try (Rings rings = new Rings(store.doorbell())) {
      Entry entry = WriterLog.append(store, "conv", "alice", utf8("kept"));
      assertEquals(List.of(CommitEvent.of(entry)), rings.events());
      assertEquals(Optional.of(entry), WriterLog.head(store, "conv", "alice"));
      Entry inTx = store.inTransaction(tx -> WriterLog.append(tx, "conv", "alice", utf8("also")));
      assertEquals(2, inTx.seq());
      assertEquals(failuresBefore + 2, store.doorbell().failures());
    } finally {
      broken.close();
    }
    assertStoredChain(store, "conv", "alice", 2);
  }

  @Test
  void bumpsAndOwnSqlDoNotRing() {
    try (Rings rings = new Rings(store.doorbell())) {
      new Generation("g").bump(store);
      new Generation("g").set(store, 9);
      store.exec("CREATE TABLE quiet (id BIGINT)");
      store.exec("INSERT INTO quiet (id) VALUES (?)", 1L);
      assertEquals(List.of(), rings.events());
    }
  }

  @Test
  void theAttachedDoorbellIsOnePerBackend() {
    assertSame(store.doorbell(), store.doorbell());
    assertNotSame(store.doorbell(), open().doorbell());
  }
}
