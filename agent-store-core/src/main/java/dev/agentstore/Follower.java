package dev.agentstore;

import dev.agentstore.internal.Args;
import dev.agentstore.internal.JdbcBackend;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Delivers the entries of one {@code (stream, writer)} chain, or of every chain of a stream, as
 * they commit: each entry after the starting position exactly once, and each chain's entries in seq
 * order. Made by {@link WriterLog#follow} and {@link WriterLog#followStream}.
 *
 * <p>The store is the only source of entries. Wake-ups ({@link WakeUpSource}s: the backend's
 * doorbell, its store-wide source, any in {@link FollowOptions#wakeUps()}) only tell the follower
 * to read again, after the last seq it delivered; with none, it reads again after {@link
 * FollowOptions#pollInterval()}. A lost, repeated or reordered wake-up therefore never loses or
 * repeats an entry; it can only delay one, by at most the poll interval. A start position beyond
 * the head is not an error: the follower waits until the chain grows past it. Entries of different
 * writers of a stream come in no particular order relative to each other. Successive entries are
 * checked to link ({@code prev_hash} equal to the previous {@code content_hash}, no gap), so a
 * tampered chain gives {@link ChainBrokenException} rather than a wrong entry.
 *
 * <p>A follower is consumed by one thread at a time ({@link #hasNext}, {@link #next}, {@link
 * #poll}); {@link #close} may be called from any thread and makes a waiting consumer return. A
 * store error while reading is thrown to the consumer and leaves the position unchanged: the next
 * call reads again from there. Interruption follows the library's one rule: no method throws a
 * checked exception, so a consumer interrupted while it waits in {@link #hasNext}, {@link #next} or
 * {@link #poll} gets a {@link StoreException} whose cause is the {@link InterruptedException}, with
 * its interrupt flag set again and the position unchanged. Costs: while waiting it holds no
 * connection; a wake-up that names a chain costs one indexed read of that chain; for a whole-stream
 * follower, a wake-up without a hint (and every poll) also reads the heads of the stream.
 */
public final class Follower implements Iterator<Entry>, AutoCloseable {
  private static final long NO_DEADLINE = Long.MAX_VALUE;

  private final JdbcBackend backend;
  private final String stream;
  private final @Nullable String writer;
  private final FollowOptions options;
  private final String description;
  private final boolean listened;

  // Wake-up state, shared with the sources' threads.
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private boolean pending = true;
  private boolean fullScan = true;
  private final Set<String> hinted = new HashSet<>();
  private volatile boolean closed;

  // When the follower first learned of something to read since its last read (a wake-up, its poll
  // interval, its creation); kept only while listened. Guarded by "lock".
  private long wokenAt;

  // The highest seq read (delivered or buffered) per writer; read by the sources' threads to drop
  // hints that announce nothing new.
  private final Map<String, Long> readUpTo = new ConcurrentHashMap<>();
  private final Map<String, Long> delivered = new ConcurrentHashMap<>();

  // Consumer state, guarded by "this".
  private final ArrayDeque<Entry> buffer = new ArrayDeque<>();
  private final Map<String, byte[]> lastHash = new TreeMap<>();
  private final Set<String> behind = new TreeSet<>();
  private long nextPoll = System.nanoTime();

  // Lag bookkeeping, while listened: when the read that this one follows learned of it, and since
  // when the consumer has been behind (NOT_BEHIND when the last read found it caught up).
  private static final long NOT_BEHIND = Long.MIN_VALUE;
  private long learnedAt;
  private long behindSince = NOT_BEHIND;

  private final List<WakeUpSource.Subscription> subscriptions = new ArrayList<>();

  Follower(
      JdbcBackend backend,
      String stream,
      @Nullable String writer,
      Map<String, Long> after,
      FollowOptions options) {
    this.backend = backend;
    this.stream = stream;
    this.writer = writer;
    this.options = options;
    this.description = writer == null ? "stream " + stream : stream + "/" + writer;
    this.listened = backend.listened();
    // Created behind by an unknown amount: lag time counts from here until first caught up.
    this.wokenAt = listened ? System.nanoTime() : 0;
    readUpTo.putAll(after);
    delivered.putAll(after);
    List<WakeUpSource> sources = new ArrayList<>();
    if (options.backendWakeUps()) {
      sources.add(WakeUpSource.of(backend.doorbell()));
      sources.add(backend.storeWakeUps());
    }
    sources.addAll(options.wakeUps());
    try {
      for (WakeUpSource source : sources) {
        subscriptions.add(Objects.requireNonNull(source.subscribe(this::wake), "subscription"));
      }
    } catch (RuntimeException | Error e) {
      close();
      throw e;
    }
  }

  // ---------------------------------------------------------------- consuming

  /**
   * Waits until an entry is available (true) or this follower is closed (false). Blocks for as long
   * as nothing commits.
   *
   * @throws StoreException when reading the store fails, or when the thread is interrupted (its
   *     interrupt flag is then set again)
   * @throws InvalidInputException when called inside a transaction of the backend on this thread,
   *     which could never see another commit
   */
  @Override
  public synchronized boolean hasNext() {
    return fillInterruptibly(NO_DEADLINE);
  }

  /**
   * The next entry, waiting for one as long as it takes.
   *
   * @throws NoSuchElementException once this follower is closed
   */
  @Override
  public synchronized Entry next() {
    if (!hasNext()) {
      throw new NoSuchElementException("the follower of " + description + " is closed");
    }
    return take();
  }

  /**
   * {@return the next entry, waiting at most {@code timeout} for one; empty when none committed in
   * time or this follower is closed} An entry already read is returned at once, even to an
   * interrupted thread.
   *
   * @param timeout how long to wait at most; zero does not wait
   * @throws StoreException when reading the store fails, or when the thread is interrupted while it
   *     waits (the cause is the {@link InterruptedException}, and the interrupt flag is set again);
   *     the position is unchanged either way
   * @throws InvalidInputException when {@code timeout} is null, or when called inside a transaction
   *     of the backend on this thread
   */
  public synchronized Optional<Entry> poll(Duration timeout) {
    Args.notNull(timeout, "timeout");
    long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
    return fillInterruptibly(deadline) ? Optional.of(take()) : Optional.empty();
  }

  /**
   * {@return the seq of the last entry delivered for {@code writer} (or the starting position when
   * none has been); 0 for a writer this follower has not seen} Thread-safe.
   *
   * @param writer a writer name of the followed stream
   */
  public long position(String writer) {
    return delivered.getOrDefault(Args.notNull(writer, "writer"), 0L);
  }

  /** {@return the position of every writer seen so far (see {@link #position})} Thread-safe. */
  public Map<String, Long> positions() {
    return Map.copyOf(delivered);
  }

  /** {@return whether {@link #close} was called} */
  public boolean isClosed() {
    return closed;
  }

  /**
   * Unsubscribes from every wake-up source and makes a consumer waiting in {@link #hasNext} or
   * {@link #poll} return. When this was a source's last subscriber, returns once the source's
   * thread has finished with its connection (the SQLite {@code data_version} watcher, the
   * PostgreSQL {@code LISTEN} thread; at most 60 s each). Idempotent; callable from any thread.
   */
  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    synchronized (subscriptions) {
      for (WakeUpSource.Subscription subscription : subscriptions) {
        subscription.close();
      }
      subscriptions.clear();
    }
  }

  @Override
  public String toString() {
    return "Follower[" + description + ", " + backend.describe() + "]";
  }

  // ---------------------------------------------------------------- waking

  private void wake(Optional<CommitEvent> hint) {
    if (hint.isPresent()) {
      CommitEvent event = hint.get();
      if (!event.stream().equals(stream)
          || (writer != null && !event.writer().equals(writer))
          || event.seq() <= readUpTo.getOrDefault(event.writer(), 0L)) {
        return;
      }
    }
    lock.lock();
    try {
      if (listened && !pending) {
        wokenAt = System.nanoTime();
      }
      pending = true;
      if (hint.isEmpty()) {
        fullScan = true;
      } else if (writer == null) {
        hinted.add(hint.get().writer());
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- reading

  private Entry take() {
    Entry entry = buffer.removeFirst();
    delivered.put(entry.writer(), entry.seq());
    return entry;
  }

  /**
   * {@link #fill}, with an interrupt turned into the unchecked {@link StoreException} that every
   * blocking call of agent-store throws for it (an {@link Iterator} cannot throw a checked one).
   */
  private boolean fillInterruptibly(long deadline) {
    try {
      return fill(deadline);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while following " + description, e);
    }
  }

  /** Reads until the buffer holds an entry; false when closed or past the deadline first. */
  private boolean fill(long deadline) throws InterruptedException {
    while (!closed) {
      if (!buffer.isEmpty()) {
        return true;
      }
      if (backend.inTransactionOnThisThread()) {
        throw new InvalidInputException(
            "cannot wait for commits to "
                + description
                + " inside a transaction on "
                + backend.describe());
      }
      if (!awaitWake(deadline)) {
        return false;
      }
      try {
        read(takeWakeState());
        if (listened) {
          reportLag();
        }
      } catch (RuntimeException | Error e) {
        // Read again on the next call: the wake-up that brought this read is not spent.
        wake(Optional.empty());
        if (e instanceof StoreException && !buffer.isEmpty()) {
          // Deliver what came before the failure first; the next read meets it again.
          continue;
        }
        throw e;
      } finally {
        nextPoll = System.nanoTime() + options.pollInterval().toNanos();
      }
    }
    return false;
  }

  /**
   * Clears the wake-up state and returns the writers to read. Cleared before the read, so that a
   * wake-up arriving during the read makes the follower read once more.
   */
  private Set<String> takeWakeState() {
    Set<String> writers = new TreeSet<>(behind);
    boolean scan;
    lock.lock();
    try {
      scan = fullScan;
      learnedAt = wokenAt;
      writers.addAll(hinted);
      pending = false;
      fullScan = false;
      hinted.clear();
    } finally {
      lock.unlock();
    }
    if (writer != null) {
      return Set.of(writer);
    }
    if (scan) {
      for (Head head : WriterLog.heads(backend, stream)) {
        if (head.seq() > readUpTo.getOrDefault(head.writer(), 0L)) {
          writers.add(head.writer());
        }
      }
    }
    return writers;
  }

  private void read(Set<String> writers) {
    behind.clear();
    if (writers.isEmpty()) {
      return;
    }
    for (String w : writers) {
      long after = readUpTo.getOrDefault(w, 0L);
      List<Entry> page = WriterLog.readAfter(backend, stream, w, after, options.pageSize());
      for (Entry entry : page) {
        checkLink(entry, after);
        after = entry.seq();
        // Per entry, so that a broken link further on leaves what came before it consistent.
        lastHash.put(w, entry.contentHash());
        readUpTo.put(w, after);
        buffer.addLast(entry);
      }
      if (page.size() == options.pageSize()) {
        behind.add(w);
      }
    }
    if (!behind.isEmpty()) {
      // A full page: there may be more, to read as soon as this page is delivered.
      lock.lock();
      try {
        pending = true;
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * Tells the listener how far the consumer trails the head after a read: the entries just read
   * (the buffer was empty before it) and, behind a full page, the rest up to each chain's head.
   */
  private void reportLag() {
    long entries = buffer.size();
    if (!behind.isEmpty()) {
      for (Head head : WriterLog.heads(backend, stream)) {
        if (behind.contains(head.writer())) {
          entries += Math.max(0, head.seq() - readUpTo.getOrDefault(head.writer(), 0L));
        }
      }
    }
    long nanos = 0;
    if (entries == 0) {
      behindSince = NOT_BEHIND;
    } else {
      if (behindSince == NOT_BEHIND) {
        behindSince = learnedAt;
      }
      nanos = Math.max(0, System.nanoTime() - behindSince);
    }
    backend
        .listener()
        .onFollowerLag(
            new StoreListener.FollowerLag(
                backend.describe(), stream, Optional.ofNullable(writer), entries, nanos));
  }

  private void checkLink(Entry entry, long after) {
    if (entry.seq() != after + 1) {
      throw new ChainBrokenException(
          stream,
          entry.writer(),
          entry.seq(),
          ChainBrokenException.Reason.GAP,
          after + 1,
          entry.seq());
    }
    byte[] previous = lastHash.get(entry.writer());
    if (previous != null) {
      if (!Arrays.equals(entry.prevHash(), previous)) {
        throw new ChainBrokenException(
            stream,
            entry.writer(),
            entry.seq(),
            ChainBrokenException.Reason.PREV_HASH_MISMATCH,
            entry.seq() - 1);
      }
    }
  }

  /**
   * Waits until a read is due — a wake-up came, or the poll interval passed since the last read —
   * or the follower is closed, or the deadline passes. Returns false only when the deadline passed
   * first.
   */
  private boolean awaitWake(long deadline) throws InterruptedException {
    lock.lockInterruptibly();
    try {
      long pollEnd = nextPoll;
      while (!pending && !closed) {
        long now = System.nanoTime();
        if (deadline != NO_DEADLINE && now - deadline >= 0) {
          return false;
        }
        if (now - pollEnd >= 0) {
          if (listened) {
            wokenAt = now;
          }
          pending = true;
          fullScan = true;
          break;
        }
        long wait = pollEnd - now;
        if (deadline != NO_DEADLINE) {
          wait = Math.min(wait, deadline - now);
        }
        changed.awaitNanos(Math.min(wait, TimeUnit.SECONDS.toNanos(60)));
      }
      return true;
    } finally {
      lock.unlock();
    }
  }
}
