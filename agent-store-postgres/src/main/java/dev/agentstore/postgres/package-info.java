/**
 * The PostgreSQL backend, for fleets that share a server someone else runs: {@link
 * dev.agentstore.postgres.PostgresBackend} and its {@link dev.agentstore.postgres.PostgresOptions}.
 */
@NullMarked
package dev.agentstore.postgres;

import org.jspecify.annotations.NullMarked;
