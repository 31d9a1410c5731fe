package dev.agentstore.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.contract.PublicApi;
import java.util.List;
import org.junit.jupiter.api.Test;

/** No public signature of dev.agentstore.postgres names a type from an {@code internal} package. */
class PostgresPublicApiTest {

  @Test
  void noPublicSignatureMentionsAnInternalType() {
    List<String> types = PublicApi.exportedTypes(PostgresBackend.class);
    assertTrue(types.contains(PostgresBackend.class.getName()), types::toString);
    assertTrue(types.contains(PostgresOptions.class.getName()), types::toString);
    assertEquals(List.of(), PublicApi.internalsInSignatures(PostgresBackend.class));
  }
}
