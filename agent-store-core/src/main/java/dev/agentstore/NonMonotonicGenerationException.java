package dev.agentstore;

/**
 * {@link Generation#set} was asked to move a counter backwards. Nothing was written. Not retryable:
 * the requested value is below the current one and stays so.
 */
public final class NonMonotonicGenerationException extends StoreException {
  private static final long serialVersionUID = 1L;

  private final String key;
  private final long current;
  private final long requested;

  public NonMonotonicGenerationException(String key, long current, long requested) {
    super(
        "generation "
            + key
            + " cannot move backwards: current value is "
            + current
            + ", requested "
            + requested);
    this.key = key;
    this.current = current;
    this.requested = requested;
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
