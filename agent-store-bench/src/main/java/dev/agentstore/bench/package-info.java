/**
 * JMH benchmarks of agent-store. Every benchmark class holds two methods doing the same work:
 * {@code ours} through the library and {@code raw} as hand-written JDBC with the same SQL
 * durability, the same BLAKE3 hashing (BouncyCastle's {@code Blake3Digest}) and the same 256-byte
 * payloads, so that a run reports a ratio measured side by side. {@link
 * dev.agentstore.bench.Report} runs a short version of all of them and prints the table.
 *
 * <p>The optimisation benchmarks ({@code PreparedStatementReuse}, {@code HeadRemembered}, {@code
 * Blake3Implementations}, {@code VerifyStrategies}, {@code AppendAllBatched}) hold {@code with} and
 * {@code without} methods instead: the same work with and without one optimisation agent-store
 * makes, so that what each one gains is measured; {@code Report --optimisations} runs them.
 */
@NullMarked
package dev.agentstore.bench;

import org.jspecify.annotations.NullMarked;
