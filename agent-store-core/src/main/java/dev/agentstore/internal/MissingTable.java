package dev.agentstore.internal;

import dev.agentstore.SchemaMismatchException;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/**
 * Recognises a statement that failed because one of agent-store's own tables was never created, so
 * that the error names the call that creates it instead of the driver's "no such table" or
 * "relation does not exist". A missing table of the consumer's own is left to the driver's words.
 */
final class MissingTable {
  /** PostgreSQL's SQLSTATE for {@code undefined_table}. */
  private static final String UNDEFINED_TABLE = "42P01";

  /** How every missing-table message points at the one call that lays the whole store down. */
  static final String EVERY_TABLE = "AgentStore.ensureSchema creates every table";

  private MissingTable() {}

  /**
   * Whether {@code message} names {@code table} itself, not merely a longer name that starts with
   * it (such as {@code _agent_store_listeners} for another table, or a sequence of the log).
   */
  private static boolean names(String message, String table) {
    for (int at = message.indexOf(table); at >= 0; at = message.indexOf(table, at + 1)) {
      int end = at + table.length();
      boolean startsWord = at == 0 || !identifierChar(message.charAt(at - 1));
      boolean endsWord = end == message.length() || !identifierChar(message.charAt(end));
      if (startsWord && endsWord) {
        return true;
      }
    }
    return false;
  }

  private static boolean identifierChar(char c) {
    return c == '_' || Character.isLetterOrDigit(c);
  }

  /**
   * The exception for {@code e} when it says that {@code _agent_store_log} or {@code
   * _agent_store_meta} does not exist, else null.
   *
   * @param what the operation that failed, in words ("appending to conv/alice")
   * @param store the store, as {@code Backend.describe()} gives it
   */
  static @Nullable SchemaMismatchException explain(SQLException e, String what, String store) {
    String message = e.getMessage();
    if (message == null) {
      return null;
    }
    // SQLite has no SQLSTATE for it: its text ("no such table: _agent_store_log") is the signal.
    boolean missing = UNDEFINED_TABLE.equals(e.getSQLState()) || message.contains("no such table");
    if (!missing) {
      return null;
    }
    if (names(message, RecallSql.VEC_TABLE)) {
      return new SchemaMismatchException(
          RecallSql.VEC_TABLE,
          what
              + " on "
              + store
              + ": table "
              + RecallSql.VEC_TABLE
              + " does not exist; Recall.ensureSchema creates it, run by a user who may create"
              + " tables",
          e);
    }
    String table;
    String creator;
    if (names(message, SqlDialect.LOG_TABLE)) {
      table = SqlDialect.LOG_TABLE;
      creator = "WriterLog.ensureSchema";
    } else if (names(message, SqlDialect.META_TABLE)) {
      table = SqlDialect.META_TABLE;
      creator = "Generation.ensureSchema";
    } else {
      return null;
    }
    return new SchemaMismatchException(
        table,
        what
            + " on "
            + store
            + ": table "
            + table
            + " does not exist; "
            + creator
            + " creates it ("
            + EVERY_TABLE
            + "), run by a user who may create tables",
        e);
  }
}
