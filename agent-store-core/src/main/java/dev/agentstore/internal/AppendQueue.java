package dev.agentstore.internal;

import dev.agentstore.CommitEvent;
import dev.agentstore.Entry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Group commit: appends of one backend that arrive while another append is being written wait in
 * line and are then written together, in one transaction, by whichever of them reaches the front
 * first (the leader). The others (followers) sleep until the leader has committed and handed each
 * its own result or its own exception.
 *
 * <p>Batching comes only from concurrency: an append that finds the line empty is the leader of a
 * group of one at once, and {@link Writing#alone} writes it exactly as an append without group
 * commit would. There are no timers.
 *
 * <p>The invariant: only the request at the front of {@link #line} may write, and it writes the
 * requests from the front up to {@link #MAX_GROUP}; they leave the line before the next front is
 * woken to lead. So groups never overlap and each chain's appends are written in line order.
 *
 * <p>Waiting requests park on their own thread rather than on a shared condition: a leader that
 * settles seven followers wakes seven threads that return at once, none of them queueing for the
 * line's lock on the way out. A leader whose group is done and who finds others waiting writes them
 * as its next group, up to {@link #MAX_ROUNDS} groups in a row, before it wakes the front of the
 * line to lead.
 */
public final class AppendQueue {
  /**
   * The most appends written in one transaction: enough to share one flush among many threads, few
   * enough that a group's transaction stays short for the appenders of other processes.
   */
  static final int MAX_GROUP = 256;

  /**
   * The most groups one leader writes in a row. A leader that finds appends waiting once its group
   * is committed writes them too, rather than waking the first of them to do it: the writer goes on
   * without a thread hand-off, whose wake-up costs the most right after a flush. Measured with 8
   * threads on their own chains under {@code FULL}: 2.7 times the baseline with up to 4 groups
   * against 2.2 with 1, and no more with 16; the bound keeps what the leader's own caller waits for
   * the others short.
   */
  static final int MAX_ROUNDS = 4;

  /** One caller's append, waiting in line; its outcome is set once, by the leader of its group. */
  public static final class Request {
    private static final int WAITING = 0;
    private static final int LEAD = 1;
    private static final int DONE = 2;

    final String stream;
    final String writer;
    final List<byte[]> payloads;
    final OptionalLong expectedSeq;
    final LogOps.@Nullable Signing signing;

    private final Thread caller = Thread.currentThread();

    /** Set once, by the leader of the group before, to {@link #LEAD} or {@link #DONE}. */
    private volatile int state = WAITING;

    private @Nullable List<Entry> appended;
    private @Nullable Throwable failure;

    /** Set by the leader when it left this append out of its group, unwritten, to run alone. */
    private boolean alone;

    Request(
        String stream,
        String writer,
        List<byte[]> payloads,
        OptionalLong expectedSeq,
        LogOps.@Nullable Signing signing) {
      this.stream = stream;
      this.writer = writer;
      this.payloads = payloads;
      this.expectedSeq = expectedSeq;
      this.signing = signing;
    }

    /** Sets what the caller gets back; the first outcome set stands. */
    void succeed(List<Entry> entries) {
      if (appended == null && failure == null) {
        appended = entries;
      }
    }

    /** Sets the exception the caller gets; the first outcome set stands. */
    void fail(Throwable e) {
      if (appended == null && failure == null && !alone) {
        failure = e;
      }
    }

    /**
     * Leaves this append out of its group: nothing of it was written, and its own thread writes it
     * alone once the group has left the line.
     */
    void runAlone() {
      if (appended == null && failure == null) {
        alone = true;
      }
    }

    List<Entry> outcome() {
      if (failure instanceof RuntimeException e) {
        throw e;
      }
      if (failure instanceof Error e) {
        throw e;
      }
      if (appended == null) {
        throw new IllegalStateException(
            "the append to " + stream + "/" + writer + " left its group without an outcome");
      }
      return appended;
    }

    /**
     * Parks the caller until the request leads its group or is done; an interrupt does not end the
     * wait (an append already in line is written regardless) but stays set for the caller.
     */
    private int await() {
      boolean interrupted = false;
      int now;
      while ((now = state) == WAITING) {
        LockSupport.park(this);
        if (Thread.interrupted()) {
          interrupted = true;
        }
      }
      if (interrupted) {
        caller.interrupt();
      }
      return now;
    }

    /** Sets the state the caller wakes to, after its outcome if any, and wakes it. */
    private void wake(int to) {
      state = to;
      LockSupport.unpark(caller);
    }
  }

  /** How a leader writes: a group of one as before group commit, larger groups together. */
  interface Writing {
    /** Writes one append by itself, returning its entries or throwing its exception. */
    List<Entry> alone(Request request);

    /**
     * Writes {@code group} (two or more requests) in one transaction, settling each request: its
     * own entries, its own exception when it failed alone, or {@link Request#runAlone} when it was
     * left out to be written alone. Throws when the whole group failed.
     */
    void together(List<Request> group);
  }

  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<Request> line = new ArrayDeque<>();

  /** Requests woken by a leader whose threads have not yet run to see it. */
  private final AtomicInteger waking = new AtomicInteger();

  /**
   * Appends {@code payloads} to {@code stream/writer} (signed as {@code signing} says, when it is
   * given), grouped with the appends waiting beside it, and returns its entries once they are
   * committed.
   */
  public List<Entry> append(
      JdbcBackend backend,
      Writing writing,
      String stream,
      String writer,
      List<byte[]> payloads,
      OptionalLong expectedSeq,
      LogOps.@Nullable Signing signing) {
    Request request = new Request(stream, writer, payloads, expectedSeq, signing);
    boolean front;
    lock.lock();
    try {
      line.addLast(request);
      front = line.peekFirst() == request;
    } finally {
      lock.unlock();
    }
    if (!front) {
      int woke = request.await();
      waking.decrementAndGet();
      if (woke == Request.DONE) {
        return request.alone ? writing.alone(request) : request.outcome();
      }
    }
    List<Request> group = takeGroup(request);
    if (group.size() == 1 && waking.get() > 0) {
      // Followers of the last group have been woken but have not run yet: on a busy core they wait
      // behind this thread, which would otherwise lead a group of one and flush alone while they
      // come back one by one. Letting them run first lets them join this group. No wait for
      // anyone: without concurrency nobody is waking, and a yield with nothing to run returns.
      Thread.yield();
      group = takeGroup(request);
    }
    // The doorbell rings once the line has moved on: a subscriber that appends, or waits for an
    // append of another thread, must not wait behind the leader that is ringing it.
    List<CommitEvent> rings = backend.holdRings();
    // The leader's interrupt is its own: it must not fail the appends of the others in its group
    // (waiting for the writer connection gives up on an interrupt), so it is set aside while the
    // group is written and kept for the caller. A group of one fails on it as it would alone.
    boolean interrupted = group.size() > 1 && Thread.interrupted();
    try {
      int rounds = 1;
      while (true) {
        Request next;
        try {
          write(writing, group);
        } finally {
          next = settle(group, rounds == 1, rounds == MAX_ROUNDS);
        }
        if (next == null || rounds == MAX_ROUNDS) {
          break;
        }
        // This caller's own append is done: an interrupt that came since must not fail others'.
        rounds++;
        interrupted |= Thread.interrupted();
        group = takeGroup(next);
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      backend.ringHeld(rings);
    }
    return request.alone ? writing.alone(request) : request.outcome();
  }

  /** The requests from the front of the line, which is {@code leader}, up to the group's limit. */
  private List<Request> takeGroup(Request leader) {
    lock.lock();
    try {
      if (line.size() == 1) {
        return List.of(leader);
      }
      List<Request> group = new ArrayList<>(Math.min(line.size(), MAX_GROUP));
      for (Request waiting : line) {
        if (group.size() == MAX_GROUP) {
          break;
        }
        group.add(waiting);
      }
      return group;
    } finally {
      lock.unlock();
    }
  }

  private static void write(Writing writing, List<Request> group) {
    try {
      if (group.size() == 1) {
        Request only = group.get(0);
        only.succeed(writing.alone(only));
      } else {
        writing.together(group);
      }
    } catch (RuntimeException | Error e) {
      // Nothing of a failed group was committed: every request not settled alone fails with it.
      for (Request request : group) {
        request.fail(e);
      }
    }
  }

  /**
   * Takes {@code group} out of the line and wakes each of its requests with its outcome, but the
   * first when it is the leader's own; with {@code handOver}, first wakes the new front of the line
   * to lead. Returns that front, or null when the line is empty.
   */
  private @Nullable Request settle(List<Request> group, boolean leaderFirst, boolean handOver) {
    Request next;
    lock.lock();
    try {
      for (int i = 0; i < group.size(); i++) {
        line.pollFirst();
      }
      next = line.peekFirst();
    } finally {
      lock.unlock();
    }
    int from = leaderFirst ? 1 : 0;
    // Counted before any of them can run and count itself out.
    waking.addAndGet(group.size() - from + (handOver && next != null ? 1 : 0));
    if (handOver && next != null) {
      next.wake(Request.LEAD);
    }
    for (int i = from; i < group.size(); i++) {
      group.get(i).wake(Request.DONE);
    }
    return next;
  }
}
