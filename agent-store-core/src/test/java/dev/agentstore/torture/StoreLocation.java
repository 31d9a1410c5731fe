package dev.agentstore.torture;

import dev.agentstore.Backend;

/** A store that this JVM and child JVMs can all open: a SQLite file or a PostgreSQL schema. */
public interface StoreLocation {
  /** Opens the store in this JVM. */
  Backend open();

  /** A StorePolicy (TOML) that opens the same store in a child JVM. */
  String policyToml();
}
