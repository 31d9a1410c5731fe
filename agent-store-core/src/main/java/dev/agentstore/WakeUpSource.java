package dev.agentstore;

import dev.agentstore.internal.Args;
import java.util.Optional;

/**
 * Where a {@link Follower} learns that it should read the store again: the SPI between the core and
 * whatever carries commit news (the backend's doorbell, SQLite's {@code data_version}, PostgreSQL
 * {@code LISTEN}, a message bus in another module).
 *
 * <p>Wake-ups are hints. A source may lose, repeat, reorder or coalesce them; a follower never
 * relies on one for correctness, only for latency: it re-reads the store after its last delivered
 * seq on every wake-up and, failing any, after its poll interval. A source that may have missed
 * commits (after a reconnect, say) should wake its listeners with an empty hint.
 *
 * <p>Implementations are thread-safe: {@code subscribe} and closing a subscription may be called
 * from any thread, also while the source is waking listeners.
 */
@FunctionalInterface
public interface WakeUpSource {

  /**
   * Calls {@code listener} on every later wake-up until the returned subscription is closed. A
   * source that needs a connection or a thread may start it here and stop it when its last
   * subscription closes.
   *
   * @param listener called on every later wake-up
   * @return the subscription that stops the calls when closed
   */
  Subscription subscribe(WakeUpListener listener);

  /** A subscription to a source; closing it unsubscribes. Idempotent, never throws. */
  @FunctionalInterface
  interface Subscription extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * {@return the rings of {@code doorbell} as wake-ups, each one with its commit as the hint}
   *
   * @param doorbell the doorbell to listen to
   */
  static WakeUpSource of(Doorbell doorbell) {
    Args.notNull(doorbell, "doorbell");
    return listener -> {
      Args.notNull(listener, "listener");
      Doorbell.Subscription subscription =
          doorbell.subscribe(event -> listener.wake(Optional.of(event)));
      return subscription::close;
    };
  }

  /** {@return a source that never wakes anyone} */
  static WakeUpSource none() {
    return listener -> {
      Args.notNull(listener, "listener");
      return () -> {};
    };
  }
}
