package dev.agentstore.sqlite;

import dev.agentstore.Backend;
import dev.agentstore.torture.RoundTripContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteRoundTripTest extends RoundTripContract {
  @TempDir Path dir;

  @Override
  protected Backend newBackend() {
    return SqliteBackend.open(dir.resolve("roundtrip.db"));
  }
}
