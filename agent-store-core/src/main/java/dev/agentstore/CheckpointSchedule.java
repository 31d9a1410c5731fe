package dev.agentstore;

import dev.agentstore.internal.Args;
import java.time.Duration;
import java.util.Objects;

/**
 * When a {@link Checkpointer} takes a checkpoint: after every {@link #everyEntries()} new entries
 * of the chains it covers, or once {@link #afterActivity()} has passed since the first entry not
 * yet in a checkpoint, whichever comes first. Never when nothing changed, and never by the wall
 * clock: time is measured on a monotonic clock from the first unrecorded entry. Immutable; start
 * from {@link #everyEntries(long)} or {@link #afterActivity(Duration)} and combine with the {@code
 * with...} methods.
 */
public final class CheckpointSchedule {
  /** Means "no bound" for {@link #everyEntries()}. */
  private static final long NO_COUNT = Long.MAX_VALUE;

  private final long everyEntries;
  private final Duration afterActivity;

  private CheckpointSchedule(long everyEntries, Duration afterActivity) {
    if (everyEntries < 1) {
      throw new InvalidInputException("everyEntries must be at least 1, got " + everyEntries);
    }
    Args.notNull(afterActivity, "afterActivity");
    if (afterActivity.isNegative() || afterActivity.isZero()) {
      throw new InvalidInputException("afterActivity must be positive, got " + afterActivity);
    }
    this.everyEntries = everyEntries;
    this.afterActivity = afterActivity;
  }

  /**
   * {@return a schedule that takes a checkpoint after every {@code entries} new entries, and on
   * time only when {@link #withAfterActivity} adds a bound}
   *
   * @param entries how many new entries make a checkpoint due; at least 1
   * @throws InvalidInputException when {@code entries} is below 1
   */
  public static CheckpointSchedule everyEntries(long entries) {
    return new CheckpointSchedule(entries, maxDuration());
  }

  /**
   * {@return a schedule that takes a checkpoint once {@code activity} has passed since the first
   * entry not yet in one, and on count only when {@link #withEveryEntries} adds a bound}
   *
   * @param activity how long after the first unrecorded entry a checkpoint is due; positive
   * @throws InvalidInputException when {@code activity} is null, zero or negative
   */
  public static CheckpointSchedule afterActivity(Duration activity) {
    return new CheckpointSchedule(NO_COUNT, activity);
  }

  /**
   * {@return this schedule with the count bound {@code entries}}
   *
   * @param entries how many new entries make a checkpoint due; at least 1
   * @throws InvalidInputException when {@code entries} is below 1
   */
  public CheckpointSchedule withEveryEntries(long entries) {
    return new CheckpointSchedule(entries, afterActivity);
  }

  /**
   * {@return this schedule with the time bound {@code activity}}
   *
   * @param activity how long after the first unrecorded entry a checkpoint is due; positive
   * @throws InvalidInputException when {@code activity} is null, zero or negative
   */
  public CheckpointSchedule withAfterActivity(Duration activity) {
    return new CheckpointSchedule(everyEntries, activity);
  }

  /** {@return how many new entries make a checkpoint due ({@link Long#MAX_VALUE}: no bound)} */
  public long everyEntries() {
    return everyEntries;
  }

  /**
   * {@return how long after the first entry not yet in a checkpoint one is due (a duration of
   * {@link Long#MAX_VALUE} seconds: no bound)}
   */
  public Duration afterActivity() {
    return afterActivity;
  }

  /** The nanoseconds of {@link #afterActivity()}, saturated (a nanosecond long lasts 292 years). */
  long afterActivityNanos() {
    try {
      return afterActivity.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  private static Duration maxDuration() {
    return Duration.ofSeconds(Long.MAX_VALUE);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CheckpointSchedule that
        && everyEntries == that.everyEntries
        && afterActivity.equals(that.afterActivity);
  }

  @Override
  public int hashCode() {
    return Objects.hash(everyEntries, afterActivity);
  }

  @Override
  public String toString() {
    return "CheckpointSchedule[everyEntries="
        + (everyEntries == NO_COUNT ? "unbounded" : everyEntries)
        + ", afterActivity="
        + (afterActivity.equals(maxDuration()) ? "unbounded" : afterActivity)
        + "]";
  }
}
