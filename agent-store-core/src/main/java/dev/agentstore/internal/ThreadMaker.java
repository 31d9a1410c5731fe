package dev.agentstore.internal;

import dev.agentstore.StoreException;
import java.util.concurrent.ThreadFactory;
import org.jspecify.annotations.Nullable;

/**
 * Where a backend's threads come from: agent-store's own daemon threads, named for what they do and
 * for the store, or the threads of a factory the caller supplied in the options.
 */
@FunctionalInterface
public interface ThreadMaker {
  /** Agent-store's own: a daemon thread named {@code name}. */
  ThreadMaker OWN =
      (task, name) -> {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
      };

  /** A new, unstarted thread that runs {@code task}; {@code name} says what it is for. */
  Thread make(Runnable task, String name);

  /** {@link #OWN} without a factory; else the factory's threads, as it names them. */
  static ThreadMaker of(@Nullable ThreadFactory factory) {
    if (factory == null) {
      return OWN;
    }
    return (task, name) -> {
      Thread thread = factory.newThread(task);
      if (thread == null) {
        throw new StoreException(
            "the ThreadFactory in the options (" + factory + ") returned no thread for " + name);
      }
      return thread;
    };
  }
}
