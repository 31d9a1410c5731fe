package dev.agentstore.internal;

import dev.agentstore.Entry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Group commit: appends of one backend that arrive while another append is being written wait in
 * line and are then written together, in one transaction, by whichever of them reaches the front
 * first (the leader). The others (followers) sleep until the leader has committed and handed each
 * its own result or its own exception.
 *
 * <p>Batching comes only from concurrency: an append that finds the line empty is the leader of a
 * group of one at once, without waiting for anyone, and {@link Writing#alone} writes it exactly as
 * an append without group commit would. There are no timers.
 *
 * <p>The invariant: only the request at the front of {@link #line} may write, and it writes the
 * requests from the front up to {@link #MAX_GROUP}; they leave the line, done, before the next
 * front is woken. So groups never overlap and each chain's appends are written in line order.
 */
public final class AppendQueue {
  /**
   * The most appends written in one transaction: enough to share one flush among many threads, few
   * enough that a group's transaction stays short for the appenders of other processes.
   */
  static final int MAX_GROUP = 256;

  /** One caller's append, waiting in line; its outcome is set once, by the leader of its group. */
  public static final class Request {
    final String stream;
    final String writer;
    final List<byte[]> payloads;
    final OptionalLong expectedSeq;

    /** Made only when the request has to wait, so that a lone appender makes none. */
    private @Nullable Condition turn;

    private boolean done;
    private @Nullable List<Entry> appended;
    private @Nullable Throwable failure;

    Request(String stream, String writer, List<byte[]> payloads, OptionalLong expectedSeq) {
      this.stream = stream;
      this.writer = writer;
      this.payloads = payloads;
      this.expectedSeq = expectedSeq;
    }

    /** Sets what the caller gets back; the first outcome set stands. */
    void succeed(List<Entry> entries) {
      if (appended == null && failure == null) {
        appended = entries;
      }
    }

    /** Sets the exception the caller gets; the first outcome set stands. */
    void fail(Throwable e) {
      if (appended == null && failure == null) {
        failure = e;
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
  }

  /** How a leader writes: a group of one as before group commit, larger groups together. */
  interface Writing {
    /** Writes one append by itself, returning its entries or throwing its exception. */
    List<Entry> alone(Request request);

    /**
     * Writes {@code group} (two or more requests) in one transaction, settling each request: its
     * own entries, or its own exception when it failed alone. Throws when the whole group failed.
     */
    void together(List<Request> group);
  }

  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<Request> line = new ArrayDeque<>();

  /**
   * Appends {@code payloads} to {@code stream/writer}, grouped with the appends waiting beside it,
   * and returns its entries once they are committed.
   */
  public List<Entry> append(
      JdbcBackend backend,
      Writing writing,
      String stream,
      String writer,
      List<byte[]> payloads,
      OptionalLong expectedSeq) {
    Request request;
    List<Request> group;
    lock.lock();
    try {
      request = new Request(stream, writer, payloads, expectedSeq);
      line.addLast(request);
      if (line.peekFirst() != request) {
        Condition turn = lock.newCondition();
        request.turn = turn;
        // A leader may settle a follower that is still waiting; spurious wake-ups loop.
        while (!request.done && line.peekFirst() != request) {
          turn.awaitUninterruptibly();
        }
        if (request.done) {
          return request.outcome();
        }
      }
      if (line.size() == 1) {
        group = List.of(request);
      } else {
        group = new ArrayList<>(Math.min(line.size(), MAX_GROUP));
        for (Request waiting : line) {
          if (group.size() == MAX_GROUP) {
            break;
          }
          group.add(waiting);
        }
      }
    } finally {
      lock.unlock();
    }
    // The doorbell rings once the line has moved on: a subscriber that appends, or waits for an
    // append of another thread, must not wait behind the leader that is ringing it.
    List<dev.agentstore.CommitEvent> rings = backend.holdRings();
    try {
      try {
        write(writing, group);
      } finally {
        handOn(group);
      }
    } finally {
      backend.ringHeld(rings);
    }
    return request.outcome();
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

  /** Wakes {@code request} if it waits; every request behind the front has made its condition. */
  private static void signal(Request request) {
    Condition turn = request.turn;
    if (turn != null) {
      turn.signal();
    }
  }

  /** Takes {@code group} out of the line, wakes its followers and the next leader. */
  private void handOn(List<Request> group) {
    lock.lock();
    try {
      for (Request request : group) {
        line.pollFirst();
        request.done = true;
        signal(request);
      }
      Request next = line.peekFirst();
      if (next != null) {
        signal(next);
      }
    } finally {
      lock.unlock();
    }
  }
}
