/**
 * PostgreSQL specifics behind {@link dev.agentstore.postgres.PostgresBackend}: its SQL, its error
 * classification, and its registration with {@code StorePolicy}. Not API.
 */
@NullMarked
package dev.agentstore.postgres.internal;

import org.jspecify.annotations.NullMarked;
