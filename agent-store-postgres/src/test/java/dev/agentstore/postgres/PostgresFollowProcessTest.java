package dev.agentstore.postgres;

import dev.agentstore.Backend;
import dev.agentstore.FollowOptions;
import dev.agentstore.torture.FollowProcessContract;
import dev.agentstore.torture.StoreLocation;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two JVMs on one PostgreSQL schema: the follower hears the writer's commits through {@code
 * LISTEN}/{@code NOTIFY} (its poll interval is set far beyond the test's bound).
 */
class PostgresFollowProcessTest extends FollowProcessContract {
  @RegisterExtension static final PostgresTestServer pg = new PostgresTestServer("process");

  private String schema;

  @BeforeEach
  void newSchema() {
    schema = pg.newSchema();
  }

  @Override
  protected StoreLocation newStoreLocation(Path dir) {
    return new StoreLocation() {
      @Override
      public Backend open() {
        return PostgresBackend.connect(
            PostgresTestServer.url(),
            PostgresOptions.defaults().withSchema(schema).withPoolSize(2));
      }

      @Override
      public String policyToml() {
        return "[store]\nbackend = \"postgres\"\nurl = \""
            + PostgresTestServer.url()
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
