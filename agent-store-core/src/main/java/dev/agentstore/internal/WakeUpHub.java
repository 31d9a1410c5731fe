package dev.agentstore.internal;

import dev.agentstore.CommitEvent;
import dev.agentstore.StoreClosedException;
import dev.agentstore.WakeUpListener;
import dev.agentstore.WakeUpSource;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The listener bookkeeping every {@link WakeUpSource} needs: fan-out that isolates a failing
 * listener, and a start/stop pair run when the first listener arrives and the last one leaves (so a
 * source holds its connection and thread only while someone waits). Thread-safe.
 */
public final class WakeUpHub implements WakeUpSource {
  private static final System.Logger LOG = System.getLogger(WakeUpHub.class.getName());

  private final String name;
  private final Runnable start;
  private final Runnable stop;
  private final CopyOnWriteArrayList<WakeUpListener> listeners = new CopyOnWriteArrayList<>();
  private final AtomicLong failures = new AtomicLong();
  private boolean closed;

  /**
   * @param name what the source watches, for log messages
   * @param start run (under this hub's lock) when the first listener subscribes
   * @param stop run (under this hub's lock) when the last listener leaves or the hub is closed
   */
  public WakeUpHub(String name, Runnable start, Runnable stop) {
    this.name = name;
    this.start = start;
    this.stop = stop;
  }

  @Override
  public Subscription subscribe(WakeUpListener listener) {
    Objects.requireNonNull(listener, "listener");
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
      synchronized (this) {
        if (listeners.remove(own) && listeners.isEmpty() && !closed) {
          stop.run();
        }
      }
    };
  }

  /** Wakes every listener; one that throws is logged and counted and never stops the others. */
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

  /** The number of listener calls that threw. */
  public long failures() {
    return failures.get();
  }

  /** The number of current listeners. */
  public int listenerCount() {
    return listeners.size();
  }

  /**
   * Stops the source and drops every listener, after waking them once more so that they find out (a
   * follower reads and learns that its store is closed); later subscriptions are refused.
   * Idempotent.
   */
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      if (!listeners.isEmpty()) {
        stop.run();
      }
    }
    wake(Optional.empty());
    listeners.clear();
  }
}
