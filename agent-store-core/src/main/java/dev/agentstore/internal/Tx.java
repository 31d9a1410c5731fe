package dev.agentstore.internal;

import dev.agentstore.CommitEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * One transaction (or, for reads, one borrowed connection) of a {@link JdbcBackend}, bound to the
 * thread that runs it. Collects the doorbell events to ring once it commits.
 */
public final class Tx {
  private final Conn conn;
  private final boolean owned;
  private final Thread thread = Thread.currentThread();
  private final List<CommitEvent> pending = new ArrayList<>();
  private boolean active = true;

  Tx(Conn conn, boolean owned) {
    this.conn = conn;
    this.owned = owned;
  }

  public Conn conn() {
    return conn;
  }

  /** Whether agent-store began this transaction and will commit it (and ring for it). */
  public boolean owned() {
    return owned;
  }

  /** Queues an event to ring after the commit; dropped if the transaction rolls back. */
  public void afterCommit(CommitEvent event) {
    pending.add(event);
  }

  boolean active() {
    return active;
  }

  Thread thread() {
    return thread;
  }

  List<CommitEvent> end() {
    active = false;
    return owned ? List.copyOf(pending) : List.of();
  }
}
