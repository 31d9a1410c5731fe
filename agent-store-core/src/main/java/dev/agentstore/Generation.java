package dev.agentstore;

import dev.agentstore.internal.JdbcBackend;
import dev.agentstore.internal.LogOps;
import dev.agentstore.internal.Names;
import dev.agentstore.internal.SqlDialect;

/**
 * A named, strictly monotonic counter: a row of {@code _agent_store_meta}. A counter never bumped
 * reads 0; the first bump yields 1. Every bump, from any thread or process, returns a distinct
 * value, and {@link #set} never moves a counter backwards. Immutable and thread-safe.
 *
 * <p>{@link #of(Backend, String)} gives a {@link GenerationCounter} bound to one store, as {@link
 * WriterLog#of} gives a {@link ChainLog}; a {@code Generation} itself names a counter in any store.
 */
public final class Generation {
  private final String key;

  /**
   * A handle on the counter named {@code key}; nothing is read or written until it is used.
   *
   * <p>Any key the table can hold is accepted here and by {@link #current}, empty or longer than
   * {@link WriterLog#MAX_NAME_BYTES} included, since other writers may have stored such keys;
   * {@link #bump} and {@link #set}, which write the key, refuse those two.
   *
   * @param key the counter's name; any text the table can hold
   * @throws InvalidInputException for a null key or one with an unpaired surrogate
   */
  public Generation(String key) {
    this.key = Names.accept("generation key", key, "", true);
  }

  /**
   * A handle on the counter named {@code key} in {@code backend}, so that later calls need neither:
   * {@code Generation.of(db, "report").bump()}. Nothing is read or written until it is used. The
   * key is checked as {@link #Generation(String)} checks it, and (on PostgreSQL) refused at once
   * when it contains U+0000.
   *
   * @param backend the store that holds the counter
   * @param key the counter's name
   * @return a counter bound to {@code backend} and {@code key}
   * @throws InvalidInputException for a null backend, or a null key or one the table cannot hold
   */
  public static GenerationCounter of(Backend backend, String key) {
    JdbcBackend jdbc = JdbcBackend.of(backend);
    Generation generation = new Generation(key);
    Names.accept("generation key", key, "", jdbc.storesNulInText());
    return new GenerationCounter(backend, generation);
  }

  /** {@return the counter's name} */
  public String key() {
    return key;
  }

  /**
   * Creates {@code _agent_store_meta} when missing and checks an existing one's layout.
   *
   * @param backend the store that holds the counter
   * @throws SchemaMismatchException when a table of that name has other columns
   * @throws StoreOpenException when the table is missing and the user may not create it (or its
   *     schema)
   */
  public static void ensureSchema(Backend backend) {
    JdbcBackend jdbc = JdbcBackend.of(backend);
    SqlDialect sql = jdbc.sql();
    LogOps.ensureTable(jdbc, SqlDialect.META_TABLE, sql.createMeta(), sql.expectedMeta());
  }

  /**
   * Checks that {@code _agent_store_meta} exists with the reference layout, and changes nothing;
   * see {@link WriterLog#checkSchema}.
   *
   * @param backend the store that holds the counter
   * @throws SchemaMismatchException when the table is missing or has other columns
   */
  public static void checkSchema(Backend backend) {
    JdbcBackend jdbc = JdbcBackend.of(backend);
    LogOps.checkTable(
        jdbc, SqlDialect.META_TABLE, jdbc.sql().expectedMeta(), "Generation.ensureSchema");
  }

  /**
   * {@return the current value; 0 when the counter was never bumped or set}
   *
   * @param backend the store that holds the counter
   * @throws MalformedRowException when the stored value is not a 64-bit integer: a REAL (such as
   *     the 9.223372036854776E18 the reference crate leaves after overflowing), TEXT or a BLOB is
   *     refused rather than truncated
   */
  public long current(Backend backend) {
    JdbcBackend jdbc = JdbcBackend.of(backend);
    Names.accept("generation key", key, "", jdbc.storesNulInText());
    return LogOps.currentGeneration(jdbc, key);
  }

  /**
   * Atomically adds one and returns the new value (one statement: an upsert that returns it).
   *
   * @param backend the store that holds the counter
   * @return the value after the increment
   * @throws NonMonotonicGenerationException when the counter is already at {@link Long#MAX_VALUE};
   *     it is left there
   * @throws MalformedRowException when the stored value is not a 64-bit integer (a REAL, TEXT or
   *     BLOB another writer left); it is left as it is
   * @throws InvalidInputException when the key is empty or longer than {@link
   *     WriterLog#MAX_NAME_BYTES}
   */
  public long bump(Backend backend) {
    return LogOps.bumpGeneration(checked(backend), key);
  }

  /**
   * Atomically sets the counter to {@code value} when that does not move it backwards (setting the
   * current value again is allowed).
   *
   * @param backend the store that holds the counter
   * @param value the new value; not less than the current one
   * @throws NonMonotonicGenerationException when {@code value} is below the current value
   * @throws MalformedRowException when the stored value is not a 64-bit integer; it is left as it
   *     is
   * @throws InvalidInputException when the key is empty or longer than {@link
   *     WriterLog#MAX_NAME_BYTES}
   */
  public void set(Backend backend, long value) {
    LogOps.setGeneration(checked(backend), key, value);
  }

  /** The backend, when this library may write the key there: not empty, within the limit. */
  private JdbcBackend checked(Backend backend) {
    JdbcBackend jdbc = JdbcBackend.of(backend);
    Names.check("generation key", key, "", jdbc.storesNulInText());
    return jdbc;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Generation that && key.equals(that.key);
  }

  @Override
  public int hashCode() {
    return key.hashCode();
  }

  @Override
  public String toString() {
    return "Generation[" + key + "]";
  }
}
