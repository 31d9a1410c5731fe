package dev.agentstore.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.agentstore.Backend;
import dev.agentstore.ChainBrokenException;
import dev.agentstore.CommitEvent;
import dev.agentstore.Doorbell;
import dev.agentstore.Entry;
import dev.agentstore.FollowOptions;
import dev.agentstore.Follower;
import dev.agentstore.InvalidInputException;
import dev.agentstore.StoreException;
import dev.agentstore.WakeUpSource;
import dev.agentstore.WriterLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@link Follower}: every entry after the start exactly once and in seq order, whatever happens to
 * the wake-ups — lost, repeated, reordered — because the store, not the ring, is what it reads.
 */
public abstract class FollowerContract extends BackendContract {
  /** Long enough that a test passing within its bound cannot have been rescued by a poll. */
  private static final Duration NEVER = Duration.ofHours(1);

  /** How long a test waits to see that nothing more arrives. */
  private static final Duration QUIET = Duration.ofMillis(200);

  // ---------------------------------------------------------------- delivery

  @Test
  void concurrentAppendersAreDeliveredExactlyOnceInSeqOrder() {
    int threads = 4;
    int each = 150;
    int total = threads * (each + each / 10);
    try (Follower follower = WriterLog.follow(store, "conv", "alice", 0)) {
      ExecutorService pool = threads(threads + 1);
      Future<List<Entry>> consumer = pool.submit(() -> take(follower, total));
      List<Future<Void>> appenders = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        appenders.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < each; i++) {
                    if (i % 10 == 9) {
                      WriterLog.appendAll(
                          store, "conv", "alice", List.of(utf8(thread + ":" + i), utf8("+")));
                    } else {
                      WriterLog.append(store, "conv", "alice", utf8(thread + ":" + i));
                    }
                  }
                  return null;
                }));
      }
      awaitAll(appenders);
      List<Entry> received = await(consumer);
      assertEquals(storedChain(store, "conv", "alice"), received);
      assertValidChain(received);
      assertNothingMore(follower);
      assertEquals(total, follower.position("alice"));
    }
  }

  @Test
  void aFollowerStartedAfterTheWriterFinishedCatchesUpFromTheStoreAlone() {
    appendBatches(store, "conv", "alice", 2_500, 100);
    WriterLog.append(store, "conv", "bob", utf8("not followed"));
    FollowOptions noWakeUps =
        FollowOptions.defaults().withBackendWakeUps(false).withPollInterval(NEVER);
    try (Follower follower = WriterLog.follow(store, "conv", "alice", 0, noWakeUps)) {
      List<Entry> received = take(follower, 2_500);
      assertEquals(storedChain(store, "conv", "alice"), received);
      assertNothingMore(follower);
    }
    try (Follower follower = WriterLog.follow(store, "conv", "alice", 2_400, noWakeUps)) {
      List<Entry> received = take(follower, 100);
      assertEquals(storedChain(store, "conv", "alice").subList(2_400, 2_500), received);
      assertNothingMore(follower);
    }
  }

  @Test
  void aStartBeyondTheHeadWaitsWithoutErrorUntilTheChainGrowsPastIt() {
    appendMany(store, "conv", "alice", 3);
    try (Follower follower = WriterLog.follow(store, "conv", "alice", 10)) {
      assertNothingMore(follower);
      assertEquals(10, follower.position("alice"));
      appendMany(store, "conv", "alice", 9);
      List<Entry> received = take(follower, 2);
      assertEquals(List.of(11L, 12L), received.stream().map(Entry::seq).toList());
      assertEquals(storedChain(store, "conv", "alice").subList(10, 12), received);
      assertNothingMore(follower);
    }
  }

  @Test
  void aChainThatDoesNotLinkIsRefusedAfterEverythingBeforeTheBreak() throws Exception {
    appendMany(store, "conv", "alice", 4);
    byte[] forged = blake3(utf8("not the previous entry"));
    store.exec(
        "UPDATE _agent_store_log SET prev_hash = ? WHERE stream = ? AND writer = ? AND seq = ?",
        forged,
        "conv",
        "alice",
        3L);
    try (Follower follower = WriterLog.follow(store, "conv", "alice", 0)) {
      assertEquals(List.of(1L, 2L), take(follower, 2).stream().map(Entry::seq).toList());
      ChainBrokenException broken = assertThrows(ChainBrokenException.class, follower::next);
      assertEquals(3, broken.seq());
      assertEquals(ChainBrokenException.Reason.PREV_HASH_MISMATCH, broken.reason());
      assertEquals(2, follower.position("alice"), "nothing past the break was delivered");
      assertThrows(ChainBrokenException.class, follower::next, "and it stays refused");
    }
  }

  // ---------------------------------------------------------------- wake-ups

  @Test
  void anAppendThroughTheSameBackendWakesTheFollowerWithoutAPoll() {
    try (Follower follower =
        WriterLog.follow(
            store, "conv", "alice", 0, FollowOptions.defaults().withPollInterval(NEVER))) {
      assertNothingMore(follower);
      Entry appended = WriterLog.append(store, "conv", "alice", utf8("ring"));
      assertEquals(List.of(appended), take(follower, 1));
    }
  }

  @Test
  void anAppendThroughAnotherBackendOnTheStoreWakesTheFollowerWithoutAPoll() {
    assumeTrue(canOpenTheSameStoreTwice(), "the store cannot be opened twice");
    Backend other = openSameStore(store);
    try (Follower follower =
        WriterLog.follow(
            store, "conv", "alice", 0, FollowOptions.defaults().withPollInterval(NEVER))) {
      assertNothingMore(follower);
      for (int round = 1; round <= 3; round++) {
        Entry appended = WriterLog.append(other, "conv", "alice", utf8("round " + round));
        assertEquals(List.of(appended), take(follower, 1));
      }
      assertNothingMore(follower);
    }
  }

  @Test
  void lostRepeatedAndReorderedRingsNeitherLoseNorRepeatEntries() {
    Doorbell rings = new Doorbell();
    FollowOptions manual =
        FollowOptions.defaults()
            .withBackendWakeUps(false)
            .withPollInterval(NEVER)
            .withWakeUps(WakeUpSource.of(rings));
    try (Follower follower = WriterLog.follow(store, "conv", "alice", 0, manual)) {
      assertNothingMore(follower);
      List<Entry> appended = appendMany(store, "conv", "alice", 5);
      // The rings for seqs 1 to 4 are lost; the one for 5 brings all five.
      rings.ring(CommitEvent.of(appended.get(4)));
      assertEquals(appended, take(follower, 5));
      // Repeated and stale rings bring nothing twice.
      rings.ring(CommitEvent.of(appended.get(4)));
      rings.ring(CommitEvent.of(appended.get(2)));
      rings.ring(new CommitEvent("conv", "bob", 9));
      rings.ring(new CommitEvent("other", "alice", 9));
      assertNothingMore(follower);
      // Reordered: the later ring first, then the earlier one.
      List<Entry> more = appendMany(store, "conv", "alice", 2);
      rings.ring(CommitEvent.of(more.get(1)));
      rings.ring(CommitEvent.of(more.get(0)));
      assertEquals(more, take(follower, 2));
      assertNothingMore(follower);
      assertEquals(7, follower.position("alice"));
    }
  }

  @Test
  void withEveryRingLostThePollStillDeliversEveryEntry() {
    FollowOptions deaf =
        FollowOptions.defaults().withBackendWakeUps(false).withPollInterval(Duration.ofMillis(20));
    try (Follower follower = WriterLog.follow(store, "conv", "alice", 0, deaf)) {
      List<Entry> appended = new ArrayList<>();
      for (int burst = 0; burst < 5; burst++) {
        appended.addAll(appendMany(store, "conv", "alice", 4));
        assertEquals(appended.subList(burst * 4, burst * 4 + 4), take(follower, 4));
      }
      assertNothingMore(follower);
    }
  }

  // ---------------------------------------------------------------- whole streams

  @Test
  void aStreamFollowerDeliversEveryWriterInOrderIncludingWritersThatAppearLater() {
    appendMany(store, "conv", "alice", 3);
    appendMany(store, "other", "alice", 2);
    try (Follower follower =
        WriterLog.followStream(
            store, "conv", Map.of("alice", 2L), FollowOptions.defaults().withPollInterval(NEVER))) {
      assertEquals(List.of(storedChain(store, "conv", "alice").get(2)), take(follower, 1));
      assertNothingMore(follower);
      ExecutorService pool = threads(4);
      Future<List<Entry>> consumer = pool.submit(() -> take(follower, 120));
      List<Future<Void>> appenders = new ArrayList<>();
      for (String writer : List.of("alice", "bob", "carol")) {
        appenders.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 40; i++) {
                    WriterLog.append(store, "conv", writer, utf8(writer + i));
                  }
                  return null;
                }));
      }
      awaitAll(appenders);
      List<Entry> received = await(consumer);
      Map<String, List<Entry>> byWriter = new HashMap<>();
      for (Entry entry : received) {
        assertEquals("conv", entry.stream());
        byWriter.computeIfAbsent(entry.writer(), w -> new ArrayList<>()).add(entry);
      }
      assertEquals(storedChain(store, "conv", "alice").subList(3, 43), byWriter.get("alice"));
      assertEquals(storedChain(store, "conv", "bob"), byWriter.get("bob"));
      assertEquals(storedChain(store, "conv", "carol"), byWriter.get("carol"));
      assertNothingMore(follower);
      assertEquals(Map.of("alice", 43L, "bob", 40L, "carol", 40L), follower.positions());
    }
  }

  @Test
  void aStreamFollowerCatchesUpFromTheStoreAlone() {
    appendBatches(store, "conv", "alice", 1_500, 500);
    appendMany(store, "conv", "bob", 3);
    FollowOptions noWakeUps =
        FollowOptions.defaults().withBackendWakeUps(false).withPollInterval(NEVER);
    try (Follower follower = WriterLog.followStream(store, "conv", Map.of(), noWakeUps)) {
      List<Entry> received = take(follower, 1_503);
      assertEquals(1_500, received.stream().filter(e -> e.writer().equals("alice")).count());
      assertEquals(
          storedChain(store, "conv", "bob"),
          received.stream().filter(e -> e.writer().equals("bob")).toList());
      assertNothingMore(follower);
    }
  }

  // ---------------------------------------------------------------- closing and misuse

  @Test
  void closingAFollowerUnblocksAConsumerWaitingForAnEntry() throws Exception {
    Follower follower = WriterLog.follow(store, "conv", "alice", 0);
    CompletableFuture<Boolean> waiting = new CompletableFuture<>();
    Thread consumer =
        new Thread(
            () -> {
              try {
                waiting.complete(follower.hasNext());
              } catch (Throwable t) {
                waiting.completeExceptionally(t);
              }
            },
            "follower consumer");
    consumer.start();
    awaitParked(consumer);
    follower.close();
    assertFalse(waiting.get(WAIT_SECONDS, TimeUnit.SECONDS), "hasNext after close");
    consumer.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
    assertTrue(follower.isClosed());
    assertEquals(Optional.empty(), follower.poll(Duration.ofSeconds(WAIT_SECONDS)));
    assertThrows(NoSuchElementException.class, follower::next);
    WriterLog.append(store, "conv", "alice", utf8("after close"));
    assertFalse(follower.hasNext());
    follower.close();
  }

  @Test
  void waitingInsideATransactionIsRefused() {
    try (Follower follower = WriterLog.follow(store, "conv", "alice", 0)) {
      assertThrows(
          InvalidInputException.class, () -> store.runInTransaction(tx -> follower.hasNext()));
    }
  }

  @Test
  void badStartsAreRefused() {
    assertThrows(
        InvalidInputException.class, () -> WriterLog.follow(store, "conv", "alice", -1).close());
    // An empty stream is a name other writers store (ForeignNamesContract); null is not.
    assertThrows(InvalidInputException.class, () -> WriterLog.follow(store, null, "alice", 0));
    assertThrows(
        InvalidInputException.class, () -> WriterLog.follow(store, "bad\uD800", "alice", 0));
    assertThrows(
        InvalidInputException.class,
        () ->
            WriterLog.followStream(store, "conv", Map.of("alice", -2L), FollowOptions.defaults()));
    assertThrows(
        InvalidInputException.class,
        () -> FollowOptions.defaults().withPollInterval(Duration.ZERO));
  }

  // ---------------------------------------------------------------- interruption

  @Test
  void anInterruptedPollThrowsStoreExceptionAndLeavesTheInterruptSet() throws Exception {
    WriterLog.append(store, "conv", "alice", utf8("first"));
    try (Follower follower = WriterLog.follow(store, "conv", "alice", 1)) {
      assertEquals(Optional.empty(), follower.poll(Duration.ZERO));
      StoreException thrown = interrupted(() -> follower.poll(NEVER));
      assertEquals("interrupted while following conv/alice", thrown.getMessage());
      // Nothing was lost: the follower goes on from where it was.
      WriterLog.append(store, "conv", "alice", utf8("second"));
      assertArrayEquals(utf8("second"), take(follower, 1).get(0).payload());
    }
  }

  @Test
  void anInterruptedHasNextThrowsStoreExceptionAndLeavesTheInterruptSet() throws Exception {
    try (Follower follower = WriterLog.followStream(store, "conv")) {
      assertEquals(Optional.empty(), follower.poll(Duration.ZERO));
      StoreException thrown = interrupted(follower::hasNext);
      assertEquals("interrupted while following stream conv", thrown.getMessage());
    }
  }

  /**
   * Runs {@code call} with this thread's interrupt flag set and returns what it threw, after
   * checking that it threw a {@link StoreException} caused by the interrupt and left the flag set.
   * The flag is cleared again before returning, whatever happened.
   */
  private static StoreException interrupted(org.junit.jupiter.api.function.Executable call) {
    Thread.currentThread().interrupt();
    StoreException thrown;
    boolean stillSet;
    try {
      thrown = assertThrows(StoreException.class, call);
    } finally {
      stillSet = Thread.interrupted();
    }
    assertTrue(stillSet, "the interrupt flag is set again");
    assertInstanceOf(InterruptedException.class, thrown.getCause());
    return thrown;
  }

  // ---------------------------------------------------------------- helpers

  /** The next {@code count} entries, each waited for at most {@link #WAIT_SECONDS}. */
  private static List<Entry> take(Follower follower, int count) {
    List<Entry> entries = new ArrayList<>();
    while (entries.size() < count) {
      Optional<Entry> entry = follower.poll(Duration.ofSeconds(WAIT_SECONDS));
      if (entry.isEmpty()) {
        throw new AssertionError(
            "only " + entries.size() + " of " + count + " entries within " + WAIT_SECONDS + " s");
      }
      entries.add(entry.get());
    }
    return entries;
  }

  /** Checks that no further entry arrives within {@link #QUIET}. */
  private static void assertNothingMore(Follower follower) {
    Optional<Entry> extra = follower.poll(QUIET);
    assertEquals(Optional.empty(), extra, "an entry that should not come");
  }

  private static List<Entry> storedChain(Backend backend, String stream, String writer) {
    try (Stream<Entry> entries = WriterLog.entries(backend, stream, writer)) {
      return entries.toList();
    }
  }

  /** Waits, at most {@link #WAIT_SECONDS}, until {@code thread} is parked waiting for something. */
  private static void awaitParked(Thread thread) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (thread.getState() != Thread.State.WAITING
        && thread.getState() != Thread.State.TIMED_WAITING) {
      if (System.nanoTime() - deadline > 0 || !thread.isAlive()) {
        throw new AssertionError("the consumer never started waiting: " + thread.getState());
      }
      Thread.onSpinWait();
    }
  }
}
