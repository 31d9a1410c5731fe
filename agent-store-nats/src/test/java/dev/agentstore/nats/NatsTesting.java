package dev.agentstore.nats;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/** The NATS servers the tests use, and clients for them. */
final class NatsTesting {
  /** The machine's server; {@code AGENT_STORE_NATS_URL} overrides it. */
  static final String DEFAULT_URL = "nats://127.0.0.1:4222";

  private NatsTesting() {}

  static String url() {
    String url = System.getenv("AGENT_STORE_NATS_URL");
    return url == null || url.isBlank() ? DEFAULT_URL : url;
  }

  /** A client that reconnects quickly and never gives up. */
  static Connection connect(String url) throws IOException, InterruptedException {
    return Nats.connect(options(url).build());
  }

  /** The options of {@link #connect}, to add to. */
  static Options.Builder options(String url) {
    return new Options.Builder()
        .server(url)
        .connectionTimeout(Duration.ofSeconds(2))
        .reconnectWait(Duration.ofMillis(50))
        .maxReconnects(-1);
  }

  /**
   * A client of the machine's server; the test is skipped when it does not answer (failed under
   * {@code CI=true}).
   */
  static Connection connectToMachineServer() throws InterruptedException {
    try {
      return Nats.connect(
          new Options.Builder()
              .server(url())
              .connectionTimeout(Duration.ofSeconds(2))
              .reconnectWait(Duration.ofMillis(50))
              .maxReconnects(-1)
              .build());
    } catch (IOException e) {
      String reason = "NATS at " + url() + " does not answer: " + e.getMessage();
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        Assertions.fail(reason + " (CI=true: required)");
      }
      Assumptions.abort(reason + " (set CI=true to make this a failure)");
      throw new AssertionError("unreachable");
    }
  }

  /** Subjects no other test run uses, on a shared server. */
  static NatsSubjects privateSubjects() {
    return new NatsSubjects("agentstore-test." + UUID.randomUUID().toString().replace("-", ""));
  }
}
