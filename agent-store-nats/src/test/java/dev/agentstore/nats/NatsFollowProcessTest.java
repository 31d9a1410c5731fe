package dev.agentstore.nats;

import dev.agentstore.Backend;
import dev.agentstore.FollowOptions;
import dev.agentstore.sqlite.SqliteBackend;
import dev.agentstore.torture.FollowProcessContract;
import dev.agentstore.torture.StoreLocation;
import io.nats.client.Connection;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Two JVMs on one SQLite file, the follower deaf to the file (no backend wake-ups, no poll within
 * the test's bound): it wakes only on the commit messages the writer's {@link NatsCommitBridge}
 * publishes to the machine's NATS server.
 */
class NatsFollowProcessTest extends FollowProcessContract {
  private Connection nats;
  private NatsWakeUps wakeUps;
  private final NatsSubjects subjects = NatsTesting.privateSubjects();

  @BeforeEach
  void connect() throws InterruptedException {
    nats = NatsTesting.connectToMachineServer();
  }

  @AfterEach
  void disconnect() throws InterruptedException {
    if (wakeUps != null) {
      wakeUps.close();
    }
    nats.close();
  }

  @Override
  protected StoreLocation newStoreLocation(Path dir) {
    Path file = dir.resolve("store.db");
    return new StoreLocation() {
      @Override
      public Backend open() {
        return SqliteBackend.open(file);
      }

      @Override
      public String policyToml() {
        return "[store]\nbackend = \"sqlite\"\npath = \"" + file + "\"\n";
      }
    };
  }

  @Override
  protected FollowOptions followOptions(Backend db) {
    wakeUps = NatsWakeUps.forStream(nats, subjects, "conv");
    return FollowOptions.defaults()
        .withBackendWakeUps(false)
        .withPollInterval(Duration.ofHours(1))
        .withWakeUps(wakeUps);
  }

  @Override
  protected String writerPlugin() {
    return NatsBridgePlugin.class.getName();
  }

  @Override
  protected String writerPluginArgument() {
    return NatsTesting.url() + " " + subjects.prefix();
  }

  @Override
  protected String wakeUpName() {
    return "NATS (" + NatsTesting.url() + ")";
  }
}
