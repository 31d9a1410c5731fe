/**
 * Machinery behind the public API: the JDBC backend base class that backends extend, hashing, name
 * checks, SQL texts and row reading. Nothing here is API; users never need to import it, and it may
 * change in any release.
 */
@NullMarked
package dev.agentstore.internal;

import org.jspecify.annotations.NullMarked;
