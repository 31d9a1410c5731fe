package dev.agentstore.postgres;

import dev.agentstore.Backend;
import dev.agentstore.torture.CrashContract;
import dev.agentstore.torture.LargeBatchContract;
import dev.agentstore.torture.MultiProcessContract;
import dev.agentstore.torture.StoreLocation;
import java.nio.file.Path;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Child JVMs sharing one PostgreSQL schema: appenders, bumpers, appenders killed by SIGKILL, and
 * one large appendAll in a bounded heap.
 */
class PostgresProcessesTest {
  @RegisterExtension static final PostgresTestServer PG = new PostgresTestServer("processes");

  static StoreLocation newLocation() {
    String schema = PG.newSchema();
    return new StoreLocation() {
      @Override
      public Backend open() {
        return PG.newBackend(PG.options().withSchema(schema));
      }

      @Override
      public String policyToml() {
        return "[store]\nbackend = \"postgres\"\nurl = \""
            + PostgresTestServer.url()
            + "\"\nschema = \""
            + schema
            + "\"\npool_size = 4\n";
      }
    };
  }

  @Nested
  class SharedWriter extends MultiProcessContract {
    @Override
    protected StoreLocation newStoreLocation(Path dir) {
      return newLocation();
    }
  }

  @Nested
  class Crashes extends CrashContract {
    @Override
    protected StoreLocation newStoreLocation(Path dir) {
      return newLocation();
    }
  }

  @Nested
  class LargeBatch extends LargeBatchContract {
    @Override
    protected StoreLocation newStoreLocation(Path dir) {
      return newLocation();
    }
  }
}
