package dev.agentstore.nats;

import dev.agentstore.Backend;
import io.nats.client.Connection;
import java.util.function.BiFunction;

/**
 * Attaches a {@link NatsCommitBridge} to the writer of the multi-process test; its argument is
 * {@code URL PREFIX}.
 */
public final class NatsBridgePlugin implements BiFunction<Backend, String, AutoCloseable> {
  @Override
  public AutoCloseable apply(Backend backend, String argument) {
    String[] parts = argument.split(" ");
    try {
      Connection nats = NatsTesting.connect(parts[0]);
      NatsCommitBridge bridge = NatsCommitBridge.start(nats, backend, new NatsSubjects(parts[1]));
      return () -> {
        bridge.close();
        nats.close();
      };
    } catch (Exception e) {
      throw new IllegalStateException("cannot connect to NATS at " + parts[0], e);
    }
  }
}
