package dev.agentstore.sqlite;

import dev.agentstore.torture.CrashContract;
import dev.agentstore.torture.StoreLocation;
import java.nio.file.Path;

/** Kill -9 rounds on a file with synchronous=FULL. */
class SqliteCrashFullTest extends CrashContract {
  @Override
  protected StoreLocation newStoreLocation(Path dir) {
    return SqliteLocations.file(dir.resolve("store.db"), "full");
  }
}
