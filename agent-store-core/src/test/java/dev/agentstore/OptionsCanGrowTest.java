package dev.agentstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.sqlite.SqliteOptions;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Options are values a later version can add a field to without breaking a caller: no public
 * constructor (a record's canonical constructor would be one), built from {@code defaults()} and
 * {@code with...} calls, compared by value.
 */
class OptionsCanGrowTest {

  @Test
  void optionsHaveNoPublicConstructorAndAreFinalClassesNotRecords() {
    for (Class<?> type : List.of(SqliteOptions.class, FollowOptions.class)) {
      assertEquals(0, type.getConstructors().length, type + " has a public constructor");
      assertFalse(type.isRecord(), type + " is a record");
      assertEquals(Modifier.FINAL, type.getModifiers() & Modifier.FINAL, type + " is not final");
    }
  }

  @Test
  void sqliteOptionsAreComparedByValueAndWithLeavesTheOriginalAlone() {
    SqliteOptions defaults = SqliteOptions.defaults();
    SqliteOptions full = defaults.withDurability(Durability.FULL);
    assertEquals(Durability.NORMAL, defaults.durability());
    assertEquals(Durability.FULL, full.durability());
    assertEquals(full, SqliteOptions.defaults().withDurability(Durability.FULL));
    assertEquals(full.hashCode(), defaults.withDurability(Durability.FULL).hashCode());
    assertNotEquals(defaults, full);
    assertEquals(defaults, full.withDurability(Durability.NORMAL));
    assertEquals(
        "SqliteOptions[durability=FULL, busyTimeout=PT5S, readOnly=false,"
            + " commitCheckInterval=PT0.01S]",
        full.toString());
    SqliteOptions ungrouped = full.withGroupCommit(false);
    assertTrue(full.groupCommit());
    assertFalse(ungrouped.groupCommit());
    assertNotEquals(full, ungrouped);
    assertEquals(full, ungrouped.withGroupCommit(true));
    assertEquals(
        "SqliteOptions[durability=FULL, busyTimeout=PT5S, readOnly=false,"
            + " commitCheckInterval=PT0.01S, groupCommit=false]",
        ungrouped.toString());
  }

  @Test
  void followOptionsAreComparedByValueAndKeepTheirWakeUpSourcesInOrder() {
    FollowOptions small = FollowOptions.defaults().withPageSize(10);
    assertEquals(small, FollowOptions.defaults().withPageSize(10));
    assertEquals(small.hashCode(), FollowOptions.defaults().withPageSize(10).hashCode());
    assertNotEquals(FollowOptions.defaults(), small);
    assertEquals(1000, FollowOptions.defaults().pageSize());
    assertEquals(
        "FollowOptions[pollInterval=PT1S, backendWakeUps=true, wakeUps=[], pageSize=10]",
        small.toString());
    WakeUpSource first = WakeUpSource.of(new Doorbell());
    WakeUpSource second = WakeUpSource.none();
    FollowOptions both = small.withWakeUps(first).withWakeUps(second);
    assertEquals(List.of(first, second), both.wakeUps());
    assertEquals(List.of(), small.wakeUps());
    assertThrows(UnsupportedOperationException.class, () -> both.wakeUps().clear());
  }

  @Test
  void followOptionsRefuseAPageSizeOutOfRangeNamingIt() {
    InvalidInputException failure =
        assertThrows(
            InvalidInputException.class,
            () -> FollowOptions.defaults().withPageSize(0).withPollInterval(Duration.ofSeconds(1)));
    assertEquals(
        "pageSize must be between 1 and " + WriterLog.MAX_READ_LIMIT + ", got 0",
        failure.getMessage());
  }
}
