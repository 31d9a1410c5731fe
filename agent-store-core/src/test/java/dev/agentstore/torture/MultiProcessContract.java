package dev.agentstore.torture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.agentstore.Backend;
import dev.agentstore.Generation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several real processes on one store: four child JVMs of two threads each append to one {@code
 * (stream, writer)} or bump one generation. Every backend runs this.
 */
public abstract class MultiProcessContract {
  static final int PROCESSES = 4;
  static final int THREADS = 2;
  static final int PER_THREAD = 150;

  @TempDir protected Path dir;

  /** A fresh, empty store that child JVMs can open too. */
  protected abstract StoreLocation newStoreLocation(Path dir);

  @Test
  void processesAppendingToOneWriterNeverForkTheChain() throws Exception {
    StoreLocation location = newStoreLocation(dir);
    Path policy = ProcessTesting.prepare(dir, location);
    List<ChildJvm> children = new ArrayList<>();
    for (int p = 0; p < PROCESSES; p++) {
      children.add(
          ProcessTesting.worker(dir, policy, "p" + p, "append", THREADS, PER_THREAD, "conv", "w"));
    }
    List<String> acks = new ArrayList<>();
    for (int p = 0; p < PROCESSES; p++) {
      try (ChildJvm child = children.get(p)) {
        assertEquals(0, child.await(240), "child p" + p + " failed:\n" + child.output());
      }
      acks.addAll(ProcessTesting.acks(dir, "p" + p));
    }
    int total = PROCESSES * THREADS * PER_THREAD;
    assertEquals(total, acks.size(), "every append returned");
    try (Backend db = location.open()) {
      assertEquals(total, ProcessTesting.checkChain(db, "conv", "w", acks));
    }
  }

  /**
   * Four processes of eight threads each, appending single entries to one chain and batches to
   * another: many appends of each process arrive at once and may share commits.
   */
  @Test
  void processesOfEightThreadsAppendingToOneWriterKeepEveryAppendAndBatch() throws Exception {
    StoreLocation location = newStoreLocation(dir);
    Path policy = ProcessTesting.prepare(dir, location);
    int threads = 8;
    int perThread = 40;
    List<ChildJvm> children = new ArrayList<>();
    for (int p = 0; p < PROCESSES; p++) {
      String mode = p % 2 == 0 ? "append" : "batch";
      children.add(
          ProcessTesting.worker(dir, policy, "m" + p, mode, threads, perThread, "conv", mode));
    }
    List<String> appends = new ArrayList<>();
    List<String> batches = new ArrayList<>();
    for (int p = 0; p < PROCESSES; p++) {
      try (ChildJvm child = children.get(p)) {
        assertEquals(0, child.await(240), "child m" + p + " failed:\n" + child.output());
      }
      (p % 2 == 0 ? appends : batches).addAll(ProcessTesting.acks(dir, "m" + p));
    }
    int calls = PROCESSES / 2 * threads * perThread;
    assertEquals(calls, appends.size(), "every append returned");
    assertEquals(calls, batches.size(), "every appendAll returned");
    try (Backend db = location.open()) {
      assertEquals(calls, ProcessTesting.checkChain(db, "conv", "append", appends));
      // Batches of 1..8 entries, cycling: each thread's 40 calls write 5 full cycles of 36.
      assertEquals(
          PROCESSES / 2 * threads * (perThread / 8) * 36L,
          ProcessTesting.checkChain(db, "conv", "batch", batches));
    }
  }

  @Test
  void processesBumpingOneGenerationGetDistinctValues() throws Exception {
    StoreLocation location = newStoreLocation(dir);
    Path policy = ProcessTesting.prepare(dir, location);
    List<ChildJvm> children = new ArrayList<>();
    for (int p = 0; p < PROCESSES; p++) {
      children.add(
          ProcessTesting.worker(dir, policy, "g" + p, "bump", THREADS, PER_THREAD, "epoch", "-"));
    }
    Set<Long> values = new HashSet<>();
    for (int p = 0; p < PROCESSES; p++) {
      try (ChildJvm child = children.get(p)) {
        assertEquals(0, child.await(240), "child g" + p + " failed:\n" + child.output());
      }
      for (String ack : ProcessTesting.acks(dir, "g" + p)) {
        long value = Long.parseLong(ack.substring(2));
        assertEquals(true, values.add(value), "bump value " + value + " returned twice");
      }
    }
    int total = PROCESSES * THREADS * PER_THREAD;
    assertEquals(total, values.size());
    try (Backend db = location.open()) {
      assertEquals(total, new Generation("epoch").current(db));
    }
  }
}
