package dev.agentstore.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.AgentStore;
import dev.agentstore.Backend;
import dev.agentstore.Generation;
import dev.agentstore.SchemaMismatchException;
import dev.agentstore.StoreException;
import dev.agentstore.WriterLog;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * {@link AgentStore#ensureSchema} lays down every table, and on a store where it has not run, each
 * primitive fails with a {@link SchemaMismatchException} that names the call creating the missing
 * table instead of the driver's "no such table" or "relation does not exist".
 */
public abstract class SchemaContract extends BackendContract {

  @Test
  void ensureSchemaLaysDownEveryTableOnAFreshStoreAndIsIdempotent() {
    try (Backend fresh = newBackend()) {
      assertThrows(SchemaMismatchException.class, () -> AgentStore.checkSchema(fresh));
      AgentStore.ensureSchema(fresh);
      AgentStore.ensureSchema(fresh);
      AgentStore.checkSchema(fresh);
      WriterLog.checkSchema(fresh);
      Generation.checkSchema(fresh);
      assertEquals(1, WriterLog.of(fresh, "s", "w").append("x").seq());
      assertEquals(1, Generation.of(fresh, "g").bump());
      AgentStore.ensureSchema(fresh);
      assertStoredChain(fresh, "s", "w", 1);
      assertEquals(1, Generation.of(fresh, "g").current());
    }
  }

  @Test
  void everyLogCallBeforeEnsureSchemaNamesTheCallThatCreatesTheLog() {
    try (Backend fresh = newBackend()) {
      assertMissing(
          "_agent_store_log", "append to s/w", () -> WriterLog.append(fresh, "s", "w", "x"), fresh);
      assertMissing(
          "_agent_store_log",
          "append to s/w",
          () -> WriterLog.of(fresh, "s", "w").append("x"),
          fresh);
      assertMissing("_agent_store_log", "", () -> WriterLog.head(fresh, "s", "w"), fresh);
      assertMissing(
          "_agent_store_log", "", () -> WriterLog.readAfter(fresh, "s", "w", 0, 10), fresh);
      assertMissing("_agent_store_log", "", () -> WriterLog.verify(fresh, "s", "w"), fresh);
      assertMissing("_agent_store_log", "", () -> WriterLog.heads(fresh), fresh);
      assertMissing(
          "_agent_store_log",
          "append to s/w",
          () -> fresh.runInTransaction(tx -> WriterLog.append(tx, "s", "w", "x")),
          fresh);
    }
  }

  @Test
  void everyGenerationCallBeforeEnsureSchemaNamesTheCallThatCreatesTheCounters() {
    try (Backend fresh = newBackend()) {
      assertMissing("_agent_store_meta", "", () -> Generation.of(fresh, "g").current(), fresh);
      assertMissing("_agent_store_meta", "", () -> Generation.of(fresh, "g").bump(), fresh);
      assertMissing("_agent_store_meta", "", () -> new Generation("g").set(fresh, 3), fresh);
      // The log alone does not bring the counters.
      WriterLog.ensureSchema(fresh);
      assertMissing("_agent_store_meta", "", () -> new Generation("g").bump(fresh), fresh);
    }
  }

  @Test
  void aMissingTableOfTheConsumersOwnKeepsTheDriversWords() {
    try (Backend fresh = newBackend()) {
      StoreException e =
          assertThrows(
              StoreException.class,
              () -> fresh.query("SELECT n FROM my_own_missing_table", row -> row.getLong(1)));
      assertFalse(e instanceof SchemaMismatchException, e.toString());
      assertTrue(e.getMessage().contains("my_own_missing_table"), e.getMessage());
      assertFalse(e.getMessage().contains("ensureSchema"), e.getMessage());
    }
  }

  private static void assertMissing(
      String table, String operation, Executable call, Backend store) {
    SchemaMismatchException e = assertThrows(SchemaMismatchException.class, call);
    String creator =
        table.equals("_agent_store_log") ? "WriterLog.ensureSchema" : "Generation.ensureSchema";
    assertEquals(table, e.table());
    String message = e.getMessage();
    for (String part :
        List.of(
            operation + " on " + store.describe() + ": table " + table + " does not exist; ",
            creator + " creates it (AgentStore.ensureSchema creates every table)")) {
      assertTrue(message.contains(part), "'" + part + "' in: " + message);
    }
    assertInstanceOf(SQLException.class, e.getCause(), "the driver error is kept as the cause");
  }
}
