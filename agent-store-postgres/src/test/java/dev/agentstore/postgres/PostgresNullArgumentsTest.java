package dev.agentstore.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.agentstore.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** A null argument to a PostgreSQL factory is the caller's mistake, named: no server is needed. */
class PostgresNullArgumentsTest {
  @Test
  void nullArgumentsAreInvalidInputNamingTheArgument() {
    assertRefused(() -> PostgresBackend.connect(null), "jdbcUrl must not be null");
    assertRefused(
        () -> PostgresBackend.connect("jdbc:postgresql://127.0.0.1/test", null),
        "options must not be null");
    assertRefused(() -> PostgresBackend.fromDataSource(null), "dataSource must not be null");
    assertRefused(() -> PostgresOptions.defaults().withSchema(null), "schema must not be null");
    assertRefused(
        () -> PostgresBackend.fromDataSource(null, PostgresOptions.defaults()),
        "dataSource must not be null");
    assertRefused(() -> PostgresBackend.serverAddress(null), "jdbcUrl must not be null");
    assertRefused(() -> PostgresBackend.installStatements(null), "schema must not be null");
  }

  private static void assertRefused(Executable call, String message) {
    assertEquals(message, assertThrows(InvalidInputException.class, call).getMessage());
  }
}
