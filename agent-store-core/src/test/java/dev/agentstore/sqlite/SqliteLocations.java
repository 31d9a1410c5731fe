package dev.agentstore.sqlite;

import dev.agentstore.Backend;
import dev.agentstore.Durability;
import dev.agentstore.torture.StoreLocation;
import java.nio.file.Path;
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
                .withDurability(Durability.valueOf(durability.toUpperCase(Locale.ROOT))));
      }

      @Override
      public String policyToml() {
        return "[store]\nbackend = \"sqlite\"\npath = \""
            + file.toString().replace("\\", "\\\\")
            + "\"\ndurability = \""
            + durability
            + "\"\n";
      }
    };
  }
}
