/**
 * The default backend: an embedded SQLite file (or an in-memory database, or a connection the
 * consumer already has), with the bundled driver and no server.
 */
@NullMarked
package dev.agentstore.sqlite;

import org.jspecify.annotations.NullMarked;
