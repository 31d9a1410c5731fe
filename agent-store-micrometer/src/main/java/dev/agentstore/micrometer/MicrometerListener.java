package dev.agentstore.micrometer;

import dev.agentstore.InvalidInputException;
import dev.agentstore.StoreListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A {@link StoreListener} that records what a backend reports as Micrometer meters. Register it
 * with {@code SqliteOptions.withListener(MicrometerListener.of(registry))} (or {@code
 * PostgresOptions.withListener}, {@code NatsWakeUps.forStream(..., listener)}); one listener may
 * serve several backends, which its {@code store} tag tells apart.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 *   <tr><td>{@code agentstore.append}</td><td>timer</td><td>store, outcome, [stream]</td>
 *       <td>append calls; outcome {@code ok}, {@code conflict}, {@code busy} or {@code error}</td></tr>
 *   <tr><td>{@code agentstore.append.entries}</td><td>counter</td><td>store, [stream]</td>
 *       <td>entries appended by calls that ended {@code ok}</td></tr>
 *   <tr><td>{@code agentstore.busy.waits}</td><td>timer</td><td>store, outcome</td>
 *       <td>attempts of write calls that waited for a busy store; outcome {@code proceeded},
 *       {@code retrying} or {@code gave_up}</td></tr>
 *   <tr><td>{@code agentstore.busy.retries}</td><td>counter</td><td>store</td>
 *       <td>attempts that met a busy store and were tried again</td></tr>
 *   <tr><td>{@code agentstore.verify}</td><td>timer</td><td>store, result, [stream]</td>
 *       <td>chain verifications; result {@code intact} or {@code broken}</td></tr>
 *   <tr><td>{@code agentstore.verify.entries}</td><td>counter</td><td>store, [stream]</td>
 *       <td>entries found intact</td></tr>
 *   <tr><td>{@code agentstore.follower.lag.entries}</td><td>distribution summary</td>
 *       <td>store, [stream]</td><td>entries a follower's consumer trailed the head by, at each
 *       read of the store</td></tr>
 *   <tr><td>{@code agentstore.follower.lag.time}</td><td>timer</td><td>store, [stream]</td>
 *       <td>how long the consumer had been behind, at each read (0 when caught up)</td></tr>
 *   <tr><td>{@code agentstore.wakeups.reconnects}</td><td>counter</td><td>source</td>
 *       <td>wake-up sources (PostgreSQL {@code LISTEN}, NATS) that got their connection back</td></tr>
 *   <tr><td>{@code agentstore.pool.wait}</td><td>timer</td><td>store</td>
 *       <td>waits for a connection of the PostgreSQL backend's own pool</td></tr>
 * </table>
 *
 * <p>The {@code store} tag is the backend's description ({@code Backend.describe()}, e.g. {@code
 * SQLite file /var/lib/fleet.db}); {@code source} is the wake-up source's. The {@code stream} tag
 * is off by default: every stream would make its own time series. Turn it on with {@link
 * #withStreamTag(boolean)} only when streams are few. Writers are never a tag.
 *
 * <p>Immutable and thread-safe; meters are registered on first use and then looked up in a map of
 * this listener's own.
 */
public final class MicrometerListener implements StoreListener {
  private final MeterRegistry registry;
  private final boolean streamTag;
  private final Map<String, StoreMeters> stores = new ConcurrentHashMap<>();
  private final Map<ChainKey, ChainMeters> chains = new ConcurrentHashMap<>();
  private final Map<String, Counter> reconnects = new ConcurrentHashMap<>();

  private MicrometerListener(MeterRegistry registry, boolean streamTag) {
    this.registry = registry;
    this.streamTag = streamTag;
  }

  /**
   * {@return a listener recording into {@code registry}, without the {@code stream} tag}
   *
   * @param registry the registry to record into
   * @throws InvalidInputException if {@code registry} is null
   */
  public static MicrometerListener of(MeterRegistry registry) {
    if (registry == null) {
      throw new InvalidInputException("registry must not be null");
    }
    return new MicrometerListener(registry, false);
  }

  /**
   * A listener recording into the same registry, with or without the {@code stream} tag on the
   * append, verify and follower meters.
   *
   * @param streamTag true to tag those meters with the stream
   * @return the new listener
   */
  public MicrometerListener withStreamTag(boolean streamTag) {
    return new MicrometerListener(registry, streamTag);
  }

  /** {@return whether the append, verify and follower meters carry a {@code stream} tag} */
  public boolean streamTag() {
    return streamTag;
  }

  @Override
  public void onAppend(Append event) {
    ChainMeters meters = chain(event.store(), event.stream());
    meters.append.get(event.outcome()).record(event.nanos(), TimeUnit.NANOSECONDS);
    if (event.outcome() == AppendOutcome.OK) {
      meters.appendEntries.increment(event.entries());
    }
  }

  @Override
  public void onBusyWait(BusyWait event) {
    StoreMeters meters = store(event.store());
    meters.busyWaits.get(event.outcome()).record(event.waitedNanos(), TimeUnit.NANOSECONDS);
    if (event.outcome() == BusyOutcome.RETRYING) {
      meters.busyRetries.increment();
    }
  }

  @Override
  public void onVerify(Verify event) {
    ChainMeters meters = chain(event.store(), event.stream());
    (event.intact() ? meters.verifyIntact : meters.verifyBroken)
        .record(event.nanos(), TimeUnit.NANOSECONDS);
    meters.verifyEntries.increment(event.entries());
  }

  @Override
  public void onFollowerLag(FollowerLag event) {
    ChainMeters meters = chain(event.store(), event.stream());
    meters.lagEntries.record(event.entriesBehind());
    meters.lagTime.record(event.nanosBehind(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void onReconnect(Reconnect event) {
    reconnects
        .computeIfAbsent(
            event.source(),
            source ->
                Counter.builder("agentstore.wakeups.reconnects")
                    .description("wake-up sources that got their connection back")
                    .tag("source", source)
                    .register(registry))
        .increment();
  }

  @Override
  public void onPoolWait(PoolWait event) {
    store(event.store()).poolWait.record(event.nanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public String toString() {
    return "MicrometerListener["
        + registry.getClass().getSimpleName()
        + ", streamTag="
        + streamTag
        + "]";
  }

  private StoreMeters store(String store) {
    return stores.computeIfAbsent(store, s -> new StoreMeters(registry, Tags.of("store", s)));
  }

  private ChainMeters chain(String store, String stream) {
    ChainMeters meters;
    if (streamTag) {
      meters =
          chains.computeIfAbsent(
              new ChainKey(store, stream),
              key -> new ChainMeters(registry, Tags.of("store", store, "stream", stream)));
    } else {
      StoreMeters storeMeters = store(store);
      meters = storeMeters.chain;
    }
    return meters;
  }

  private static String tagValue(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  private record ChainKey(String store, String stream) {}

  /** The meters tagged by store alone, and (without the stream tag) its chain meters. */
  private static final class StoreMeters {
    final EnumMap<BusyOutcome, Timer> busyWaits = new EnumMap<>(BusyOutcome.class);
    final Counter busyRetries;
    final Timer poolWait;
    final ChainMeters chain;

    StoreMeters(MeterRegistry registry, Tags tags) {
      for (BusyOutcome outcome : BusyOutcome.values()) {
        busyWaits.put(
            outcome,
            Timer.builder("agentstore.busy.waits")
                .description("attempts of write calls that waited for a busy store")
                .tags(tags)
                .tag("outcome", tagValue(outcome))
                .register(registry));
      }
      busyRetries =
          Counter.builder("agentstore.busy.retries")
              .description("attempts that met a busy store and were tried again")
              .tags(tags)
              .register(registry);
      poolWait =
          Timer.builder("agentstore.pool.wait")
              .description("waits for a connection of the backend's own pool")
              .tags(tags)
              .register(registry);
      chain = new ChainMeters(registry, tags);
    }
  }

  /** The meters that may carry the stream tag. */
  private static final class ChainMeters {
    final EnumMap<AppendOutcome, Timer> append = new EnumMap<>(AppendOutcome.class);
    final Counter appendEntries;
    final Timer verifyIntact;
    final Timer verifyBroken;
    final Counter verifyEntries;
    final DistributionSummary lagEntries;
    final Timer lagTime;

    ChainMeters(MeterRegistry registry, Tags tags) {
      for (AppendOutcome outcome : AppendOutcome.values()) {
        append.put(
            outcome,
            Timer.builder("agentstore.append")
                .description("append calls")
                .tags(tags)
                .tag("outcome", tagValue(outcome))
                .register(registry));
      }
      appendEntries =
          Counter.builder("agentstore.append.entries")
              .description("entries appended")
              .tags(tags)
              .register(registry);
      verifyIntact = verifyTimer(registry, tags, "intact");
      verifyBroken = verifyTimer(registry, tags, "broken");
      verifyEntries =
          Counter.builder("agentstore.verify.entries")
              .description("entries found intact by verifications")
              .tags(tags)
              .register(registry);
      lagEntries =
          DistributionSummary.builder("agentstore.follower.lag.entries")
              .description("entries a follower's consumer trailed the head by, at each read")
              .baseUnit("entries")
              .tags(tags)
              .register(registry);
      lagTime =
          Timer.builder("agentstore.follower.lag.time")
              .description("how long a follower's consumer had been behind, at each read")
              .tags(tags)
              .register(registry);
    }

    private static Timer verifyTimer(MeterRegistry registry, Tags tags, String result) {
      return Timer.builder("agentstore.verify")
          .description("chain verifications")
          .tags(tags)
          .tag("result", result)
          .register(registry);
    }
  }
}
