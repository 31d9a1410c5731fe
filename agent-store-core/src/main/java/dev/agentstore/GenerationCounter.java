package dev.agentstore;

/**
 * One {@link Generation} counter in one store, bound once: {@code GenerationCounter report =
 * Generation.of(db, "report")}, then {@code report.bump()}, {@code report.current()}. Every method
 * does exactly what the {@link Generation} method of the same name does for this key and backend,
 * with the same guarantees and exceptions — the counterpart of {@link ChainLog} for {@link
 * WriterLog}.
 *
 * <p>Immutable and thread-safe. It holds no connection and needs no closing: it is usable as long
 * as its backend is open, and fails with {@link StoreClosedException} after. Two handles are equal
 * when they name the same key of the same backend object.
 */
public final class GenerationCounter {
  private final Backend backend;
  private final Generation generation;

  /** A key already checked by {@link Generation#of}. */
  GenerationCounter(Backend backend, Generation generation) {
    this.backend = backend;
    this.generation = generation;
  }

  /** {@return the backend the handle is bound to} */
  public Backend backend() {
    return backend;
  }

  /** {@return the counter's key} */
  public String key() {
    return generation.key();
  }

  /**
   * {@return the current value; 0 when the counter was never bumped or set} See {@link
   * Generation#current(Backend)}.
   *
   * @throws MalformedRowException when the stored value is not a 64-bit integer
   */
  public long current() {
    return generation.current(backend);
  }

  /**
   * Atomically adds one and returns the new value. See {@link Generation#bump(Backend)}.
   *
   * @return the value after the increment
   * @throws NonMonotonicGenerationException when the counter is already at {@link Long#MAX_VALUE}
   * @throws InvalidInputException when the key is empty or longer than {@link
   *     WriterLog#MAX_NAME_BYTES}
   */
  public long bump() {
    return generation.bump(backend);
  }

  /**
   * Atomically sets the counter to {@code value} when that does not move it backwards. See {@link
   * Generation#set(Backend, long)}.
   *
   * @param value the new value; not less than the current one
   * @throws NonMonotonicGenerationException when {@code value} is below the current value
   * @throws InvalidInputException when the key is empty or longer than {@link
   *     WriterLog#MAX_NAME_BYTES}
   */
  public void set(long value) {
    generation.set(backend, value);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof GenerationCounter that
        && backend == that.backend
        && generation.equals(that.generation);
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(backend) * 31 + generation.hashCode();
  }

  /** {@code GenerationCounter[report on <backend description>]}. */
  @Override
  public String toString() {
    return "GenerationCounter[" + generation.key() + " on " + backend.describe() + "]";
  }
}
