package dev.agentstore.internal;

import dev.agentstore.Backend;
import dev.agentstore.StorePolicy;

/**
 * Opens a backend named in a {@link StorePolicy}. Backends outside the core (PostgreSQL) register
 * one through {@link java.util.ServiceLoader}; only policies and the command line look them up.
 */
public interface BackendProvider {
  /** The name used in {@code backend = "..."}. */
  String name();

  Backend open(StorePolicy policy);
}
