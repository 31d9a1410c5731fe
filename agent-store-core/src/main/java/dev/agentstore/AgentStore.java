package dev.agentstore;

/**
 * Entry points that concern a whole store rather than one primitive: laying down and checking every
 * table agent-store uses. Stateless; every method is thread-safe.
 */
public final class AgentStore {
  private AgentStore() {}

  /**
   * Creates every table agent-store uses when missing — {@code _agent_store_meta} ({@link
   * Generation}) and {@code _agent_store_log} ({@link WriterLog}), with what the backend installs
   * beside the log (the commit trigger on PostgreSQL) — and checks the layout of those that exist.
   * Idempotent and safe to race: the same as {@link Generation#ensureSchema} then {@link
   * WriterLog#ensureSchema}. Until it (or those two) has run on a store, a primitive used there
   * fails with a {@link SchemaMismatchException} that names this call.
   *
   * @param backend the store to use
   * @throws SchemaMismatchException when a table of one of those names has other columns
   * @throws StoreOpenException when a table is missing and the user may not create it (or its
   *     schema)
   */
  public static void ensureSchema(Backend backend) {
    Generation.ensureSchema(backend);
    WriterLog.ensureSchema(backend);
  }

  /**
   * Checks that every table agent-store uses exists with the reference layout, and changes nothing:
   * for processes that may only read or append, where an operator laid the store down. The same as
   * {@link Generation#checkSchema} then {@link WriterLog#checkSchema}.
   *
   * @param backend the store to use
   * @throws SchemaMismatchException when a table is missing (naming the call that creates it) or
   *     has other columns
   */
  public static void checkSchema(Backend backend) {
    Generation.checkSchema(backend);
    WriterLog.checkSchema(backend);
  }
}
