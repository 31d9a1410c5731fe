package dev.agentstore;

import dev.agentstore.internal.Args;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * In-process fan-out of {@link CommitEvent}s: the seam a consumer bridges onto its message fabric.
 *
 * <p>{@link #ring} calls every subscriber on the calling thread, in subscription order. A
 * subscriber that throws is logged and counted in {@link #failures()}; it never stops the other
 * subscribers and never reaches the caller. Safe to use from many threads; subscribing or
 * unsubscribing during a ring affects the next ring.
 */
public final class Doorbell {
  private static final System.Logger LOG = System.getLogger(Doorbell.class.getName());

  private final CopyOnWriteArrayList<Consumer<CommitEvent>> subscribers =
      new CopyOnWriteArrayList<>();
  private final AtomicLong failures = new AtomicLong();

  /** A subscription; closing it unsubscribes. Idempotent. */
  @FunctionalInterface
  public interface Subscription extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Adds a subscriber that receives every later ring until the returned handle is closed.
   *
   * @param subscriber called with each later event, on the thread that rings
   * @return the handle that unsubscribes when closed
   */
  public Subscription subscribe(Consumer<CommitEvent> subscriber) {
    Args.notNull(subscriber, "subscriber");
    // A wrapper per subscription, so subscribing the same consumer twice gives two independent
    // handles.
    Consumer<CommitEvent> own = subscriber::accept;
    subscribers.add(own);
    return () -> subscribers.remove(own);
  }

  /**
   * Delivers {@code event} to every current subscriber. Never throws because of a subscriber.
   *
   * @param event the committed entry to announce
   */
  public void ring(CommitEvent event) {
    Args.notNull(event, "event");
    for (Consumer<CommitEvent> subscriber : subscribers) {
      try {
        subscriber.accept(event);
      } catch (RuntimeException | Error e) {
        if (e instanceof VirtualMachineError) {
          throw (VirtualMachineError) e;
        }
        failures.incrementAndGet();
        LOG.log(
            System.Logger.Level.WARNING,
            "doorbell subscriber failed on "
                + event.stream()
                + "/"
                + event.writer()
                + " seq "
                + event.seq(),
            e);
      }
    }
  }

  /** {@return the number of subscriber calls that threw since this doorbell was made} */
  public long failures() {
    return failures.get();
  }

  /** {@return the number of current subscribers} */
  public int subscriberCount() {
    return subscribers.size();
  }
}
