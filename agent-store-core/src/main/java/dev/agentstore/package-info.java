/**
 * The agent-store API: {@link dev.agentstore.Backend}, {@link dev.agentstore.AgentStore} (which
 * lays the tables down), the two causal primitives {@link dev.agentstore.Generation} and {@link
 * dev.agentstore.WriterLog} with their bound handles {@link dev.agentstore.GenerationCounter} and
 * {@link dev.agentstore.ChainLog}, the commit {@link dev.agentstore.Doorbell}, the {@link
 * dev.agentstore.Follower} that delivers entries as they commit and its {@link
 * dev.agentstore.WakeUpSource} SPI, {@link dev.agentstore.Fingerprint} and {@link
 * dev.agentstore.StorePolicy}. Everything a user imports lives here or in a backend package; no
 * driver type appears in any signature.
 */
@NullMarked
package dev.agentstore;

import org.jspecify.annotations.NullMarked;
