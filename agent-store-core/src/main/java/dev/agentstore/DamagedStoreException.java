package dev.agentstore;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The store's own storage check failed: on SQLite, {@code PRAGMA integrity_check} found pages,
 * records or indexes that disagree (an index missing rows of its table, a damaged page, a broken
 * free list). Reads of such a store may silently miss entries, so chain verification alone cannot
 * be trusted on it. Thrown by {@link WriterLog#checkStorage(Backend)}.
 */
public final class DamagedStoreException extends CorruptStoreException {
  private static final long serialVersionUID = 1L;

  /** How many of the check's lines the message quotes; {@link #problems()} holds them all. */
  private static final int QUOTED = 3;

  /** The store that was checked. */
  private final String store;

  /** The storage check that found the damage. */
  private final String check;

  /** The problems the check reported. */
  private final List<String> problems;

  /** Whether the check stopped before the end. */
  private final boolean stoppedEarly;

  /**
   * @param store the store, as {@link Backend#describe()} names it (for SQLite: its path)
   * @param check the check that failed, e.g. {@code PRAGMA integrity_check}
   * @param problems what the check reported, one problem a line, in its order (at least one)
   * @param stoppedEarly whether the check found more problems than {@code problems} holds
   * @param cause the failure that stopped the check, or null when it ran to the end
   */
  public DamagedStoreException(
      String store,
      String check,
      List<String> problems,
      boolean stoppedEarly,
      @Nullable Throwable cause) {
    super(message(store, check, problems, stoppedEarly), cause);
    this.store = store;
    this.check = check;
    this.problems = List.copyOf(problems);
    this.stoppedEarly = stoppedEarly;
  }

  private static String message(
      String store, String check, List<String> problems, boolean stoppedEarly) {
    StringBuilder message =
        new StringBuilder("storage damaged: ")
            .append(store)
            .append(" fails ")
            .append(check)
            .append(" (")
            .append(problems.size())
            .append(problems.size() == 1 ? " problem" : " problems")
            .append(stoppedEarly ? " or more" : "")
            .append(")");
    for (int i = 0; i < Math.min(QUOTED, problems.size()); i++) {
      message.append(i == 0 ? ": " : "; ").append(problems.get(i));
    }
    if (problems.size() > QUOTED) {
      message.append("; …");
    }
    return message.toString();
  }

  /** {@return the store, as {@link Backend#describe()} names it} */
  public String store() {
    return store;
  }

  /** {@return the check that failed, e.g. {@code PRAGMA integrity_check}} */
  public String check() {
    return check;
  }

  /** {@return what the check reported, one problem a line (at most the first 100)} */
  public List<String> problems() {
    return problems;
  }

  /**
   * {@return whether the check found more problems than {@link #problems()} holds, and stopped
   * there}
   */
  public boolean stoppedEarly() {
    return stoppedEarly;
  }
}
