package dev.agentstore;

import dev.agentstore.internal.Args;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How a {@link Follower} waits for new entries. Immutable; start from {@link #defaults()}.
 *
 * @param pollInterval the longest a follower waits without any wake-up before it reads the store
 *     again (default 1 s): the bound on the delay a lost ring can cause
 * @param backendWakeUps whether the follower listens to its backend's own wake-up sources (default
 *     true): the backend's doorbell (commits made through that backend object) and its store-wide
 *     source (SQLite's {@code data_version} watcher, PostgreSQL's {@code LISTEN}), which also hears
 *     other processes
 * @param wakeUps further sources to listen to, such as a message bus bridge; the follower
 *     subscribes to them and unsubscribes when closed, but never closes the sources themselves
 * @param pageSize the most entries read from the store at once (default 1,000)
 */
public record FollowOptions(
    Duration pollInterval, boolean backendWakeUps, List<WakeUpSource> wakeUps, int pageSize) {

  public FollowOptions {
    Args.notNull(pollInterval, "pollInterval");
    Args.notNull(wakeUps, "wakeUps");
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw new InvalidInputException("pollInterval must be positive, got " + pollInterval);
    }
    wakeUps = List.copyOf(wakeUps);
    if (pageSize < 1 || pageSize > WriterLog.MAX_READ_LIMIT) {
      throw new InvalidInputException(
          "pageSize must be between 1 and " + WriterLog.MAX_READ_LIMIT + ", got " + pageSize);
    }
  }

  /** Polls every second, listens to the backend's sources, reads up to 1,000 entries at once. */
  public static FollowOptions defaults() {
    return new FollowOptions(Duration.ofSeconds(1), true, List.of(), 1000);
  }

  public FollowOptions withPollInterval(Duration pollInterval) {
    return new FollowOptions(pollInterval, backendWakeUps, wakeUps, pageSize);
  }

  public FollowOptions withBackendWakeUps(boolean backendWakeUps) {
    return new FollowOptions(pollInterval, backendWakeUps, wakeUps, pageSize);
  }

  /** These options with {@code source} added to {@link #wakeUps()}. */
  public FollowOptions withWakeUps(WakeUpSource source) {
    Args.notNull(source, "source");
    List<WakeUpSource> more = new ArrayList<>(wakeUps);
    more.add(source);
    return new FollowOptions(pollInterval, backendWakeUps, more, pageSize);
  }

  public FollowOptions withPageSize(int pageSize) {
    return new FollowOptions(pollInterval, backendWakeUps, wakeUps, pageSize);
  }
}
