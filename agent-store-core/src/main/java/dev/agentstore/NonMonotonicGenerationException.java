package dev.agentstore;

/**
 * {@link Generation#set} was asked to move a counter backwards, or {@link Generation#bump} to move
 * one past {@link Long#MAX_VALUE} ({@link #atMaximum}). Nothing was written. Not retryable: the
 * requested value is below the current one, or beyond the largest, and stays so.
 */
public final class NonMonotonicGenerationException extends StoreException {
  private static final long serialVersionUID = 1L;

  /** The counter's key. */
  private final String key;

  /** The counter's value in the store. */
  private final long current;

  /** The value the caller asked for. */
  private final long requested;

  /**
   * A {@code set} of {@code key} to {@code requested}, refused because the counter is already at
   * {@code current}.
   *
   * @param key the counter's name
   * @param current the counter's current value
   * @param requested the value the caller asked for
   */
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
   *
   * @param key the counter's name
   * @return the exception, with {@link #requested()} equal to {@link #current()}
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

  /** {@return the counter's key} */
  public String key() {
    return key;
  }

  /** {@return the counter's value in the store, which the refused call left unchanged} */
  public long current() {
    return current;
  }

  /** {@return the value the caller asked for, below {@link #current()}} */
  public long requested() {
    return requested;
  }
}
