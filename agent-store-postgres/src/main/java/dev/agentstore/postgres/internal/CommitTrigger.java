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
 */
public final class CommitTrigger {
  /** The trigger's and its function's name. */
  public static final String NAME = "_agent_store_announce";

  /** The prefix of the channel name; the log table's OID follows. */
  public static final String CHANNEL_PREFIX = "agent_store_";

  private CommitTrigger() {}

  /** Statements that install the function and the trigger, idempotent; run in one transaction. */
  public static List<String> install(PostgresDialect sql) {
    String schema = PostgresDialect.quote(sql.schema());
    String function = schema + "." + NAME;
    String table = schema + "." + PostgresDialect.LOG_TABLE;
    String tableLiteral = "'" + table.replace("'", "''") + "'";
    return List.of(
        // Serialises concurrent installers: CREATE OR REPLACE FUNCTION races otherwise fail with
        // "tuple concurrently updated".
        "SELECT pg_advisory_xact_lock(7410392876316409661)",
        "CREATE OR REPLACE FUNCTION "
            + function
            + "() RETURNS trigger LANGUAGE plpgsql AS $fn$\n"
            + "DECLARE\n"
            + "  r record;\n"
            + "  p text;\n"
            + "BEGIN\n"
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
            + "END\n"
            + "$fn$",
        "DO $do$ BEGIN\n"
            + "  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '"
            + NAME
            + "' AND tgrelid = "
            + tableLiteral
            + "::regclass) THEN\n"
            + "    CREATE TRIGGER "
            + NAME
            + " AFTER INSERT ON "
            + table
            + " REFERENCING NEW TABLE AS appended FOR EACH STATEMENT EXECUTE FUNCTION "
            + function
            + "();\n"
            + "  END IF;\n"
            + "END $do$");
  }

  /** A query for the channel of the store, or NULL while its log table does not exist. */
  public static String channelQuery() {
    return "SELECT '" + CHANNEL_PREFIX + "' || to_regclass(?)::oid::bigint";
  }

  /** The log table's qualified name, as {@link #channelQuery()} takes it. */
  public static String logTable(PostgresDialect sql) {
    return PostgresDialect.quote(sql.schema()) + "." + PostgresDialect.LOG_TABLE;
  }
}
