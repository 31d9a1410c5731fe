/**
 * For modules that extend agent-store (the NATS transport, other wake-up sources, tools): the
 * commit-notice JSON that PostgreSQL notifications and bus messages share ({@link
 * dev.agentstore.spi.CommitJson}), the listener bookkeeping behind a {@link
 * dev.agentstore.WakeUpSource} ({@link dev.agentstore.spi.WakeUpHub}), waiting for a stopped thread
 * ({@link dev.agentstore.spi.Threads}) and argument checks ({@link dev.agentstore.spi.Checks}).
 * Applications need none of it; it is public so that those modules need nothing from {@code
 * internal} packages, and it changes only in a minor release, with a CHANGELOG line.
 */
@NullMarked
package dev.agentstore.spi;

import org.jspecify.annotations.NullMarked;
