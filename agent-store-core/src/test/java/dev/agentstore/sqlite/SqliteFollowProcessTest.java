package dev.agentstore.sqlite;

import dev.agentstore.Backend;
import dev.agentstore.FollowOptions;
import dev.agentstore.torture.FollowProcessContract;
import dev.agentstore.torture.StoreLocation;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Two JVMs on one SQLite file: the follower hears the writer's commits through {@code PRAGMA
 * data_version} (its poll interval is set far beyond the test's bound, so every wake-up counts).
 */
class SqliteFollowProcessTest extends FollowProcessContract {
  @Override
  protected StoreLocation newStoreLocation(Path dir) {
    return SqliteLocations.file(dir.resolve("store.db"), "normal");
  }

  @Override
  protected FollowOptions followOptions(Backend db) {
    return FollowOptions.defaults().withPollInterval(Duration.ofHours(1));
  }

  @Override
  protected String wakeUpName() {
    return "SQLite data_version (checked every "
        + SqliteOptions.DEFAULT_COMMIT_CHECK_INTERVAL.toMillis()
        + " ms)";
  }
}
