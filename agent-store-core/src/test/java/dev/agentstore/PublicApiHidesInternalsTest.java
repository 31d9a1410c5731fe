package dev.agentstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.contract.PublicApi;
import dev.agentstore.spi.WakeUpHub;
import dev.agentstore.sqlite.SqliteBackend;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * No public signature of the core (dev.agentstore, .sqlite, .spi) names a type from an {@code
 * internal} package: what users see is what they may use, and the internals can change freely.
 */
class PublicApiHidesInternalsTest {

  @Test
  void noPublicSignatureOfTheCoreMentionsAnInternalType() {
    assertEquals(List.of(), PublicApi.internalsInSignatures(Backend.class));
  }

  @Test
  void theCheckCoversEveryExportedPackageAndNoInternalOne() {
    List<String> types = PublicApi.exportedTypes(Backend.class);
    assertTrue(types.contains(Backend.class.getName()), types::toString);
    assertTrue(types.contains(SqliteBackend.class.getName()), types::toString);
    assertTrue(types.contains(WakeUpHub.class.getName()), types::toString);
    assertTrue(types.contains(Doorbell.Subscription.class.getName()), types::toString);
    assertTrue(types.stream().noneMatch(type -> type.contains(".internal.")), types::toString);
  }
}
