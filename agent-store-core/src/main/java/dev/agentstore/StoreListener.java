package dev.agentstore;

import dev.agentstore.internal.Args;
import dev.agentstore.internal.Listeners;
import java.util.Optional;

/**
 * What a backend reports about its work, for metrics and tracing: appends, waits for a busy store,
 * verifications, follower lag, wake-up source reconnects and PostgreSQL pool waits. Register one
 * with {@code SqliteOptions.withListener} or {@code PostgresOptions.withListener} (the NATS wake-up
 * source takes its own); {@code agent-store-micrometer} binds it to a Micrometer registry.
 *
 * <p>Every method has a default that does nothing, so an implementation overrides only the events
 * it wants, and a later version may add events without breaking it. Each event is a record that
 * names the store ({@link Backend#describe()}) it happened on.
 *
 * <p>Threading: a method is called on the thread doing the work (the appending thread, the
 * follower's consumer, the {@code LISTEN} or NATS thread, a pool thread), from many threads at
 * once, and after the work it reports. It must be thread-safe, return quickly and never block; it
 * should not throw. One that throws is caught: the work goes on as if nothing happened, and the
 * first failure of each listener is logged at {@code WARNING} on the {@code
 * dev.agentstore.StoreListener} logger.
 *
 * <p>Cost: with {@link #none()} (the default) nothing is timed and no event is made. With a
 * listener, an append costs two {@link System#nanoTime()} calls and one event object.
 */
public interface StoreListener {

  /** {@return the listener that ignores everything: the default, which costs nothing} */
  static StoreListener none() {
    return Listeners.NONE;
  }

  /**
   * An append call ended: committed, refused, or failed. Called after the commit (and after the
   * doorbell rang) on the appending thread. Appends inside a caller's transaction are reported when
   * the append statement ran; the transaction may still roll back.
   *
   * @param event the call that ended: its chain, entry count, duration and outcome
   */
  default void onAppend(Append event) {}

  /**
   * An attempt of a write call had to wait for the store: for this process's writer connection
   * (held by another thread), for another connection's lock, or it met a busy error. Called on the
   * writing thread when the attempt ends.
   *
   * @param event the wait: the call, the attempt, how long it waited and what the call did next
   */
  default void onBusyWait(BusyWait event) {}

  /**
   * A chain verification ended, intact or broken. Called on the verifying thread.
   *
   * @param event the verification that ended: its chain, entries checked, duration and result
   */
  default void onVerify(Verify event) {}

  /**
   * A follower read the store (on a wake-up or its poll interval) and measured how far its consumer
   * trails the head. Called on the consumer's thread.
   *
   * @param event how far the follower's consumer trails the store, in entries and time
   */
  default void onFollowerLag(FollowerLag event) {}

  /**
   * A wake-up source got its connection back after losing it (PostgreSQL {@code LISTEN}, NATS); its
   * followers are then woken to catch up. Called on the source's thread.
   *
   * @param event what reconnected and how long it was down
   */
  default void onReconnect(Reconnect event) {}

  /**
   * A connection was taken from the backend's own PostgreSQL pool after waiting {@code nanos}.
   * Called on the borrowing thread, for every borrow. Not reported for a caller's {@code
   * DataSource}.
   *
   * @param event how long the borrow waited
   */
  default void onPoolWait(PoolWait event) {}

  /**
   * An append call ended.
   *
   * @param store the store, as {@link Backend#describe()} says it
   * @param stream the stream appended to
   * @param writer the writer appended as
   * @param entries how many entries the call appended, or would have
   * @param nanos how long the call took, waits included
   * @param outcome how it ended
   */
  record Append(
      String store, String stream, String writer, int entries, long nanos, AppendOutcome outcome) {
    /**
     * Checks that no component is null.
     *
     * @param store the store, as {@link Backend#describe()} says it
     * @param stream the stream appended to
     * @param writer the writer appended as
     * @param entries how many entries the call appended, or would have
     * @param nanos how long the call took, waits included
     * @param outcome how it ended
     */
    public Append {
      Args.notNull(store, "store");
      Args.notNull(stream, "stream");
      Args.notNull(writer, "writer");
      Args.notNull(outcome, "outcome");
    }
  }

  /** How an append call ended. */
  enum AppendOutcome {
    /** Committed (or, inside a caller's transaction, written). */
    OK,
    /** Refused with {@link AppendConflictException}: the head was not the expected seq. */
    CONFLICT,
    /** Gave up with {@link StoreBusyException}: the store stayed busy past the deadline. */
    BUSY,
    /** Failed with any other exception. */
    ERROR
  }

  /**
   * An attempt of a write call that waited for the store.
   *
   * @param store the store, as {@link Backend#describe()} says it
   * @param operation the call and what it wrote, e.g. {@code append to conv/alice}
   * @param attempt which attempt of the call, from 1
   * @param waitedNanos how long this attempt waited: for the writer connection and other
   *     connections' locks when it went on; the whole attempt, from the end of the pause before it,
   *     when it met a busy error
   * @param outcome what the call did next
   */
  record BusyWait(
      String store, String operation, int attempt, long waitedNanos, BusyOutcome outcome) {
    /**
     * Checks that no component is null.
     *
     * @param store the store, as {@link Backend#describe()} says it
     * @param operation the call and what it wrote, e.g. {@code append to conv/alice}
     * @param attempt which attempt of the call, from 1
     * @param waitedNanos how long this attempt waited: for the writer connection and other
     *     connections' locks when it went on; the whole attempt, from the end of the pause before
     *     it, when it met a busy error
     * @param outcome what the call did next
     */
    public BusyWait {
      Args.notNull(store, "store");
      Args.notNull(operation, "operation");
      Args.notNull(outcome, "outcome");
    }
  }

  /** What a write call did after an attempt that waited. */
  enum BusyOutcome {
    /** The wait ended in time and the attempt went on. */
    PROCEEDED,
    /** The attempt met a busy store; the call pauses and tries again. */
    RETRYING,
    /**
     * The deadline (or the number of attempts) ran out; the call throws {@link StoreBusyException}.
     */
    GAVE_UP
  }

  /**
   * A chain verification that ended.
   *
   * @param store the store, as {@link Backend#describe()} says it
   * @param stream the chain's stream
   * @param writer the chain's writer
   * @param entries how many entries were found intact: the whole chain, or those before the break
   * @param nanos how long the verification took
   * @param intact true when the chain verified, false when it was found broken ({@link
   *     ChainBrokenException}, {@link MalformedRowException})
   */
  record Verify(
      String store, String stream, String writer, long entries, long nanos, boolean intact) {
    /**
     * Checks that no component is null.
     *
     * @param store the store, as {@link Backend#describe()} says it
     * @param stream the chain's stream
     * @param writer the chain's writer
     * @param entries how many entries were found intact: the whole chain, or those before the break
     * @param nanos how long the verification took
     * @param intact true when the chain verified, false when it was found broken ({@link
     *     ChainBrokenException}, {@link MalformedRowException})
     */
    public Verify {
      Args.notNull(store, "store");
      Args.notNull(stream, "stream");
      Args.notNull(writer, "writer");
    }
  }

  /**
   * How far a follower's consumer trails the head, measured when the follower read the store.
   *
   * <p>{@code entriesBehind} is exact as of that read: the entries committed after the last one the
   * consumer received. {@code nanosBehind} counts, on the {@link System#nanoTime()} clock of this
   * process, from the moment the follower first learned there was something new (a wake-up, or its
   * poll interval running out) since it was last caught up, or from its creation before it first
   * was; 0 when it is caught up. The store records no commit time that could be trusted across
   * clocks, so the delay before a wake-up arrives is not included.
   *
   * @param store the store, as {@link Backend#describe()} says it
   * @param stream the followed stream
   * @param writer the followed writer; empty for a follower of the whole stream
   * @param entriesBehind entries committed and not yet delivered to the consumer
   * @param nanosBehind how long the consumer has been behind; 0 when caught up
   */
  record FollowerLag(
      String store, String stream, Optional<String> writer, long entriesBehind, long nanosBehind) {
    /**
     * Checks that no component is null.
     *
     * @param store the store, as {@link Backend#describe()} says it
     * @param stream the followed stream
     * @param writer the followed writer; empty for a follower of the whole stream
     * @param entriesBehind entries committed and not yet delivered to the consumer
     * @param nanosBehind how long the consumer has been behind; 0 when caught up
     */
    public FollowerLag {
      Args.notNull(store, "store");
      Args.notNull(stream, "stream");
      Args.notNull(writer, "writer");
    }
  }

  /**
   * A wake-up source that got its connection back.
   *
   * @param source what reconnected, e.g. {@code the LISTEN connection of PostgreSQL store ...} or
   *     {@code NATS subject agentstore.commits.conv}
   * @param downNanos how long it was without a connection, as far as it knows; 0 when unknown
   */
  record Reconnect(String source, long downNanos) {
    /**
     * Checks that no component is null.
     *
     * @param source what reconnected, e.g. {@code the LISTEN connection of PostgreSQL store ...} or
     *     {@code NATS subject agentstore.commits.conv}
     * @param downNanos how long it was without a connection, as far as it knows; 0 when unknown
     */
    public Reconnect {
      Args.notNull(source, "source");
    }
  }

  /**
   * A connection taken from the backend's own pool.
   *
   * @param store the store, as {@link Backend#describe()} says it
   * @param nanos how long the borrow waited for a connection
   */
  record PoolWait(String store, long nanos) {
    /**
     * Checks that no component is null.
     *
     * @param store the store, as {@link Backend#describe()} says it
     * @param nanos how long the borrow waited for a connection
     */
    public PoolWait {
      Args.notNull(store, "store");
    }
  }
}
