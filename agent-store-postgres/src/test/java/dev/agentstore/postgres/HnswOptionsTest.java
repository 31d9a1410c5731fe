package dev.agentstore.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.InvalidInputException;
import org.junit.jupiter.api.Test;

/** HNSW parameters: pgvector's limits, and how PostgresOptions carries them. */
class HnswOptionsTest {
  @Test
  void parametersOutsidePgvectorsLimitsAreRefusedNamingTheParameterAndValue() {
    assertEquals(
        "HNSW m must be 2 to 100, got 1",
        assertThrows(InvalidInputException.class, () -> new HnswOptions(1, 64, 40)).getMessage());
    assertEquals(
        "HNSW efConstruction must be 2 * m (32) to 1000, got 31",
        assertThrows(InvalidInputException.class, () -> new HnswOptions(16, 31, 40)).getMessage());
    assertEquals(
        "HNSW efSearch must be 1 to 1000, got 1001",
        assertThrows(InvalidInputException.class, () -> new HnswOptions(16, 64, 1001))
            .getMessage());
  }

  @Test
  void postgresOptionsCarryThemInEqualityAndToString() {
    assertEquals(new HnswOptions(16, 64, 40), PostgresOptions.defaults().hnsw());
    PostgresOptions wider = PostgresOptions.defaults().withHnsw(new HnswOptions(32, 128, 100));
    assertEquals(new HnswOptions(32, 128, 100), wider.hnsw());
    assertNotEquals(PostgresOptions.defaults(), wider);
    assertEquals(wider, PostgresOptions.defaults().withHnsw(new HnswOptions(32, 128, 100)));
    assertTrue(
        wider.toString().contains("hnsw=HnswOptions[m=32, efConstruction=128, efSearch=100]"),
        wider::toString);
    assertThrows(InvalidInputException.class, () -> PostgresOptions.defaults().withHnsw(null));
  }
}
