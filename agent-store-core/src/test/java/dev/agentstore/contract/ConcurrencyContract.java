package dev.agentstore.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.agentstore.Backend;
import dev.agentstore.Entry;
import dev.agentstore.Generation;
import dev.agentstore.Head;
import dev.agentstore.NonMonotonicGenerationException;
import dev.agentstore.WriterLog;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Brute force with bounds: real threads, a fixed number of operations each, started together; then
 * the invariants are checked on the store. Never a duplicate seq, a gap or a fork; every bump
 * distinct; no counter moves backwards; readers never see a torn chain.
 */
public abstract class ConcurrencyContract extends BackendContract {

  @Test
  void concurrentAppendsToOneChainNeverForkIt() {
    int threads = 8;
    int perThread = 1_000;
    List<List<Entry>> acknowledged =
        race(
            threads,
            t -> {
              List<Entry> mine = new ArrayList<>();
              for (int i = 0; i < perThread; i++) {
                mine.add(WriterLog.append(store, "race", "shared", utf8("t" + t + " #" + i)));
              }
              return mine;
            });

    List<Entry> stored = assertStoredChain(store, "race", "shared", threads * perThread);
    assertEveryAcknowledgedEntryStored(acknowledged, stored);
    Set<String> payloads = new HashSet<>();
    stored.forEach(entry -> payloads.add(new String(entry.payload(), StandardCharsets.UTF_8)));
    assertEquals(threads * perThread, payloads.size(), "every payload stored exactly once");
  }

  @Test
  void concurrentWritersEachKeepTheirOwnChain() {
    int threads = 4;
    int perThread = 200;
    List<List<Entry>> acknowledged =
        race(
            threads,
            t -> {
              List<Entry> mine = new ArrayList<>();
              for (int i = 0; i < perThread; i++) {
                mine.add(WriterLog.append(store, "race", "writer " + t, utf8("#" + i)));
              }
              return mine;
            });
    for (int t = 0; t < threads; t++) {
      List<Entry> stored = assertStoredChain(store, "race", "writer " + t, perThread);
      assertEquals(acknowledged.get(t), stored);
    }
    assertEquals(threads, WriterLog.heads(store, "race").size());
  }

  @Test
  void concurrentAppendAllBatchesStayContiguous() {
    int threads = 4;
    int batches = 50;
    int batchSize = 4;
    List<List<Entry>> acknowledged =
        race(
            threads,
            t -> {
              List<Entry> mine = new ArrayList<>();
              for (int b = 0; b < batches; b++) {
                List<byte[]> payloads = new ArrayList<>();
                for (int i = 0; i < batchSize; i++) {
                  payloads.add(utf8("t" + t + " b" + b + " #" + i));
                }
                List<Entry> batch = WriterLog.appendAll(store, "race", "shared", payloads);
                for (int i = 1; i < batch.size(); i++) {
                  assertEquals(batch.get(0).seq() + i, batch.get(i).seq(), "batch is contiguous");
                }
                mine.addAll(batch);
              }
              return mine;
            });
    List<Entry> stored = assertStoredChain(store, "race", "shared", threads * batches * batchSize);
    assertEveryAcknowledgedEntryStored(acknowledged, stored);
  }

  @Test
  void concurrentBumpsReturnDistinctValues() {
    int threads = 8;
    int perThread = 200;
    Generation counter = new Generation("race");
    List<List<Long>> returned =
        race(
            threads,
            t -> {
              List<Long> mine = new ArrayList<>();
              for (int i = 0; i < perThread; i++) {
                long value = counter.bump(store);
                if (!mine.isEmpty()) {
                  assertTrue(value > mine.get(mine.size() - 1), "a thread's bumps increase");
                }
                mine.add(value);
              }
              return mine;
            });
    Set<Long> all = new HashSet<>();
    returned.forEach(all::addAll);
    assertEquals(threads * perThread, all.size(), "every bump returned a distinct value");
    assertEquals(1L, Collections.min(all));
    assertEquals((long) threads * perThread, Collections.max(all));
    assertEquals(threads * perThread, counter.current(store));
  }

  @Test
  void racingSetsNeverMoveTheCounterBackwards() {
    int threads = 8;
    int perThread = 200;
    Generation counter = new Generation("race");
    AtomicBoolean done = new AtomicBoolean();
    ExecutorService watcher = threads(1);
    Future<Integer> watched =
        watcher.submit(
            () -> {
              long last = 0;
              int reads = 0;
              do {
                long now = counter.current(store);
                assertTrue(now >= last, "the counter moved back from " + last + " to " + now);
                last = now;
                reads++;
              } while (!done.get() && reads < 1_000_000);
              return reads;
            });
    race(
        threads,
        t -> {
          List<Long> values = new ArrayList<>();
          for (long i = 0; i < perThread; i++) {
            values.add(i * threads + t);
          }
          Collections.shuffle(values, new Random(t));
          for (long value : values) {
            try {
              counter.set(store, value);
              assertTrue(counter.current(store) >= value);
            } catch (NonMonotonicGenerationException e) {
              assertEquals(value, e.requested());
              assertTrue(e.current() > value, e.getMessage());
            }
          }
          return null;
        });
    done.set(true);
    assertTrue(await(watched) > 0);
    assertEquals((long) threads * perThread - 1, counter.current(store));
  }

  @Test
  void readersNeverSeeATornChain() {
    int writers = 4;
    int perWriter = 150;
    AtomicBoolean done = new AtomicBoolean();
    ExecutorService readerThreads = threads(2);
    List<Future<Integer>> readers = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      readers.add(readerThreads.submit(() -> readUntil(done)));
    }
    race(
        writers,
        t -> {
          for (int i = 0; i < perWriter; i++) {
            if (i % 10 == 0) {
              WriterLog.appendAll(
                  store, "live", "shared", List.of(utf8("t" + t + " #" + i), utf8("more")));
            } else {
              WriterLog.append(store, "live", "shared", utf8("t" + t + " #" + i));
            }
          }
          return null;
        });
    done.set(true);
    for (Integer rounds : awaitAll(readers)) {
      assertTrue(rounds > 0);
    }
    assertStoredChain(store, "live", "shared", writers * (perWriter + perWriter / 10));
  }

  @Test
  void twoBackendsOnOneStoreNeverForkAChain() {
    assumeTrue(canOpenTheSameStoreTwice(), "the store cannot be opened twice");
    Backend second = openSameStore(store);
    int threads = 4;
    int perThread = 100;
    Generation counter = new Generation("shared");
    List<List<Entry>> acknowledged =
        race(
            threads,
            t -> {
              Backend mine = t % 2 == 0 ? store : second;
              List<Entry> entries = new ArrayList<>();
              for (int i = 0; i < perThread; i++) {
                entries.add(WriterLog.append(mine, "race", "shared", utf8("t" + t + " #" + i)));
                counter.bump(mine);
              }
              return entries;
            });
    List<Entry> stored = assertStoredChain(second, "race", "shared", threads * perThread);
    assertEveryAcknowledgedEntryStored(acknowledged, stored);
    assertEquals(threads * perThread, counter.current(store));
  }

  // ---------------------------------------------------------------- helpers

  /** Work for thread {@code t} of a race. */
  @FunctionalInterface
  protected interface Racer<T> {
    T run(int t) throws Exception;
  }

  /** Runs {@code racer} on {@code threads} threads released together; returns their results. */
  protected final <T> List<T> race(int threads, Racer<T> racer) {
    ExecutorService pool = threads(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<T>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      Callable<T> task =
          () -> {
            assertTrue(start.await(WAIT_SECONDS, TimeUnit.SECONDS));
            return racer.run(thread);
          };
      futures.add(pool.submit(task));
    }
    start.countDown();
    return awaitAll(futures);
  }

  /** Every entry a call returned is in the store at the seq it reported, exactly as returned. */
  private static void assertEveryAcknowledgedEntryStored(
      List<List<Entry>> acknowledged, List<Entry> stored) {
    int count = 0;
    for (List<Entry> mine : acknowledged) {
      long last = 0;
      for (Entry entry : mine) {
        assertTrue(entry.seq() > last, "a thread's entries come back in increasing seq order");
        last = entry.seq();
        assertEquals(entry, stored.get((int) entry.seq() - 1));
        count++;
      }
    }
    assertEquals(stored.size(), count, "every stored entry was acknowledged to one caller");
  }

  /**
   * Reads the live chain until {@code done} (and once more after): each read is a valid chain from
   * seq 1, and heads never move back.
   */
  private Integer readUntil(AtomicBoolean done) {
    long lastSeq = 0;
    int rounds = 0;
    boolean finished;
    do {
      finished = done.get();
      Optional<Head> verified = WriterLog.verify(store, "live", "shared");
      long seq = verified.map(Head::seq).orElse(0L);
      assertTrue(seq >= lastSeq, "verified head moved back");
      List<Entry> entries;
      try (Stream<Entry> all = WriterLog.entries(store, "live", "shared")) {
        entries = all.toList();
      }
      assertTrue(entries.size() >= seq, "entries shorter than a head verified before");
      assertValidChain(entries);
      List<Entry> page = WriterLog.readAfter(store, "live", "shared", seq / 2, 50);
      for (int i = 0; i < page.size(); i++) {
        assertEquals(seq / 2 + i + 1, page.get(i).seq());
      }
      lastSeq = entries.size();
      rounds++;
    } while (!finished && rounds < 100_000);
    return rounds;
  }
}
