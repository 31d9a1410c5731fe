package dev.agentstore.postgres.internal;

import java.util.List;

/**
 * The SQL that makes a PostgreSQL store announce its commits: a statement-level trigger on {@code
 * _agent_store_log} that, for every chain an {@code INSERT} extended, calls {@code pg_notify} with
 * the chain's new head. A notification is sent only when its transaction commits, and the trigger
 * runs inside the inserting statement, so an append that was one round trip stays one.
 *
 * <p>Channel: {@code agent_store_} followed by the log table's OID (unique per schema and database,
 * and still right after a rename). Payload: {@code {"stream": …, "writer": …, "seq": …,
 * "content_hash": "<64 hex>"}}; PostgreSQL refuses payloads of 8,000 bytes or more, so when the
 * names make it that long the payload drops them and keeps only {@code seq} and {@code
 * content_hash} (a listener then re-reads every chain it follows).
 *
 * <p>The trigger notifies only while {@code _agent_store_listeners} holds a row: PostgreSQL commits
 * notifying transactions one at a time (a database-wide lock held through the commit), which costs
 * concurrent appenders their group commit even when no one listens. A listener registers its
 * backend's pid there after {@code LISTEN} ({@link #register}), deletes the rows of backends that
 * are gone ({@link #purge}) and its own row when it stops ({@link #unregister}). The trigger reads
 * the table with its statement's snapshot, so a transaction that ran the trigger before a listener
 * registered and commits after is not announced to it ({@link #inFlight} finds those); under
 * REPEATABLE READ neither is one whose snapshot predates the registration.
 *
 * <p>The trigger stays enabled: nothing after {@link #install} alters the log table. Enabling or
 * disabling a trigger takes a lock on the table that waits for every open appending transaction and
 * makes every new append wait behind it, so a listener coming or going would stall the appenders.
 * Left enabled, the trigger costs an append that no one hears a PL/pgSQL call and a look at a table
 * of a few rows.
 */
public final class CommitTrigger {
  /** The trigger's and its function's name. */
  public static final String NAME = "_agent_store_announce";

  /** The prefix of the channel name; the log table's OID follows. */
  public static final String CHANNEL_PREFIX = "agent_store_";

  /** The table of registered listeners: one row per listening backend, by pid. */
  public static final String LISTENERS_TABLE = "_agent_store_listeners";

  /**
   * The trigger on the listeners table, and its function, with which an earlier version enabled and
   * disabled the announcing trigger; {@link #install} drops both.
   */
  static final String EARLIER_SWITCH = "_agent_store_switch";

  /** The first key of the installers' advisory lock; the schema's hash is the second. */
  private static final int INSTALL_LOCK_CLASS = 1725308421;

  private CommitTrigger() {}

  /**
   * Statements that install the listeners table, the function and the trigger, idempotent; run in
   * one transaction. They replace the function of a store made by an earlier version, which
   * notified unconditionally, and upgrade a store whose trigger an earlier version switched on and
   * off: they drop that switch and enable the trigger. That takes, once, the lock that the switch
   * took whenever a listener came or went: it waits for the transactions that are appending, and
   * new appends wait behind it.
   */
  public static List<String> install(PostgresDialect sql) {
    String function = PostgresDialect.quote(sql.schema()) + "." + NAME;
    String table = logTable(sql);
    String listeners = listenersTable(sql);
    String earlierSwitch = PostgresDialect.quote(sql.schema()) + "." + EARLIER_SWITCH;
    return List.of(
        // The catalog checks below must see what a concurrent installer committed while this one
        // waited for the lock, which a REPEATABLE READ snapshot taken before the wait would not.
        "SET TRANSACTION ISOLATION LEVEL READ COMMITTED",
        // Serialises concurrent installers of this schema: CREATE OR REPLACE FUNCTION races
        // otherwise fail with "tuple concurrently updated". Keyed by the schema (the two-key form,
        // apart from the chains' one-key locks), so that an installer left open in one schema
        // never holds up another schema's.
        "SELECT pg_advisory_xact_lock("
            + INSTALL_LOCK_CLASS
            + ", hashtext("
            + literal(sql.schema())
            + "))",
        "DO "
            + quoted(
                "\nBEGIN\n"
                    + "  IF to_regclass("
                    + literal(listeners)
                    + ") IS NULL THEN\n"
                    + "    CREATE TABLE "
                    + listeners
                    + " (pid integer PRIMARY KEY, since timestamptz NOT NULL DEFAULT now());\n"
                    // The trigger reads it with the privileges of whoever appends.
                    + "    GRANT SELECT ON "
                    + listeners
                    + " TO PUBLIC;\n"
                    + "  END IF;\n"
                    + "END\n"),
        "CREATE OR REPLACE FUNCTION "
            + function
            + "() RETURNS trigger LANGUAGE plpgsql AS "
            + quoted(announceBody(listeners)),
        "DO "
            + quoted(
                "\nBEGIN\n"
                    + "  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '"
                    + NAME
                    + "' AND tgrelid = "
                    + literal(table)
                    + "::regclass) THEN\n"
                    + "    CREATE TRIGGER "
                    + NAME
                    + " AFTER INSERT ON "
                    + table
                    + " REFERENCING NEW TABLE AS appended FOR EACH STATEMENT EXECUTE FUNCTION "
                    + function
                    + "();\n"
                    + "  END IF;\n"
                    // Only where there is something to upgrade: dropping a trigger locks its table.
                    + "  IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '"
                    + EARLIER_SWITCH
                    + "' AND tgrelid = "
                    + literal(listeners)
                    + "::regclass) THEN\n"
                    + "    DROP TRIGGER "
                    + EARLIER_SWITCH
                    + " ON "
                    + listeners
                    + ";\n"
                    + "  END IF;\n"
                    + "  IF to_regprocedure("
                    + literal(earlierSwitch + "()")
                    + ") IS NOT NULL THEN\n"
                    + "    DROP FUNCTION "
                    + earlierSwitch
                    + "();\n"
                    + "  END IF;\n"
                    // Left disabled by the earlier switch while no one listened.
                    + "  IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '"
                    + NAME
                    + "' AND tgrelid = "
                    + literal(table)
                    + "::regclass AND tgenabled = 'D') THEN\n"
                    + "    ALTER TABLE "
                    + table
                    + " ENABLE TRIGGER "
                    + NAME
                    + ";\n"
                    + "  END IF;\n"
                    + "END\n"));
  }

  /**
   * Whether what {@link #install} lays down is in place and current in the schema of {@code sql}:
   * the listeners table, the function with today's body, the trigger enabled, and no switch of an
   * earlier version. One row, one boolean; a role that may only read can run it, so a store that is
   * already installed needs no DDL (and no privilege to run it) from every process that opens it.
   */
  public static String installedQuery(PostgresDialect sql) {
    String schema = literal(sql.schema());
    String listeners = listenersTable(sql);
    String table = logTable(sql);
    return "SELECT COALESCE((SELECT p.prosrc = "
        + literal(announceBody(listeners))
        + " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
        + " WHERE n.nspname = "
        + schema
        + " AND p.proname = '"
        + NAME
        + "'), false) AND to_regclass("
        + literal(listeners)
        + ") IS NOT NULL AND EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '"
        + NAME
        + "' AND tgrelid = to_regclass("
        + literal(table)
        + ") AND tgenabled <> 'D') AND NOT EXISTS (SELECT 1 FROM pg_proc p"
        + " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = "
        + schema
        + " AND p.proname = '"
        + EARLIER_SWITCH
        + "')";
  }

  /** A query for the channel of the store, or NULL while its log table does not exist. */
  public static String channelQuery() {
    return "SELECT '" + CHANNEL_PREFIX + "' || to_regclass(?)::oid::bigint";
  }

  /** The log table's qualified name, as {@link #channelQuery()} takes it. */
  public static String logTable(PostgresDialect sql) {
    return PostgresDialect.quote(sql.schema()) + "." + PostgresDialect.LOG_TABLE;
  }

  /** The listeners table's qualified name. */
  public static String listenersTable(PostgresDialect sql) {
    return PostgresDialect.quote(sql.schema()) + "." + LISTENERS_TABLE;
  }

  /**
   * Registers the executing backend in {@code listeners} (qualified); run after {@code LISTEN}.
   * Needs the INSERT privilege on the table.
   */
  public static String register(String listeners) {
    return "INSERT INTO " + listeners + " (pid) VALUES (pg_backend_pid()) ON CONFLICT DO NOTHING";
  }

  /**
   * Deletes from {@code listeners} (qualified) the rows of backends that are gone, the executing
   * backend's own (left by an earlier backend with the same pid) and the one whose pid is the
   * parameter (this listener's previous connection; 0 for none). A row is alive while a backend
   * with its pid has run since before the row was written, so a reused pid does not keep it; {@code
   * backend_start} is NULL for other roles' backends to a user without {@code pg_read_all_stats},
   * and such a backend counts as alive. Needs the DELETE privilege on the table.
   */
  public static String purge(String listeners) {
    return "DELETE FROM "
        + listeners
        + " l WHERE l.pid = pg_backend_pid() OR l.pid = ? OR NOT EXISTS ("
        + "SELECT 1 FROM pg_stat_activity a WHERE a.pid = l.pid"
        + " AND (a.backend_start IS NULL OR a.backend_start <= l.since))";
  }

  /** Deletes the executing backend's row from {@code listeners} (qualified). */
  public static String unregister(String listeners) {
    return "DELETE FROM " + listeners + " WHERE pid = pg_backend_pid()";
  }

  /**
   * The virtual transaction ids of the other transactions that hold the insert lock of the log
   * table (its qualified name is the parameter): they may have run the trigger before this backend
   * registered, and commit after, unannounced.
   */
  public static String inFlight() {
    return "SELECT DISTINCT virtualtransaction FROM pg_locks WHERE locktype = 'relation'"
        + " AND relation = to_regclass(?) AND mode = 'RowExclusiveLock'"
        + " AND pid <> pg_backend_pid()";
  }

  /**
   * How many of the transactions {@link #inFlight} found (a text array, the second parameter) still
   * hold the insert lock of the log table (the first parameter).
   */
  public static String stillInFlight() {
    return "SELECT count(DISTINCT virtualtransaction) FROM pg_locks WHERE locktype = 'relation'"
        + " AND relation = to_regclass(?) AND virtualtransaction = ANY(?)";
  }

  /** The body of the announcing trigger's function, as {@code pg_proc.prosrc} holds it. */
  static String announceBody(String listeners) {
    return "\n"
        + "DECLARE\n"
        + "  r record;\n"
        + "  p text;\n"
        + "BEGIN\n"
        + "  IF NOT EXISTS (SELECT 1 FROM "
        + listeners
        + ") THEN\n"
        + "    RETURN NULL;\n"
        + "  END IF;\n"
        + "  FOR r IN SELECT DISTINCT ON (stream, writer) stream, writer, seq, content_hash\n"
        + "      FROM appended ORDER BY stream, writer, seq DESC LOOP\n"
        + "    p := json_build_object('stream', r.stream, 'writer', r.writer, 'seq', r.seq,\n"
        + "        'content_hash', encode(r.content_hash, 'hex'))::text;\n"
        + "    IF octet_length(p) >= 8000 THEN\n"
        + "      p := json_build_object('seq', r.seq,\n"
        + "          'content_hash', encode(r.content_hash, 'hex'))::text;\n"
        + "    END IF;\n"
        + "    PERFORM pg_notify('"
        + CHANNEL_PREFIX
        + "' || TG_RELID::bigint, p);\n"
        + "  END LOOP;\n"
        + "  RETURN NULL;\n"
        + "END\n";
  }

  private static String quoted(String body) {
    return PostgresDialect.dollarQuoted(body);
  }

  private static String literal(String text) {
    return "'" + text.replace("'", "''") + "'";
  }
}
