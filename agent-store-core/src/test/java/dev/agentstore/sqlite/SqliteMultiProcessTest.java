package dev.agentstore.sqlite;

import dev.agentstore.torture.MultiProcessContract;
import dev.agentstore.torture.StoreLocation;
import java.nio.file.Path;

class SqliteMultiProcessTest extends MultiProcessContract {
  @Override
  protected StoreLocation newStoreLocation(Path dir) {
    return SqliteLocations.file(dir.resolve("store.db"), "normal");
  }
}
