package dev.agentstore.postgres;

import dev.agentstore.Backend;
import dev.agentstore.FollowOptions;
import dev.agentstore.torture.FollowProcessContract;
import dev.agentstore.torture.StoreLocation;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Two JVMs on one PostgreSQL schema: the follower hears the writer's commits through {@code
 * LISTEN}/{@code NOTIFY} (its poll interval is set far beyond the test's bound).
 */
class PostgresFollowProcessTest extends FollowProcessContract {
  private String schema;

  @BeforeEach
  void requireServer() {
    PgFollowServer.require();
    schema = PgFollowServer.newSchema("process");
  }

  @AfterEach
  void dropSchema() {
    PgFollowServer.dropSchema(schema);
  }

  @Override
  protected StoreLocation newStoreLocation(Path dir) {
    return new StoreLocation() {
      @Override
      public Backend open() {
        return PostgresBackend.connect(
            PgFollowServer.url(), PostgresOptions.defaults().withSchema(schema).withPoolSize(2));
      }

      @Override
      public String policyToml() {
        return "[store]\nbackend = \"postgres\"\nurl = \""
            + PgFollowServer.url()
            + "\"\nschema = \""
            + schema
            + "\"\npool_size = 2\n";
      }
    };
  }

  @Override
  protected FollowOptions followOptions(Backend db) {
    return FollowOptions.defaults().withPollInterval(Duration.ofHours(1));
  }

  @Override
  protected String wakeUpName() {
    return "PostgreSQL LISTEN/NOTIFY";
  }
}
