package dev.agentstore.internal;

import dev.agentstore.StoreListener;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The no-op {@link StoreListener} and the guard that keeps a failing listener away from the work it
 * reports on.
 */
public final class Listeners {
  private Listeners() {}

  private static final System.Logger LOG = System.getLogger(StoreListener.class.getName());

  /** Ignores everything; compared by identity to skip timing and events altogether. */
  public static final StoreListener NONE = new StoreListener() {};

  /**
   * {@code listener} as it is when it is {@link #NONE} or already guarded; otherwise wrapped so
   * that an exception it throws is caught, and the first one logged.
   */
  public static StoreListener guarded(StoreListener listener) {
    Args.notNull(listener, "listener");
    if (listener == NONE || listener instanceof Guarded) {
      return listener;
    }
    return new Guarded(listener);
  }

  /** Whether {@code listener} reports anything (it is not {@link #NONE}). */
  public static boolean active(StoreListener listener) {
    return listener != NONE;
  }

  /**
   * Catches what the listener throws; logs the first failure only, so a broken one cannot flood.
   */
  private static final class Guarded implements StoreListener {
    private final StoreListener delegate;
    private final AtomicBoolean logged = new AtomicBoolean();

    Guarded(StoreListener delegate) {
      this.delegate = delegate;
    }

    private void failed(String event, RuntimeException e) {
      if (logged.compareAndSet(false, true)) {
        LOG.log(
            System.Logger.Level.WARNING,
            "store listener "
                + delegate.getClass().getName()
                + " threw on "
                + event
                + "; ignored (later failures of this listener are not logged)",
            e);
      }
    }

    @Override
    public void onAppend(Append event) {
      try {
        delegate.onAppend(event);
      } catch (RuntimeException e) {
        failed("onAppend", e);
      }
    }

    @Override
    public void onBusyWait(BusyWait event) {
      try {
        delegate.onBusyWait(event);
      } catch (RuntimeException e) {
        failed("onBusyWait", e);
      }
    }

    @Override
    public void onVerify(Verify event) {
      try {
        delegate.onVerify(event);
      } catch (RuntimeException e) {
        failed("onVerify", e);
      }
    }

    @Override
    public void onFollowerLag(FollowerLag event) {
      try {
        delegate.onFollowerLag(event);
      } catch (RuntimeException e) {
        failed("onFollowerLag", e);
      }
    }

    @Override
    public void onReconnect(Reconnect event) {
      try {
        delegate.onReconnect(event);
      } catch (RuntimeException e) {
        failed("onReconnect", e);
      }
    }

    @Override
    public void onPoolWait(PoolWait event) {
      try {
        delegate.onPoolWait(event);
      } catch (RuntimeException e) {
        failed("onPoolWait", e);
      }
    }

    @Override
    public String toString() {
      return delegate.toString();
    }
  }
}
