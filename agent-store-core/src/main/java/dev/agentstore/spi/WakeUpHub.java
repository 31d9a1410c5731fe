package dev.agentstore.spi;

import dev.agentstore.CommitEvent;
import dev.agentstore.StoreClosedException;
import dev.agentstore.WakeUpListener;
import dev.agentstore.WakeUpSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The listener bookkeeping every {@link WakeUpSource} needs: fan-out that isolates a failing
 * listener, and a start/stop pair run when the first listener arrives and the last one leaves (so a
 * source holds its connection and thread only while someone waits). Thread-safe.
 *
 * <p>Closing the last subscription, or the hub, returns only after the source's thread has finished
 * (waiting outside the hub's lock, at most {@link Threads#EXIT_WAIT_SECONDS}), so that nothing of
 * the source still holds a connection when the caller goes on to close the store.
 */
public final class WakeUpHub implements WakeUpSource {
  private static final System.Logger LOG = System.getLogger(WakeUpHub.class.getName());

  private final String name;
  private final Runnable start;
  private final Stop stop;

  /** Threads asked to stop and not yet seen finished; {@link #close} waits for them all. */
  private final Set<Thread> stopping = ConcurrentHashMap.newKeySet();

  private final CopyOnWriteArrayList<WakeUpListener> listeners = new CopyOnWriteArrayList<>();
  private final AtomicLong failures = new AtomicLong();
  private boolean closed;

  /** Asks a source's thread to stop. */
  @FunctionalInterface
  public interface Stop {
    /**
     * Asks the thread to stop, without waiting; returns it, or null when the source has none.
     *
     * @return the thread to wait for, or null when the source has none
     */
    @Nullable Thread stop();
  }

  /**
   * @param name what the source watches, for log messages
   * @param start run (under this hub's lock) when the first listener subscribes
   * @param stop run (under this hub's lock) when the last listener leaves or the hub is closed; the
   *     thread it returns is awaited after the lock is released
   */
  public WakeUpHub(String name, Runnable start, Stop stop) {
    this.name = name;
    this.start = start;
    this.stop = stop;
  }

  @Override
  public Subscription subscribe(WakeUpListener listener) {
    Checks.notNull(listener, "listener");
    // A wrapper per subscription, so the same listener subscribed twice has two handles.
    WakeUpListener own = listener::wake;
    synchronized (this) {
      if (closed) {
        throw new StoreClosedException(name + " is closed");
      }
      listeners.add(own);
      if (listeners.size() == 1) {
        try {
          start.run();
        } catch (RuntimeException e) {
          listeners.remove(own);
          throw e;
        }
      }
    }
    return () -> {
      @Nullable Thread stopped = null;
      synchronized (this) {
        if (listeners.remove(own) && listeners.isEmpty() && !closed) {
          stopped = stopSource();
        }
      }
      await(stopped);
    };
  }

  /**
   * Wakes every listener; one that throws is logged and counted and never stops the others.
   *
   * @param hint the commit that caused the wake-up, when known
   */
  public void wake(Optional<CommitEvent> hint) {
    for (WakeUpListener listener : listeners) {
      try {
        listener.wake(hint);
      } catch (RuntimeException | Error e) {
        if (e instanceof VirtualMachineError) {
          throw (VirtualMachineError) e;
        }
        failures.incrementAndGet();
        LOG.log(System.Logger.Level.WARNING, "wake-up listener of " + name + " failed", e);
      }
    }
  }

  /** {@return the number of listener calls that threw} */
  public long failures() {
    return failures.get();
  }

  /** {@return the number of current listeners} */
  public int listenerCount() {
    return listeners.size();
  }

  /**
   * Stops the source and waits for its thread to finish, then drops every listener, after waking
   * them once more so that they find out (a follower reads and learns that its store is closed);
   * later subscriptions are refused. Idempotent.
   */
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      if (!listeners.isEmpty()) {
        stopSource();
      }
    }
    // Also the threads that closing a subscription stopped and another thread still awaits.
    List<Thread> threads = new ArrayList<>(stopping);
    for (Thread thread : threads) {
      await(thread);
    }
    wake(Optional.empty());
    listeners.clear();
  }

  /** Runs {@link #stop} (under this hub's lock) and records the thread to await. */
  private @Nullable Thread stopSource() {
    Thread stopped = stop.stop();
    if (stopped != null) {
      stopping.add(stopped);
    }
    return stopped;
  }

  private void await(@Nullable Thread stopped) {
    if (stopped != null && Threads.awaitExit(stopped, name)) {
      stopping.remove(stopped);
    }
  }
}
