package dev.agentstore.nats;

import dev.agentstore.Backend;
import dev.agentstore.CommitEvent;
import dev.agentstore.Doorbell;
import dev.agentstore.Entry;
import dev.agentstore.WriterLog;
import dev.agentstore.spi.Checks;
import dev.agentstore.spi.Threads;
import io.nats.client.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes the commits rung on a backend's doorbell to NATS, as {@link CommitMessage}s on the
 * subject of their stream ({@link NatsSubjects}), so that followers on other machines wake up (see
 * {@link NatsWakeUps}). Every process that appends runs one bridge for its backend.
 *
 * <p>The doorbell subscriber only queues the ring; a thread of the bridge reads the announced
 * entry's hash from the store (one indexed read) and publishes. Rings for the same chain that queue
 * up meanwhile are coalesced into the latest, which announces the earlier ones too. Publishing
 * never slows or fails an append: while NATS is unreachable, jnats buffers messages for its
 * reconnect (or drops them when its buffer is full, counted in {@link #failures()}); either way
 * followers catch up from the store. Thread-safe.
 */
public final class NatsCommitBridge implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(NatsCommitBridge.class.getName());

  private record Chain(String stream, String writer) {}

  private final Connection nats;
  private final Backend backend;
  private final NatsSubjects subjects;
  private final Map<Chain, Long> pending = new LinkedHashMap<>();
  private final AtomicLong published = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final Thread thread;
  private final Doorbell.Subscription subscription;
  private boolean closed;

  private NatsCommitBridge(Connection nats, Backend backend, NatsSubjects subjects) {
    this.nats = nats;
    this.backend = backend;
    this.subjects = subjects;
    this.thread = new Thread(this::run, "agent-store NATS bridge");
    thread.setDaemon(true);
    thread.start();
    this.subscription = backend.doorbell().subscribe(this::enqueue);
  }

  /**
   * Bridges {@code backend}'s doorbell to {@code nats} on the default subjects.
   *
   * @param nats the NATS connection to use; the caller keeps it open and closes it
   * @param backend the store whose doorbell to bridge
   * @return the running bridge; close it to stop
   */
  public static NatsCommitBridge start(Connection nats, Backend backend) {
    return start(nats, backend, NatsSubjects.defaults());
  }

  /**
   * Bridges {@code backend}'s doorbell to {@code nats} on {@code subjects}.
   *
   * @param nats the NATS connection to use; the caller keeps it open and closes it
   * @param backend the store whose doorbell to bridge
   * @param subjects the subject scheme
   * @return the running bridge; close it to stop
   */
  public static NatsCommitBridge start(Connection nats, Backend backend, NatsSubjects subjects) {
    Checks.notNull(nats, "nats");
    Checks.notNull(backend, "backend");
    Checks.notNull(subjects, "subjects");
    return new NatsCommitBridge(nats, backend, subjects);
  }

  /** {@return how many commit messages were handed to the NATS client} */
  public long published() {
    return published.get();
  }

  /** {@return how many rings could not be published (store read or NATS client failed)} */
  public long failures() {
    return failures.get();
  }

  /**
   * Stops listening to the doorbell, publishes what is queued (waiting at most 60 s, then logging a
   * warning), and flushes the NATS client (at most 2 s). Does not close the NATS connection.
   * Idempotent.
   */
  @Override
  public void close() {
    subscription.close();
    synchronized (pending) {
      if (closed) {
        return;
      }
      closed = true;
      pending.notifyAll();
    }
    // The thread reads the store for each commit it publishes: it is done with the backend only
    // once it has finished.
    Threads.awaitExit(thread, "the NATS bridge of " + backend.describe());
    try {
      if (nats.getStatus() == Connection.Status.CONNECTED) {
        nats.flush(Duration.ofSeconds(2));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.TimeoutException e) {
      LOG.log(System.Logger.Level.DEBUG, "NATS flush timed out on close", e);
    }
  }

  private void enqueue(CommitEvent event) {
    synchronized (pending) {
      if (!closed) {
        pending.merge(new Chain(event.stream(), event.writer()), event.seq(), Math::max);
        pending.notifyAll();
      }
    }
  }

  private void run() {
    while (true) {
      List<Map.Entry<Chain, Long>> batch;
      synchronized (pending) {
        while (pending.isEmpty() && !closed) {
          try {
            pending.wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (pending.isEmpty()) {
          return;
        }
        batch = new ArrayList<>(pending.entrySet());
        pending.clear();
      }
      for (Map.Entry<Chain, Long> ring : batch) {
        publish(ring.getKey(), ring.getValue());
      }
    }
  }

  private void publish(Chain chain, long seq) {
    try {
      List<Entry> entry = WriterLog.readAfter(backend, chain.stream(), chain.writer(), seq - 1, 1);
      if (entry.isEmpty()) {
        return;
      }
      nats.publish(subjects.subject(chain.stream()), CommitMessage.of(entry.get(0)).toJson());
      published.incrementAndGet();
    } catch (RuntimeException e) {
      failures.incrementAndGet();
      LOG.log(
          System.Logger.Level.WARNING,
          "could not publish commit " + chain.stream() + "/" + chain.writer() + " seq " + seq,
          e);
    }
  }
}
