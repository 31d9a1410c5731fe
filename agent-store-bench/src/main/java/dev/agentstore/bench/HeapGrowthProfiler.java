package dev.agentstore.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * Live-heap growth during an iteration: the most heap still in use after any garbage collection
 * that ran during the iteration, less the heap in use after a full collection just before it.
 * Garbage does not count, only what the benchmark keeps reachable while it runs — for a verify that
 * streams, a page; for one that loads the chain, the chain. Reported as {@code heap.growth} in MiB
 * (the maximum over iterations). Use with {@code -prof dev.agentstore.bench.HeapGrowthProfiler}.
 */
public final class HeapGrowthProfiler implements InternalProfiler {
  private static final double MIB = 1024.0 * 1024.0;

  private final Set<String> heapPools =
      ManagementFactory.getMemoryPoolMXBeans().stream()
          .filter(pool -> pool.getType() == MemoryType.HEAP)
          .map(MemoryPoolMXBean::getName)
          .collect(Collectors.toUnmodifiableSet());
  private final AtomicLong maxAfterGc = new AtomicLong();
  private final AtomicLong collections = new AtomicLong();
  private final List<NotificationEmitter> emitters = new ArrayList<>();
  private final NotificationListener listener = this::onNotification;
  private long baseline;

  @Override
  public String getDescription() {
    return "live heap growth: the most heap in use after a GC during the iteration, less the heap"
        + " in use after a full GC before it";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    System.gc();
    System.gc();
    baseline = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    maxAfterGc.set(baseline);
    collections.set(0);
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter emitter) {
        emitter.addNotificationListener(listener, null, null);
        emitters.add(emitter);
      }
    }
  }

  @Override
  public Collection<? extends Result<?>> afterIteration(
      BenchmarkParams benchmarkParams, IterationParams iterationParams, IterationResult result) {
    for (NotificationEmitter emitter : emitters) {
      try {
        emitter.removeNotificationListener(listener);
      } catch (ListenerNotFoundException ignored) {
        // Already gone; nothing to undo.
      }
    }
    emitters.clear();
    double growth = Math.max(0, maxAfterGc.get() - baseline) / MIB;
    return List.of(
        new ScalarResult("heap.growth", growth, "MiB", AggregationPolicy.MAX),
        new ScalarResult("heap.gcs", collections.get(), "collections", AggregationPolicy.SUM));
  }

  private void onNotification(Notification notification, Object handback) {
    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(
        notification.getType())) {
      return;
    }
    GarbageCollectionNotificationInfo info =
        GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
    long used = 0;
    for (Map.Entry<String, MemoryUsage> pool :
        info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
      if (heapPools.contains(pool.getKey())) {
        used += pool.getValue().getUsed();
      }
    }
    collections.incrementAndGet();
    maxAfterGc.accumulateAndGet(used, Math::max);
  }
}
