package dev.agentstore.nats;

import dev.agentstore.CommitEvent;
import dev.agentstore.InvalidInputException;
import dev.agentstore.StoreListener;
import dev.agentstore.WakeUpListener;
import dev.agentstore.WakeUpSource;
import dev.agentstore.spi.Checks;
import dev.agentstore.spi.WakeUpHub;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Wake-ups from NATS, for followers on another machine than the writers: each {@link CommitMessage}
 * on the subscribed subject wakes the listeners with its commit as the hint. Pass it to a follower
 * with {@code FollowOptions.withWakeUps}.
 *
 * <p>NATS delivers at most once, so messages can be lost — during a disconnect above all. Whenever
 * the connection is re-established (and its subscriptions are renewed) every listener is woken
 * without a hint, and a follower then catches up from the store; its poll interval bounds the delay
 * of anything lost otherwise. A message that is not a commit message also wakes the listeners
 * without a hint (and is counted in {@link #malformed()}).
 *
 * <p>Made on a connected client, it returns once the server has its subscription (waiting at most 2
 * s). Give the client {@code Options.Builder.maxReconnects(-1)} so that it never gives up on a
 * server that is down for long. Holds a NATS dispatcher until closed; does not close the NATS
 * connection. Thread-safe.
 *
 * <p>Each time the connection comes back it is logged at {@code DEBUG} on the {@code
 * dev.agentstore.nats.NatsWakeUps} logger and, when made with a {@link StoreListener}, reported as
 * a {@link StoreListener.Reconnect} (on the NATS client's connection-listener thread).
 */
public final class NatsWakeUps implements WakeUpSource, AutoCloseable {
  private static final Optional<CommitEvent> NO_HINT = Optional.empty();

  private final Connection nats;
  private final WakeUpHub hub;
  private final Dispatcher dispatcher;
  private final ConnectionListener reconnects;
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong malformed = new AtomicLong();
  private final AtomicLong reconnected = new AtomicLong();

  private static final System.Logger LOG = System.getLogger(NatsWakeUps.class.getName());

  private final StoreListener listener;
  private final AtomicBoolean listenerFailed = new AtomicBoolean();

  /** When the connection was last seen lost (System.nanoTime()); 0 while connected. */
  private final AtomicLong lostAt = new AtomicLong();

  private NatsWakeUps(Connection nats, String subject, StoreListener listener) {
    this.nats = nats;
    String source = "NATS subject " + subject;
    this.hub = new WakeUpHub(source, () -> {}, () -> null);
    this.listener = listener;
    this.reconnects =
        (connection, event) -> {
          if (event == ConnectionListener.Events.DISCONNECTED) {
            lostAt.compareAndSet(0, System.nanoTime());
          } else if (event == ConnectionListener.Events.RECONNECTED
              || event == ConnectionListener.Events.RESUBSCRIBED) {
            reconnected.incrementAndGet();
            // One report per reconnect: RESUBSCRIBED follows RECONNECTED. Reported before the
            // wake-up, so that whoever that wake-up reaches can already see it. The client's
            // events may come on several threads: a DISCONNECTED seen late makes one later
            // report's downtime too long, never a report missing.
            if (event == ConnectionListener.Events.RECONNECTED) {
              long lost = lostAt.getAndSet(0);
              long down = lost == 0 ? 0 : System.nanoTime() - lost;
              LOG.log(
                  System.Logger.Level.DEBUG,
                  () ->
                      "NATS connection of "
                          + source
                          + " is back after "
                          + TimeUnit.NANOSECONDS.toMillis(down)
                          + " ms; waking its followers to catch up");
              report(new StoreListener.Reconnect(source, down));
            }
            hub.wake(NO_HINT);
          }
        };
    nats.addConnectionListener(reconnects);
    this.dispatcher = nats.createDispatcher(this::onMessage);
    dispatcher.subscribe(subject);
    if (nats.getStatus() == Connection.Status.CONNECTED) {
      // A round trip, so that the server has the subscription before this constructor returns.
      try {
        nats.flush(Duration.ofSeconds(2));
      } catch (TimeoutException e) {
        // Not there yet: the reconnect wake-up or the follower's poll covers what is missed.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Wake-ups for the commits of {@code stream}, on the default subjects.
   *
   * @param nats the NATS connection to use; the caller keeps it open and closes it
   * @param stream the stream whose commits wake
   * @return the wake-up source, already subscribed; close it to release its dispatcher
   */
  public static NatsWakeUps forStream(Connection nats, String stream) {
    return forStream(nats, NatsSubjects.defaults(), stream);
  }

  /**
   * Wake-ups for the commits of {@code stream}, on {@code subjects}.
   *
   * @param nats the NATS connection to use; the caller keeps it open and closes it
   * @param subjects the subject scheme
   * @param stream the stream whose commits wake
   * @return the wake-up source, already subscribed; close it to release its dispatcher
   */
  public static NatsWakeUps forStream(Connection nats, NatsSubjects subjects, String stream) {
    return forStream(nats, subjects, stream, StoreListener.none());
  }

  /**
   * Wake-ups for the commits of {@code stream}, on {@code subjects}, reporting each reconnect to
   * {@code listener}.
   *
   * @param nats the NATS connection to use; the caller keeps it open and closes it
   * @param subjects the subject scheme
   * @param stream the stream whose commits wake
   * @param listener told of every reconnect
   * @return the wake-up source, already subscribed; close it to release its dispatcher
   */
  public static NatsWakeUps forStream(
      Connection nats, NatsSubjects subjects, String stream, StoreListener listener) {
    Checks.notNull(nats, "nats");
    Checks.notNull(subjects, "subjects");
    Checks.notNull(listener, "listener");
    return new NatsWakeUps(nats, subjects.subject(stream), listener);
  }

  /**
   * Wake-ups for the commits of every stream, on {@code subjects}.
   *
   * @param nats the NATS connection to use; the caller keeps it open and closes it
   * @param subjects the subject scheme
   * @return the wake-up source, already subscribed; close it to release its dispatcher
   */
  public static NatsWakeUps forAllStreams(Connection nats, NatsSubjects subjects) {
    return forAllStreams(nats, subjects, StoreListener.none());
  }

  /**
   * Wake-ups for the commits of every stream, on {@code subjects}, reporting each reconnect to
   * {@code listener}.
   *
   * @param nats the NATS connection to use; the caller keeps it open and closes it
   * @param subjects the subject scheme
   * @param listener told of every reconnect
   * @return the wake-up source, already subscribed; close it to release its dispatcher
   */
  public static NatsWakeUps forAllStreams(
      Connection nats, NatsSubjects subjects, StoreListener listener) {
    Checks.notNull(nats, "nats");
    Checks.notNull(subjects, "subjects");
    Checks.notNull(listener, "listener");
    return new NatsWakeUps(nats, subjects.allStreams(), listener);
  }

  @Override
  public Subscription subscribe(WakeUpListener listener) {
    return hub.subscribe(listener);
  }

  /** {@return how many commit messages arrived} */
  public long received() {
    return received.get();
  }

  /** {@return how many messages were not commit messages} */
  public long malformed() {
    return malformed.get();
  }

  /**
   * {@return how many times the connection came back (each followed by a wake-up without a hint)}
   */
  public long reconnects() {
    return reconnected.get();
  }

  /** Unsubscribes from NATS and drops every listener. Idempotent. */
  @Override
  public void close() {
    nats.removeConnectionListener(reconnects);
    if (dispatcher.isActive() && nats.getStatus() != Connection.Status.CLOSED) {
      nats.closeDispatcher(dispatcher);
    }
    hub.close();
  }

  /** Tells the listener, which must not reach the client's thread if it throws (logged once). */
  private void report(StoreListener.Reconnect event) {
    try {
      listener.onReconnect(event);
    } catch (RuntimeException e) {
      if (listenerFailed.compareAndSet(false, true)) {
        System.getLogger(StoreListener.class.getName())
            .log(
                System.Logger.Level.WARNING,
                "store listener "
                    + listener.getClass().getName()
                    + " threw on onReconnect; ignored (later failures are not logged)",
                e);
      }
    }
  }

  private void onMessage(Message message) {
    Optional<CommitEvent> hint;
    try {
      hint = Optional.of(CommitMessage.parse(message.getData()).toCommitEvent());
      received.incrementAndGet();
    } catch (InvalidInputException e) {
      malformed.incrementAndGet();
      hint = NO_HINT;
    }
    hub.wake(hint);
  }
}
