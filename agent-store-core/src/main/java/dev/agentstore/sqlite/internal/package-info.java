/**
 * The SQLite engine behind {@code dev.agentstore.sqlite.SqliteBackend}: connections, locking, busy
 * waits, error classification and the {@code data_version} watcher. Nothing here is API; users
 * never import it, and it may change in any release.
 */
@NullMarked
package dev.agentstore.sqlite.internal;

import org.jspecify.annotations.NullMarked;
