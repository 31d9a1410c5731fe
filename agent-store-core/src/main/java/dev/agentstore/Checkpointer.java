package dev.agentstore;

import dev.agentstore.internal.Args;
import dev.agentstore.spi.Threads;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Takes checkpoints of a store as it grows, on a {@link CheckpointSchedule} (every N new entries,
 * or T after the first entry not yet in a checkpoint), and hands each to a {@link CheckpointSink}
 * (a file, a NATS stream, a witness table).
 *
 * <p>It learns of new entries from the commits the process sees. {@link #start} listens to the
 * backend's {@link Doorbell} (the commits made through that backend object) on a thread of its own;
 * a process that follows another's writes instead passes each entry its {@link Follower} delivers
 * to {@link #observe(Entry)} and calls {@link #tick()} now and then (say, after each {@link
 * Follower#poll} returns). Entries are counted by seq, from the heads read when the checkpointer
 * was made, so a repeated or coalesced announcement neither counts twice nor is lost.
 *
 * <p>A checkpoint is never taken when nothing changed: when the heads of the covered chains are
 * those of the last checkpoint (or, before the first, those read at creation), nothing is signed or
 * handed on. Time is read from a monotonic clock in nanoseconds ({@link System#nanoTime} unless one
 * is passed in, as tests do), never from the wall clock. Thread-safe.
 */
public final class Checkpointer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Checkpointer.class.getName());

  private record Chain(String stream, String writer) {}

  private final Backend backend;
  private final WriterKey key;
  private final Checkpoint.Selection selection;
  private final CheckpointSchedule schedule;
  private final CheckpointSink sink;
  private final LongSupplier clock;

  // Guarded by "this".
  private final Map<Chain, Long> seen = new HashMap<>();
  private List<Head> recorded;
  private long unrecorded;
  private long firstUnrecordedAt;
  private @Nullable Checkpoint last;

  private final AtomicLong taken = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();

  // The thread of start(), and the commits queued for it; guarded by "queue".
  private final ArrayDeque<CommitEvent> queue = new ArrayDeque<>();
  private boolean closed;
  private @Nullable Thread thread;
  private Doorbell.@Nullable Subscription subscription;

  private Checkpointer(
      Backend backend,
      WriterKey key,
      Checkpoint.Selection selection,
      CheckpointSchedule schedule,
      CheckpointSink sink,
      LongSupplier clock) {
    this.backend = backend;
    this.key = key;
    this.selection = selection;
    this.schedule = schedule;
    this.sink = sink;
    this.clock = clock;
    this.recorded = Checkpoint.heads(backend, selection);
    for (Head head : recorded) {
      seen.put(new Chain(head.stream(), head.writer()), head.seq());
    }
  }

  /**
   * Makes a checkpointer driven by its caller ({@link #observe}, {@link #tick}), reading time from
   * {@code nanoClock}. Reads the current heads of the covered chains once: entries are counted from
   * there.
   *
   * @param backend the store to checkpoint
   * @param key the key that signs the checkpoints
   * @param selection which chains the checkpoints cover
   * @param schedule when a checkpoint is due
   * @param sink where each checkpoint goes
   * @param nanoClock a monotonic clock in nanoseconds, like {@link System#nanoTime}
   * @return the checkpointer; it has taken no checkpoint yet
   */
  public static Checkpointer create(
      Backend backend,
      WriterKey key,
      Checkpoint.Selection selection,
      CheckpointSchedule schedule,
      CheckpointSink sink,
      LongSupplier nanoClock) {
    Args.notNull(backend, "backend");
    Args.notNull(key, "key");
    Args.notNull(selection, "selection");
    Args.notNull(schedule, "schedule");
    Args.notNull(sink, "sink");
    Args.notNull(nanoClock, "nanoClock");
    return new Checkpointer(backend, key, selection, schedule, sink, nanoClock);
  }

  /**
   * Makes a checkpointer that listens to {@code backend}'s doorbell and takes its checkpoints on a
   * thread of its own, as they fall due (a failure to take or keep one is logged, counted in {@link
   * #failures()}, and tried again at the next commit or after the schedule's time bound). Close it
   * to stop; closing takes a last checkpoint of what it saw and did not record yet.
   *
   * @param backend the store to checkpoint
   * @param key the key that signs the checkpoints
   * @param selection which chains the checkpoints cover
   * @param schedule when a checkpoint is due
   * @param sink where each checkpoint goes
   * @return the running checkpointer
   */
  public static Checkpointer start(
      Backend backend,
      WriterKey key,
      Checkpoint.Selection selection,
      CheckpointSchedule schedule,
      CheckpointSink sink) {
    Checkpointer checkpointer = create(backend, key, selection, schedule, sink, System::nanoTime);
    Thread worker = new Thread(checkpointer::run, "agent-store checkpointer");
    worker.setDaemon(true);
    synchronized (checkpointer.queue) {
      checkpointer.thread = worker;
      checkpointer.subscription = backend.doorbell().subscribe(checkpointer::enqueue);
    }
    worker.start();
    return checkpointer;
  }

  /**
   * Counts a committed entry and takes a checkpoint when one falls due. An entry of a chain the
   * selection does not cover, or at or below a seq already counted, is not counted again.
   *
   * @param event the commit, as a doorbell or a bridge announces it
   * @return the checkpoint taken and handed to the sink, when one was
   * @throws StoreException when reading the heads or keeping the checkpoint fails; the entries stay
   *     counted, so the next call tries again
   */
  public synchronized Optional<Checkpoint> observe(CommitEvent event) {
    Args.notNull(event, "event");
    count(event);
    return tick();
  }

  private synchronized void count(CommitEvent event) {
    if (Checkpoint.covers(selection, event.stream(), event.writer())) {
      Chain chain = new Chain(event.stream(), event.writer());
      long known = seen.getOrDefault(chain, 0L);
      if (event.seq() > known) {
        seen.put(chain, event.seq());
        if (unrecorded == 0) {
          firstUnrecordedAt = clock.getAsLong();
        }
        unrecorded = saturatedAdd(unrecorded, event.seq() - known);
      }
    }
  }

  /**
   * Counts an entry a {@link Follower} delivered, as {@link #observe(CommitEvent)} does.
   *
   * @param entry the entry delivered
   * @return the checkpoint taken and handed to the sink, when one was
   * @throws StoreException when reading the heads or keeping the checkpoint fails
   */
  public Optional<Checkpoint> observe(Entry entry) {
    Args.notNull(entry, "entry");
    return observe(CommitEvent.of(entry));
  }

  /**
   * Takes a checkpoint if one is due: some entries are counted but not recorded, and either there
   * are {@link CheckpointSchedule#everyEntries()} of them or {@link
   * CheckpointSchedule#afterActivity()} has passed since the first.
   *
   * @return the checkpoint taken and handed to the sink, when one was
   * @throws StoreException when reading the heads or keeping the checkpoint fails
   */
  public synchronized Optional<Checkpoint> tick() {
    if (unrecorded == 0) {
      return Optional.empty();
    }
    boolean due =
        unrecorded >= schedule.everyEntries()
            || clock.getAsLong() - firstUnrecordedAt >= schedule.afterActivityNanos();
    return due ? flush() : Optional.empty();
  }

  /**
   * Takes a checkpoint now if the covered chains' heads differ from the last checkpoint's (or,
   * before the first, from those at creation), whatever the schedule says.
   *
   * @return the checkpoint taken and handed to the sink; empty when nothing changed
   * @throws StoreException when reading the heads or keeping the checkpoint fails
   */
  public synchronized Optional<Checkpoint> flush() {
    Checkpoint checkpoint = Checkpoint.take(backend, key, selection);
    if (checkpoint.chains().equals(recorded)) {
      unrecorded = 0;
      return Optional.empty();
    }
    sink.publish(checkpoint);
    recorded = checkpoint.chains();
    for (Head head : recorded) {
      seen.merge(new Chain(head.stream(), head.writer()), head.seq(), Math::max);
    }
    unrecorded = 0;
    last = checkpoint;
    taken.incrementAndGet();
    return Optional.of(checkpoint);
  }

  /** {@return the last checkpoint this checkpointer handed to its sink, if any} */
  public synchronized Optional<Checkpoint> last() {
    return Optional.ofNullable(last);
  }

  /** {@return how many entries were counted since the last checkpoint} */
  public synchronized long unrecorded() {
    return unrecorded;
  }

  /** {@return how many checkpoints were handed to the sink} */
  public long taken() {
    return taken.get();
  }

  /** {@return how many times the thread of {@link #start} failed to take or keep a checkpoint} */
  public long failures() {
    return failures.get();
  }

  /**
   * Stops listening (for {@link #start}: waits for its thread, at most 60 s), then takes a last
   * checkpoint when entries were counted and not recorded yet. Idempotent.
   *
   * @throws StoreException when that last checkpoint cannot be taken or kept
   */
  @Override
  public void close() {
    Thread worker;
    synchronized (queue) {
      if (closed) {
        return;
      }
      closed = true;
      if (subscription != null) {
        subscription.close();
      }
      worker = thread;
      queue.notifyAll();
    }
    Threads.awaitExit(worker, "the checkpointer of " + backend.describe());
    List<CommitEvent> left;
    synchronized (queue) {
      left = List.copyOf(queue);
      queue.clear();
    }
    synchronized (this) {
      for (CommitEvent event : left) {
        count(event);
      }
      if (unrecorded > 0) {
        flush();
      }
    }
  }

  private void enqueue(CommitEvent event) {
    synchronized (queue) {
      if (!closed) {
        queue.add(event);
        queue.notifyAll();
      }
    }
  }

  private void run() {
    while (true) {
      List<CommitEvent> batch;
      long waitNanos = waitNanos();
      synchronized (queue) {
        if (queue.isEmpty() && !closed && waitNanos > 0) {
          try {
            if (waitNanos == Long.MAX_VALUE) {
              queue.wait();
            } else {
              TimeUnit.NANOSECONDS.timedWait(queue, waitNanos);
            }
          } catch (InterruptedException e) {
            return;
          }
        }
        if (closed) {
          return;
        }
        batch = List.copyOf(queue);
        queue.clear();
      }
      try {
        for (CommitEvent event : batch) {
          observe(event);
        }
        tick();
      } catch (RuntimeException e) {
        failures.incrementAndGet();
        synchronized (this) {
          // Try again after the time bound (or at the next commit), not in a tight loop.
          firstUnrecordedAt = clock.getAsLong();
        }
        LOG.log(
            System.Logger.Level.WARNING,
            "could not take or keep a checkpoint of " + backend.describe(),
            e);
      }
    }
  }

  /** How long until the time bound falls due; Long.MAX_VALUE when nothing is counted. */
  private synchronized long waitNanos() {
    if (unrecorded == 0 || schedule.afterActivityNanos() == Long.MAX_VALUE) {
      return Long.MAX_VALUE;
    }
    return schedule.afterActivityNanos() - (clock.getAsLong() - firstUnrecordedAt);
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }
}
