package dev.agentstore.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.agentstore.contract.PublicApi;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The NATS module is built on public API and {@code dev.agentstore.spi} alone: no public signature
 * names an {@code internal} type, and no class refers to one.
 */
class NatsPublicApiTest {

  @Test
  void noPublicSignatureMentionsAnInternalType() {
    assertEquals(List.of(), PublicApi.internalsInSignatures(NatsWakeUps.class));
  }

  @Test
  void noClassRefersToAnInternalPackage() {
    assertEquals(List.of(), PublicApi.classesReferringToInternals(NatsWakeUps.class, pkg -> true));
  }
}
