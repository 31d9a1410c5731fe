package dev.agentstore;

import dev.agentstore.internal.Args;
import java.nio.file.Path;

/**
 * Where checkpoints are kept: somewhere the store's owner cannot rewrite them. A file ({@link
 * #file}), a NATS JetStream stream with history ({@code dev.agentstore.nats.NatsCheckpoints}), a
 * witness table in another PostgreSQL database ({@code dev.agentstore.postgres.PostgresWitness}),
 * or anything else that implements this one method. {@link Checkpointer} hands its checkpoints to
 * one.
 */
@FunctionalInterface
public interface CheckpointSink {
  /**
   * Keeps {@code checkpoint}. Returns once it is kept (written, acknowledged, committed).
   *
   * @param checkpoint the signed checkpoint to keep
   * @throws CheckpointRegressionException when the sink is a witness and the checkpoint goes
   *     backwards from one it already holds
   * @throws StoreException when it cannot be kept, naming where
   */
  void publish(Checkpoint checkpoint);

  /**
   * {@return a sink that writes each checkpoint to {@code file}, replacing the previous one} Read
   * it back with {@link CheckpointSource#file}.
   *
   * @param file the file to write
   */
  static CheckpointSink file(Path file) {
    Args.notNull(file, "file");
    return checkpoint -> checkpoint.write(file);
  }
}
