package dev.agentstore.internal;

import dev.agentstore.StoreBusyException;
import dev.agentstore.StoreBusyException.Holder;
import dev.agentstore.StoreListener;
import dev.agentstore.StoreListener.BusyOutcome;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * The one deadline of a public write call: created when the call begins, it bounds every wait
 * inside it — for this process's writer connection or pool, for another connection's lock, and the
 * pauses between attempts — so that together they stay within the busy timeout. Each wait is given
 * only the time that remains. It also remembers what was last seen holding the store, for the
 * {@link StoreBusyException} that reports the wait. Used by the one thread running the call.
 *
 * <p>When observed (a {@link StoreListener} is registered), it also adds up how long each attempt
 * waited and reports every attempt that waited as a {@link StoreListener.BusyWait}. Unobserved, it
 * reads no clock for that. Retries and give-ups are logged at {@code DEBUG} on the {@code
 * dev.agentstore.internal.BusyBudget} logger either way.
 */
public final class BusyBudget {
  /**
   * How long a call may have run before its first wait and still leave that wait to the
   * connection's own setting (the whole busy or lock timeout), which saves a call into the driver
   * or a round trip per write when nothing is contended; it is all a call can overrun its deadline
   * by, besides the time of its last attempt's own statements.
   */
  public static final Duration SLACK = Duration.ofMillis(20);

  private final long startNanos = System.nanoTime();
  private final long limitNanos;
  private final String limitName;
  private Holder holder = Holder.UNKNOWN;
  private @Nullable String holderThread;
  private String heldWhat = "";

  private static final System.Logger LOG = System.getLogger(BusyBudget.class.getName());

  // Observation: null listener when nobody listens.
  private @Nullable StoreListener listener;
  private String store = "";
  private int attempt = 1;
  private long attemptStartNanos = startNanos;
  private long waitedNanos;

  private BusyBudget(long limitNanos, String limitName) {
    this.limitNanos = limitNanos;
    this.limitName = limitName;
  }

  /**
   * A deadline {@code limit} from now.
   *
   * @param limitName what the limit is called in messages, e.g. {@code busy timeout}
   */
  public static BusyBudget of(Duration limit, String limitName) {
    return new BusyBudget(limit.toNanos(), limitName);
  }

  /**
   * No deadline: each wait is bounded by the driver or server (a pool's connection timeout, a lock
   * timeout configured outside agent-store) and the attempts by their number.
   */
  public static BusyBudget unbounded() {
    return new BusyBudget(-1, "");
  }

  /** Reports this call's waits to {@code listener}, naming {@code store}. */
  void observe(StoreListener listener, String store) {
    this.listener = listener;
    this.store = store;
  }

  /**
   * Whether the waits of this call are reported: only then do the places that wait time themselves
   * and call {@link #waited}.
   */
  public boolean observed() {
    return listener != null;
  }

  /** Adds {@code nanos} that the current attempt spent waiting for the store. */
  public void waited(long nanos) {
    waitedNanos += nanos;
  }

  /** The current attempt got past its waits, if it had any; reports them. */
  void proceeded(String operation) {
    StoreListener observer = listener;
    if (observer != null && waitedNanos > 0) {
      observer.onBusyWait(
          new StoreListener.BusyWait(
              store, operation, attempt, waitedNanos, BusyOutcome.PROCEEDED));
      waitedNanos = 0;
    }
  }

  /** The current attempt met a busy store and the call tries again; reports and logs it. */
  void retrying(String operation, String storeName) {
    ended(operation, storeName, BusyOutcome.RETRYING);
  }

  /** The call gives up waiting; reports and logs it. */
  void gaveUp(String operation, String storeName) {
    ended(operation, storeName, BusyOutcome.GAVE_UP);
  }

  private void ended(String operation, String storeName, BusyOutcome outcome) {
    StoreListener observer = listener;
    if (observer != null) {
      long waited = Math.max(waitedNanos, System.nanoTime() - attemptStartNanos);
      observer.onBusyWait(new StoreListener.BusyWait(store, operation, attempt, waited, outcome));
      waitedNanos = 0;
    }
    if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
      LOG.log(
          System.Logger.Level.DEBUG,
          operation
              + " on "
              + storeName
              + ": the store was busy on attempt "
              + attempt
              + (outcome == BusyOutcome.RETRYING ? ", trying again" : ", giving up")
              + " after "
              + millis(elapsed())
              + " in all; "
              + (heldWhat.isEmpty() ? "holder unknown" : heldWhat));
    }
  }

  public boolean bounded() {
    return limitNanos >= 0;
  }

  /** The time left, never negative; {@code Long.MAX_VALUE} when unbounded. */
  public long remainingNanos() {
    if (!bounded()) {
      return Long.MAX_VALUE;
    }
    return Math.max(0, limitNanos - (System.nanoTime() - startNanos));
  }

  /**
   * The time left in whole milliseconds, rounded up (so that a wait given it never ends before the
   * deadline), at most {@code Integer.MAX_VALUE}.
   */
  public int remainingMillis() {
    long nanos = remainingNanos();
    if (nanos >= Integer.MAX_VALUE * 1_000_000L) {
      return Integer.MAX_VALUE;
    }
    return (int) ((nanos + 999_999) / 1_000_000);
  }

  /**
   * The deadline on the {@link System#nanoTime()} clock; 0 when unbounded (a deadline that falls on
   * 0 itself is moved by a nanosecond).
   */
  public long deadlineNanos() {
    if (!bounded()) {
      return 0;
    }
    long deadline = startNanos + limitNanos;
    return deadline == 0 ? 1 : deadline;
  }

  /** Whether a bounded budget has no time left. */
  public boolean spent() {
    return bounded() && remainingNanos() == 0;
  }

  /** Whether the call began no longer than {@link #SLACK} ago (always, when unbounded). */
  public boolean withinSlack() {
    return !bounded() || System.nanoTime() - startNanos <= SLACK.toNanos();
  }

  /** The time since the call began. */
  public Duration elapsed() {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  /**
   * Records what held the store during the last wait that ran out.
   *
   * @param thread the holding thread's name, when it is a thread of this process and known
   * @param what the holder in words, e.g. {@code thread "x" of this process held the writer
   *     connection}
   */
  public void heldBy(Holder holder, @Nullable String thread, String what) {
    this.holder = holder;
    this.holderThread = thread;
    this.heldWhat = what;
  }

  /**
   * Whether a call that met a busy store on its {@code attempt}-th try may try again: while time is
   * left, or, unbounded, for at most {@code maxAttempts} tries.
   */
  public boolean mayRetry(int attempt, int maxAttempts) {
    return bounded() ? !spent() : attempt < maxAttempts;
  }

  /**
   * A short, jittered pause between attempts, growing with the attempt number (at most ~50 ms) so
   * that competing writers do not retry in lock step, and never past the deadline.
   */
  public void pause(int attempt) {
    long capMicros = Math.min(50_000L, 500L << Math.min(attempt, 7));
    long nanos =
        TimeUnit.MICROSECONDS.toNanos(
            ThreadLocalRandom.current().nextLong(capMicros / 2, capMicros));
    LockSupport.parkNanos(Math.min(nanos, remainingNanos()));
    this.attempt = attempt + 1;
    if (listener != null) {
      attemptStartNanos = System.nanoTime();
      waitedNanos = 0;
    }
  }

  /**
   * The exception for a call that gave up: {@code what} (the operation, its stream/writer/key and
   * the store), how long it waited, and what held the store.
   */
  public StoreBusyException busy(String what, @Nullable Throwable cause) {
    Duration waited = elapsed();
    StringBuilder message =
        new StringBuilder(what).append(": gave up after waiting ").append(millis(waited));
    if (bounded()) {
      message
          .append(" (")
          .append(limitName)
          .append(' ')
          .append(millis(Duration.ofNanos(limitNanos)))
          .append(')');
    }
    message
        .append("; ")
        .append(heldWhat.isEmpty() ? "the store stayed locked (holder unknown)" : heldWhat);
    return new StoreBusyException(message.toString(), waited, holder, holderThread, cause);
  }

  private static String millis(Duration duration) {
    return String.format(Locale.ROOT, "%,d ms", duration.toMillis());
  }
}
