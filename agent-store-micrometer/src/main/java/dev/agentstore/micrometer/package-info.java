/**
 * Binds agent-store's {@link dev.agentstore.StoreListener} to a Micrometer {@code MeterRegistry}:
 * {@link dev.agentstore.micrometer.MicrometerListener}. Meter names and tags are listed on that
 * class; nothing else lives here.
 */
@NullMarked
package dev.agentstore.micrometer;

import org.jspecify.annotations.NullMarked;
