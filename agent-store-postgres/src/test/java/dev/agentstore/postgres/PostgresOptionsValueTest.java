package dev.agentstore.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.agentstore.InvalidInputException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@link PostgresOptions} is a value a later version can add a field to without breaking a caller:
 * no public constructor, compared by value, each bad option refused by name. Needs no server.
 */
class PostgresOptionsValueTest {

  @Test
  void postgresOptionsHaveNoPublicConstructorAndAreComparedByValue() {
    assertEquals(0, PostgresOptions.class.getConstructors().length);
    assertFalse(PostgresOptions.class.isRecord());
    PostgresOptions small = PostgresOptions.defaults().withSchema("fleet").withPoolSize(2);
    assertEquals(small, PostgresOptions.defaults().withPoolSize(2).withSchema("fleet"));
    assertEquals(
        small.hashCode(),
        PostgresOptions.defaults().withPoolSize(2).withSchema("fleet").hashCode());
    assertNotEquals(PostgresOptions.defaults(), small);
    assertEquals("public", PostgresOptions.defaults().schema());
    assertEquals(
        "PostgresOptions[schema=fleet, poolSize=2, connectTimeout=PT10S, statementTimeout=PT0S,"
            + " lockTimeout=PT0S, commitNotifications=true]",
        small.toString());
    PostgresOptions ungrouped = small.withGroupCommit(false);
    assertFalse(ungrouped.groupCommit());
    assertNotEquals(small, ungrouped);
    assertEquals(small, ungrouped.withGroupCommit(true));
    assertEquals(
        "PostgresOptions[schema=fleet, poolSize=2, connectTimeout=PT10S, statementTimeout=PT0S,"
            + " lockTimeout=PT0S, commitNotifications=true, groupCommit=false]",
        ungrouped.toString());
  }

  @Test
  void eachBadOptionIsRefusedByName() {
    assertRefused(
        () -> PostgresOptions.defaults().withLockTimeout(Duration.ofMillis(-1)),
        "lockTimeout must not be negative, got PT-0.001S");
    assertRefused(
        () -> PostgresOptions.defaults().withStatementTimeout(Duration.ofSeconds(-2)),
        "statementTimeout must not be negative, got PT-2S");
    assertRefused(
        () -> PostgresOptions.defaults().withPoolSize(0), "poolSize must be at least 1, got 0");
    assertRefused(() -> PostgresOptions.defaults().withSchema(null), "schema must not be null");
  }

  private static void assertRefused(
      org.junit.jupiter.api.function.Executable call, String message) {
    assertEquals(message, assertThrows(InvalidInputException.class, call).getMessage());
  }
}
