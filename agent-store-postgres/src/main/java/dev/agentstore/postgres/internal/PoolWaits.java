package dev.agentstore.postgres.internal;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.IMetricsTracker;
import dev.agentstore.StoreListener;

/**
 * Reports the waits of a backend's own HikariCP pool as {@link StoreListener.PoolWait}s, through
 * the pool's metrics tracker, which times every borrow whether or not anyone listens: installing it
 * adds one event per borrow and nothing else.
 */
public final class PoolWaits {
  private PoolWaits() {}

  /**
   * Reports every borrow from {@code pool}, a pool of the store {@code store}, to {@code listener}.
   */
  public static void report(HikariDataSource pool, StoreListener listener, String store) {
    pool.setMetricsTrackerFactory(
        (poolName, stats) ->
            new IMetricsTracker() {
              @Override
              public void recordConnectionAcquiredNanos(long elapsedAcquiredNanos) {
                listener.onPoolWait(new StoreListener.PoolWait(store, elapsedAcquiredNanos));
              }
            });
  }
}
