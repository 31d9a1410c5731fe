package dev.agentstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.agentstore.contract.PublicApi;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The command is a client of the library like any other: its classes refer to no {@code internal}
 * package of the core or the PostgreSQL module, only to public API and {@code dev.agentstore.spi}.
 */
class CliUsesPublicApiTest {

  @Test
  void noCommandClassRefersToAnInternalPackage() {
    assertEquals(List.of(), PublicApi.classesReferringToInternals(Main.class, pkg -> true));
  }
}
