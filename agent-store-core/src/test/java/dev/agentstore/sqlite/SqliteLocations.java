package dev.agentstore.sqlite;

import dev.agentstore.Backend;
import dev.agentstore.Durability;
import dev.agentstore.torture.StoreLocation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/** SQLite files as {@link StoreLocation}s for the multi-process suites. */
final class SqliteLocations {
  private SqliteLocations() {}

  static StoreLocation file(Path file, String durability) {
    return new StoreLocation() {
      @Override
      public Backend open() {
        return SqliteBackend.open(
            file,
            SqliteOptions.defaults()
                .withDurability(Durability.valueOf(durability.toUpperCase(Locale.ROOT)))
                .withBusyTimeout(Duration.ofSeconds(60)));
      }

      @Override
      public String policyToml() {
        return "[store]\nbackend = \"sqlite\"\npath = \""
            + file.toString().replace("\\", "\\\\")
            + "\"\ndurability = \""
            + durability
            // These suites look for lost or forked entries, not for waits: on a loaded machine
            // one fsync can hold the file's lock past the default 5 s.
            + "\"\nbusy_timeout_ms = 60000\n";
      }
    };
  }
}
