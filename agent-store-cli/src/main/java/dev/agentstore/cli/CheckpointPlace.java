package dev.agentstore.cli;

import dev.agentstore.CheckpointSink;
import dev.agentstore.CheckpointSource;
import dev.agentstore.InvalidInputException;
import dev.agentstore.StoreException;
import dev.agentstore.nats.NatsCheckpoints;
import dev.agentstore.postgres.PostgresWitness;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Where a checkpoint is kept, as the command line names it: a {@code nats://} server (JetStream
 * stream {@value NatsCheckpoints#DEFAULT_STREAM}), a {@code postgresql://} or {@code
 * jdbc:postgresql:} witness database, or else a file. Closing closes the NATS connection it made.
 */
final class CheckpointPlace implements AutoCloseable {
  private final CheckpointSink sink;
  private final CheckpointSource source;
  private final io.nats.client.@Nullable Connection nats;

  private CheckpointPlace(
      CheckpointSink sink, CheckpointSource source, io.nats.client.@Nullable Connection nats) {
    this.sink = sink;
    this.source = source;
    this.nats = nats;
  }

  static boolean isNats(String place) {
    return place.startsWith("nats://") || place.startsWith("tls://");
  }

  static boolean isPostgres(String place) {
    return place.startsWith("postgresql://")
        || place.startsWith("postgres://")
        || place.startsWith("jdbc:postgresql:");
  }

  /**
   * Opens {@code place} for the checkpoints kept under {@code name}.
   *
   * @throws CliException usage (2) for a malformed URL, store (3) when the place cannot be reached
   */
  static CheckpointPlace open(String place, String name) {
    if (isNats(place)) {
      io.nats.client.Connection connection;
      try {
        connection =
            io.nats.client.Nats.connect(
                new io.nats.client.Options.Builder()
                    .server(place)
                    .connectionTimeout(Duration.ofSeconds(5))
                    .maxReconnects(0)
                    .build());
      } catch (IOException | IllegalArgumentException e) {
        throw CliException.store("cannot connect to NATS at " + place + ": " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw CliException.store("interrupted while connecting to NATS at " + place);
      }
      try {
        NatsCheckpoints checkpoints = NatsCheckpoints.of(connection, name);
        return new CheckpointPlace(checkpoints, checkpoints, connection);
      } catch (RuntimeException e) {
        closeQuietly(connection);
        throw e instanceof InvalidInputException ? CliException.usage(e.getMessage()) : e;
      }
    }
    if (isPostgres(place)) {
      PostgresWitness witness;
      try {
        witness = PostgresWitness.open(place, name);
      } catch (InvalidInputException e) {
        throw CliException.usage(e.getMessage());
      } catch (StoreException e) {
        throw CliException.store(e.getMessage());
      }
      return new CheckpointPlace(witness, witness, null);
    }
    Path file = Path.of(place);
    return new CheckpointPlace(CheckpointSink.file(file), CheckpointSource.file(file), null);
  }

  CheckpointSink sink() {
    return sink;
  }

  CheckpointSource source() {
    return source;
  }

  @Override
  public void close() {
    if (nats != null) {
      closeQuietly(nats);
    }
  }

  private static void closeQuietly(io.nats.client.Connection connection) {
    try {
      connection.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
