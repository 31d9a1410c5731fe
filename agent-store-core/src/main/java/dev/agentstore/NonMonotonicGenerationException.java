package dev.agentstore;

/**
 * {@link Generation#set} was asked to move a counter backwards, or {@link Generation#bump} to move
 * one past {@link Long#MAX_VALUE} ({@link #atMaximum}). Nothing was written. Not retryable: the
 * requested value is below the current one, or beyond the largest, and stays so.
 */
public final class NonMonotonicGenerationException extends StoreException {
  private static final long serialVersionUID = 1L;

  private final String key;
  private final long current;
  private final long requested;

  public NonMonotonicGenerationException(String key, long current, long requested) {
    this(
        "generation "
            + key
            + " cannot move backwards: current value is "
            + current
            + ", requested "
            + requested,
        key,
        current,
        requested);
  }

  private NonMonotonicGenerationException(
      String message, String key, long current, long requested) {
    super(message);
    this.key = key;
    this.current = current;
    this.requested = requested;
  }

  /**
   * {@link Generation#bump} on a counter at {@link Long#MAX_VALUE}: the next value does not exist,
   * and the counter is left where it is. {@link #current()} and {@link #requested()} are both
   * {@link Long#MAX_VALUE}.
   */
  public static NonMonotonicGenerationException atMaximum(String key) {
    return new NonMonotonicGenerationException(
        "generation "
            + key
            + " is at Long.MAX_VALUE ("
            + Long.MAX_VALUE
            + "); it cannot be bumped and was left there",
        key,
        Long.MAX_VALUE,
        Long.MAX_VALUE);
  }

  public String key() {
    return key;
  }

  public long current() {
    return current;
  }

  public long requested() {
    return requested;
  }
}
