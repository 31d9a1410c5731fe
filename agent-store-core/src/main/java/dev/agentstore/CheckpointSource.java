package dev.agentstore;

import dev.agentstore.internal.Args;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where {@link Checkpoint#check(Backend, CheckpointSource, java.util.Collection)} reads the
 * checkpoint to check a store against: a file ({@link #file}), a NATS JetStream stream ({@code
 * dev.agentstore.nats.NatsCheckpoints}), a witness table ({@code
 * dev.agentstore.postgres.PostgresWitness}).
 */
public interface CheckpointSource {
  /**
   * {@return the latest checkpoint the source holds; empty when it holds none}
   *
   * @throws InvalidInputException when what the source holds is not a checkpoint, naming where
   * @throws StoreException when the source cannot be read, naming where
   */
  Optional<Checkpoint> latest();

  /** {@return where the checkpoints come from, for messages (e.g. a path, a subject, a table)} */
  String describe();

  /**
   * {@return the checkpoint file {@code file} as a source: empty while the file does not exist}
   *
   * @param file a file {@link Checkpoint#write} or {@link CheckpointSink#file} wrote
   */
  static CheckpointSource file(Path file) {
    Args.notNull(file, "file");
    return new CheckpointSource() {
      @Override
      public Optional<Checkpoint> latest() {
        return Files.exists(file) ? Optional.of(Checkpoint.read(file)) : Optional.empty();
      }

      @Override
      public String describe() {
        return "checkpoint file " + file;
      }
    };
  }
}
