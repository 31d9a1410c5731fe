/**
 * Commit wake-ups over NATS, for followers on other machines: {@link
 * dev.agentstore.nats.NatsCommitBridge} publishes a backend's doorbell rings, {@link
 * dev.agentstore.nats.NatsWakeUps} turns them back into wake-ups for a {@code Follower}, {@link
 * dev.agentstore.nats.NatsSubjects} is the subject scheme and {@link
 * dev.agentstore.nats.CommitMessage} the wire format. NATS carries hints only; entries are always
 * read from the store.
 */
@NullMarked
package dev.agentstore.nats;

import org.jspecify.annotations.NullMarked;
