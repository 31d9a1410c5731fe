package dev.agentstore.sqlite;

import dev.agentstore.torture.LargeBatchContract;
import dev.agentstore.torture.StoreLocation;
import java.nio.file.Path;

class SqliteLargeBatchTest extends LargeBatchContract {
  @Override
  protected StoreLocation newStoreLocation(Path dir) {
    return SqliteLocations.file(dir.resolve("store.db"), "normal");
  }
}
