package dev.agentstore;

import dev.agentstore.internal.Args;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How a {@link Follower} waits for new entries. Immutable and thread-safe; start from {@link
 * #defaults()} and change what you need with the {@code with...} methods. New options may be added
 * in later versions without breaking callers, which is why there is no public constructor.
 *
 * <p>The options are:
 *
 * <ul>
 *   <li>{@link #pollInterval()}: the longest a follower waits without any wake-up before it reads
 *       the store again (default 1 s): the bound on the delay a lost ring can cause
 *   <li>{@link #backendWakeUps()}: whether the follower listens to its backend's own wake-up
 *       sources (default true): the backend's doorbell (commits made through that backend object)
 *       and its store-wide source (SQLite's {@code data_version} watcher, PostgreSQL's {@code
 *       LISTEN}), which also hears other processes
 *   <li>{@link #wakeUps()}: further sources to listen to, such as a message bus bridge; the
 *       follower subscribes to them and unsubscribes when closed, but never closes the sources
 *       themselves
 *   <li>{@link #pageSize()}: the most entries read from the store at once (default 1,000)
 * </ul>
 */
public final class FollowOptions {
  private static final FollowOptions DEFAULTS =
      new FollowOptions(Duration.ofSeconds(1), true, List.of(), 1000);

  private final Duration pollInterval;
  private final boolean backendWakeUps;
  private final List<WakeUpSource> wakeUps;
  private final int pageSize;

  private FollowOptions(
      Duration pollInterval, boolean backendWakeUps, List<WakeUpSource> wakeUps, int pageSize) {
    Args.notNull(pollInterval, "pollInterval");
    Args.notNull(wakeUps, "wakeUps");
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw new InvalidInputException("pollInterval must be positive, got " + pollInterval);
    }
    if (pageSize < 1 || pageSize > WriterLog.MAX_READ_LIMIT) {
      throw new InvalidInputException(
          "pageSize must be between 1 and " + WriterLog.MAX_READ_LIMIT + ", got " + pageSize);
    }
    this.pollInterval = pollInterval;
    this.backendWakeUps = backendWakeUps;
    this.wakeUps = List.copyOf(wakeUps);
    this.pageSize = pageSize;
  }

  /**
   * Polls every second, listens to the backend's sources, reads up to 1,000 entries at once.
   *
   * @return the default options
   */
  public static FollowOptions defaults() {
    return DEFAULTS;
  }

  /** {@return the longest a follower waits without any wake-up before it reads the store again} */
  public Duration pollInterval() {
    return pollInterval;
  }

  /**
   * {@return whether the follower listens to its backend's doorbell and store-wide wake-up source}
   */
  public boolean backendWakeUps() {
    return backendWakeUps;
  }

  /**
   * Further wake-up sources the follower listens to; an unmodifiable list.
   *
   * @return further wake-up sources the follower listens to; an unmodifiable list
   */
  public List<WakeUpSource> wakeUps() {
    return wakeUps;
  }

  /** {@return the most entries read from the store at once} */
  public int pageSize() {
    return pageSize;
  }

  /**
   * These options with another poll interval.
   *
   * @param pollInterval how often to read the store when no wake-up arrives; positive
   * @return the new options
   * @throws InvalidInputException if {@code pollInterval} is null, zero or negative
   */
  public FollowOptions withPollInterval(Duration pollInterval) {
    return new FollowOptions(pollInterval, backendWakeUps, wakeUps, pageSize);
  }

  /**
   * These options with the backend's own wake-up sources listened to or not.
   *
   * @param backendWakeUps true to listen to the backend's own wake-up sources
   * @return the new options
   */
  public FollowOptions withBackendWakeUps(boolean backendWakeUps) {
    return new FollowOptions(pollInterval, backendWakeUps, wakeUps, pageSize);
  }

  /**
   * These options with {@code source} added to {@link #wakeUps()}.
   *
   * @param source one more wake-up source
   * @return the new options
   * @throws InvalidInputException if {@code source} is null
   */
  public FollowOptions withWakeUps(WakeUpSource source) {
    Args.notNull(source, "source");
    List<WakeUpSource> more = new ArrayList<>(wakeUps);
    more.add(source);
    return new FollowOptions(pollInterval, backendWakeUps, more, pageSize);
  }

  /**
   * These options with another page size.
   *
   * @param pageSize the most entries read at once; positive
   * @return the new options
   * @throws InvalidInputException if {@code pageSize} is not between 1 and {@link
   *     WriterLog#MAX_READ_LIMIT}
   */
  public FollowOptions withPageSize(int pageSize) {
    return new FollowOptions(pollInterval, backendWakeUps, wakeUps, pageSize);
  }

  /** Equal when every option is equal (wake-up sources compared in order, by their equality). */
  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof FollowOptions other
        && pollInterval.equals(other.pollInterval)
        && backendWakeUps == other.backendWakeUps
        && wakeUps.equals(other.wakeUps)
        && pageSize == other.pageSize;
  }

  @Override
  public int hashCode() {
    return Objects.hash(pollInterval, backendWakeUps, wakeUps, pageSize);
  }

  /** Every option by name, for logs. */
  @Override
  public String toString() {
    return "FollowOptions[pollInterval="
        + pollInterval
        + ", backendWakeUps="
        + backendWakeUps
        + ", wakeUps="
        + wakeUps
        + ", pageSize="
        + pageSize
        + "]";
  }
}
