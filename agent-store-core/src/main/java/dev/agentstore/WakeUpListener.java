package dev.agentstore;

import java.util.Optional;

/**
 * Told by a {@link WakeUpSource} that something may have committed. A listener runs on the source's
 * thread (the committing thread, a watcher or a network client): it must return quickly and should
 * not throw; a source logs and counts a listener that throws and carries on.
 */
@FunctionalInterface
public interface WakeUpListener {

  /**
   * Something may have committed.
   *
   * @param hint the commit, when the source knows it (the in-process doorbell, PostgreSQL, NATS);
   *     empty when the source only knows that the store may have changed (SQLite's {@code
   *     data_version}, a reconnect after which rings may have been missed)
   */
  void wake(Optional<CommitEvent> hint);
}
