package dev.agentstore.cli;

import dev.agentstore.Dialect;
import dev.agentstore.postgres.PostgresBackend;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Prints the SQL that lays down a PostgreSQL store, for an operator's own migration tool. */
@Command(
    name = "schema",
    customSynopsis = {"agent-store schema [OPTIONS] --print-sql"},
    header = "Prints the SQL that lays down a PostgreSQL store.",
    mixinStandardHelpOptions = true,
    description = {
      "Prints, as one psql script, exactly the statements that Generation.ensureSchema and"
          + " WriterLog.ensureSchema run on a new PostgreSQL store: the schema, both tables, the"
          + " signature table of signed appends, and the commit-notification trigger with its listeners table, function and grant;"
          + " with --recall, also the vector table of semantic recall that Recall.ensureSchema creates."
          + " Every statement is idempotent. Run it as the role that should own the tables;"
          + " the grants that appending and reading roles need follow as comments.",
      "Needs no connection."
    },
    footer = {
      "",
      "Examples:",
      "  agent-store schema --print-sql > agent-store.sql",
      "  agent-store schema --print-sql --schema fleet | psql -v ON_ERROR_STOP=1 fleetdb",
      "  agent-store schema --print-sql --recall > agent-store-with-recall.sql"
    })
final class SchemaCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--print-sql",
      required = true,
      description = "Print the SQL (the only action so far).")
  boolean printSql;

  @Option(
      names = "--schema",
      paramLabel = "NAME",
      defaultValue = "public",
      description = "The schema the store lives in (default: ${DEFAULT-VALUE}).")
  String schema;

  @Option(
      names = "--recall",
      description = "Also print the vector table of semantic recall (_agent_store_vec).")
  boolean recall;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    String quoted = Dialect.POSTGRES.quoteIdentifier(schema);
    out.println("-- agent-store: the PostgreSQL store in schema " + quoted + ".");
    out.println("-- Run as the role that should own the tables: psql -v ON_ERROR_STOP=1 -f FILE");
    out.println("BEGIN;");
    for (String statement : PostgresBackend.installStatements(schema)) {
      out.println(statement + ";");
    }
    if (recall) {
      out.println("-- Semantic recall: the vector table. On a server with pgvector, run");
      out.println("-- Recall.ensureSchema once as this role to add the HNSW side table.");
      for (String statement : PostgresBackend.recallInstallStatements(schema)) {
        out.println(statement + ";");
      }
    }
    out.println("COMMIT;");
    out.println();
    out.println("-- What other roles need (replace appender and reader with your roles):");
    out.println("-- GRANT USAGE ON SCHEMA " + quoted + " TO appender, reader;");
    out.println(
        "-- GRANT SELECT, INSERT ON "
            + quoted
            + "._agent_store_log TO appender;  -- append, read, verify");
    out.println(
        "-- GRANT SELECT, INSERT ON "
            + quoted
            + "._agent_store_sig TO appender;  -- signed appends, verify signatures");
    out.println(
        "-- GRANT SELECT, INSERT, UPDATE ON "
            + quoted
            + "._agent_store_meta TO appender;  -- bump and set generations");
    out.println(
        "-- GRANT INSERT, DELETE ON "
            + quoted
            + "._agent_store_listeners TO appender;  -- follow with LISTEN/NOTIFY");
    out.println(
        "-- GRANT SELECT ON "
            + quoted
            + "._agent_store_log, "
            + quoted
            + "._agent_store_meta, "
            + quoted
            + "._agent_store_sig"
            + " TO reader;  -- read, verify, follow by polling");
    if (recall) {
      out.println(
          "-- GRANT SELECT, INSERT, UPDATE, DELETE ON "
              + quoted
              + "._agent_store_vec TO appender;  -- index, forget");
      out.println(
          "-- GRANT SELECT ON " + quoted + "._agent_store_vec TO reader;  -- recall search");
    }
    out.flush();
    return 0;
  }
}
