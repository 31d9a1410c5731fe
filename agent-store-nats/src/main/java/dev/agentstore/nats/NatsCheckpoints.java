package dev.agentstore.nats;

import dev.agentstore.Checkpoint;
import dev.agentstore.CheckpointRegressionException;
import dev.agentstore.CheckpointSink;
import dev.agentstore.CheckpointSource;
import dev.agentstore.Head;
import dev.agentstore.InvalidInputException;
import dev.agentstore.StoreException;
import dev.agentstore.spi.Checks;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.PublishOptions;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Checkpoints of a store published on a NATS JetStream stream that keeps their history (default
 * {@value #DEFAULT_STREAM}, file storage, no limit per subject, deletes and purges denied), one
 * subject per store name: {@code <prefix>.<name token>} (default prefix {@value #DEFAULT_PREFIX};
 * the token is the name escaped as {@link NatsSubjects#escape} does). A copy on a server the
 * store's owner does not run is out of the owner's reach.
 *
 * <p>{@link #publish} refuses a checkpoint whose signature does not verify, and one that goes
 * backwards from the latest checkpoint on the subject by the same signer ({@link
 * CheckpointRegressionException}, naming the chain); it publishes on condition that the subject's
 * last message is still the one compared with, so two publishers cannot slip past each other.
 * {@link #latest()} reads the last message of the subject, {@link #all()} the whole history.
 *
 * <p>Uses the caller's connection, like {@link NatsCommitBridge}: the caller opens and closes it.
 * Creates the stream when it does not exist; an existing one is used as configured. Thread-safe.
 */
public final class NatsCheckpoints implements CheckpointSink, CheckpointSource {
  /** The JetStream stream of {@link #of(Connection, String)}. */
  public static final String DEFAULT_STREAM = "AGENT_STORE_CHECKPOINTS";

  /** The subject prefix of {@link #of(Connection, String)}. */
  public static final String DEFAULT_PREFIX = "agent-store.checkpoints";

  /** JetStream's error code for "wrong last sequence" on a conditional publish. */
  private static final int WRONG_LAST_SEQUENCE = 10071;

  /** JetStream's error code for "no message found". */
  private static final int NO_MESSAGE = 10037;

  /** How many times a publish re-reads the subject when another publisher came first. */
  private static final int ATTEMPTS = 5;

  private static final Pattern STREAM_NAME = Pattern.compile("[A-Za-z0-9_-]+");

  private final Connection nats;
  private final String stream;
  private final String subject;
  private final String store;

  private NatsCheckpoints(Connection nats, String stream, String subject, String store) {
    this.nats = nats;
    this.stream = stream;
    this.subject = subject;
    this.store = store;
  }

  /**
   * The checkpoints of the store named {@code store} on the default stream and subjects, creating
   * the stream when it does not exist.
   *
   * @param nats the connection to use; the caller keeps it open and closes it
   * @param store the name the store's checkpoints are kept under (e.g. {@link Checkpoint#store()})
   * @return the store's checkpoints on NATS
   * @throws InvalidInputException when {@code store} is empty
   * @throws StoreException when JetStream is not available or the stream cannot be made
   */
  public static NatsCheckpoints of(Connection nats, String store) {
    return of(nats, DEFAULT_STREAM, DEFAULT_PREFIX, store);
  }

  /**
   * The checkpoints of the store named {@code store} on the stream {@code stream}, under subjects
   * {@code prefix.>}, creating the stream when it does not exist.
   *
   * @param nats the connection to use; the caller keeps it open and closes it
   * @param stream the JetStream stream name: ASCII letters, digits, {@code -} and {@code _}
   * @param prefix the subject prefix, as {@link NatsSubjects} takes it
   * @param store the name the store's checkpoints are kept under
   * @return the store's checkpoints on NATS
   * @throws InvalidInputException when a name is not of its form, or {@code store} is empty
   * @throws StoreException when JetStream is not available or the stream cannot be made
   */
  public static NatsCheckpoints of(Connection nats, String stream, String prefix, String store) {
    Checks.notNull(nats, "nats");
    Checks.notNull(stream, "stream");
    Checks.notNull(prefix, "prefix");
    Checks.notNull(store, "store");
    if (!STREAM_NAME.matcher(stream).matches()) {
      throw new InvalidInputException(
          "a JetStream stream name is ASCII letters, digits, '-' and '_', got \"" + stream + "\"");
    }
    if (store.isEmpty()) {
      throw new InvalidInputException("checkpoints on NATS need a store name; got an empty one");
    }
    String subject = new NatsSubjects(prefix).subject(store);
    NatsCheckpoints checkpoints = new NatsCheckpoints(nats, stream, subject, store);
    checkpoints.ensureStream(prefix + ".>");
    return checkpoints;
  }

  /** {@return the subject this store's checkpoints are published on} */
  public String subject() {
    return subject;
  }

  /**
   * Publishes {@code checkpoint} on this store's subject and waits for JetStream's acknowledgement.
   *
   * @param checkpoint the checkpoint to keep
   * @throws InvalidInputException when its signature does not verify
   * @throws CheckpointRegressionException when a chain goes backwards from the latest checkpoint on
   *     the subject by the same signer, naming the chain
   * @throws StoreException when NATS fails or other publishers kept coming first
   */
  @Override
  public void publish(Checkpoint checkpoint) {
    Checks.notNull(checkpoint, "checkpoint");
    if (!checkpoint.signatureVerifies()) {
      throw new InvalidInputException(
          describe()
              + " refuses a checkpoint signed by "
              + checkpoint.signer().fingerprint().toHex()
              + ": its signature does not verify");
    }
    byte[] data = checkpoint.toJson().getBytes(StandardCharsets.UTF_8);
    for (int attempt = 1; ; attempt++) {
      Optional<MessageInfo> last = lastMessage();
      if (last.isPresent()) {
        Checkpoint previous = parse(last.get());
        if (previous.signer().equals(checkpoint.signer())) {
          requireForward(previous, checkpoint);
        }
      }
      PublishOptions condition =
          PublishOptions.builder()
              .expectedStream(stream)
              .expectedLastSubjectSequence(last.map(MessageInfo::getSeq).orElse(0L))
              .build();
      try {
        nats.jetStream().publish(subject, data, condition);
        return;
      } catch (JetStreamApiException e) {
        if (e.getApiErrorCode() != WRONG_LAST_SEQUENCE || attempt == ATTEMPTS) {
          throw new StoreException(
              describe() + " cannot publish a checkpoint: " + e.getMessage(), e);
        }
      } catch (IOException e) {
        throw new StoreException(describe() + " cannot publish a checkpoint: " + e.getMessage(), e);
      }
    }
  }

  /**
   * {@return the latest checkpoint on this store's subject, by any signer}
   *
   * @throws InvalidInputException when the last message is not a checkpoint
   * @throws StoreException when NATS fails
   */
  @Override
  public Optional<Checkpoint> latest() {
    return lastMessage().map(this::parse);
  }

  /**
   * {@return every checkpoint on this store's subject, oldest first}
   *
   * @throws InvalidInputException when a message is not a checkpoint
   * @throws StoreException when NATS fails
   */
  public List<Checkpoint> all() {
    List<Checkpoint> checkpoints = new ArrayList<>();
    long seq = 1;
    while (true) {
      MessageInfo message;
      try {
        message = management().getNextMessage(stream, seq, subject);
      } catch (JetStreamApiException e) {
        if (e.getApiErrorCode() == NO_MESSAGE || e.getErrorCode() == 404) {
          return checkpoints;
        }
        throw new StoreException(describe() + " cannot be read: " + e.getMessage(), e);
      } catch (IOException e) {
        throw new StoreException(describe() + " cannot be read: " + e.getMessage(), e);
      }
      checkpoints.add(parse(message));
      seq = message.getSeq() + 1;
    }
  }

  /** {@return the stream and subject, e.g. for messages} */
  @Override
  public String describe() {
    return "NATS stream " + stream + " subject " + subject;
  }

  @Override
  public String toString() {
    return describe();
  }

  private void requireForward(Checkpoint previous, Checkpoint offered) {
    Map<List<String>, Head> before = new HashMap<>();
    for (Head head : previous.chains()) {
      before.put(List.of(head.stream(), head.writer()), head);
    }
    for (Head head : offered.chains()) {
      Head witnessed = before.get(List.of(head.stream(), head.writer()));
      if (witnessed != null) {
        CheckpointRegressionException.requireForward(describe(), store, witnessed, head);
      }
    }
  }

  private Optional<MessageInfo> lastMessage() {
    try {
      return Optional.of(management().getLastMessage(stream, subject));
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() == NO_MESSAGE || e.getErrorCode() == 404) {
        return Optional.empty();
      }
      throw new StoreException(describe() + " cannot be read: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new StoreException(describe() + " cannot be read: " + e.getMessage(), e);
    }
  }

  private Checkpoint parse(MessageInfo message) {
    try {
      return Checkpoint.fromJson(new String(message.getData(), StandardCharsets.UTF_8));
    } catch (InvalidInputException e) {
      throw new InvalidInputException(
          describe() + " message seq " + message.getSeq() + ": " + e.getMessage());
    }
  }

  private JetStreamManagement management() throws IOException {
    return nats.jetStreamManagement();
  }

  private void ensureStream(String subjects) {
    try {
      JetStreamManagement management = management();
      try {
        management.getStreamInfo(stream);
        return;
      } catch (JetStreamApiException e) {
        if (e.getErrorCode() != 404) {
          throw e;
        }
      }
      try {
        management.addStream(
            StreamConfiguration.builder()
                .name(stream)
                .subjects(subjects)
                .storageType(StorageType.File)
                .maxMessagesPerSubject(-1)
                .denyDelete(true)
                .denyPurge(true)
                .build());
      } catch (JetStreamApiException e) {
        // Another process made it meanwhile: use it.
        management.getStreamInfo(stream);
      }
    } catch (JetStreamApiException | IOException e) {
      throw new StoreException(
          "cannot use the JetStream stream " + stream + " for checkpoints: " + e.getMessage(), e);
    }
  }
}
