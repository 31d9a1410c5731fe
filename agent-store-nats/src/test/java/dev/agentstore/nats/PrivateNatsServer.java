package dev.agentstore.nats;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A {@code nats-server} of the test's own on a free loopback port, which the test can kill
 * (SIGKILL) and start again on the same port.
 */
final class PrivateNatsServer implements AutoCloseable {
  private static final String BINARY = "/usr/sbin/nats-server";
  private static final long START_SECONDS = 30;

  private final int port;
  private Process process;

  private PrivateNatsServer(int port) {
    this.port = port;
  }

  /** Starts a server on a free port; skips the test when nats-server is not installed. */
  static PrivateNatsServer start() throws IOException, InterruptedException {
    if (!Files.isExecutable(Path.of(BINARY))) {
      String reason = BINARY + " is not installed";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        Assertions.fail(reason + " (CI=true: required)");
      }
      Assumptions.abort(reason);
    }
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    PrivateNatsServer server = new PrivateNatsServer(port);
    server.restart();
    return server;
  }

  String url() {
    return "nats://127.0.0.1:" + port;
  }

  /** Starts the server (again) and returns once it says it is ready. */
  void restart() throws IOException, InterruptedException {
    process =
        new ProcessBuilder(List.of(BINARY, "-a", "127.0.0.1", "-p", Integer.toString(port)))
            .redirectErrorStream(true)
            .start();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Process started = process;
    Thread reader =
        new Thread(
            () -> {
              StringBuilder log = new StringBuilder();
              try (BufferedReader lines =
                  new BufferedReader(
                      new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                  log.append(line).append('\n');
                  if (line.contains("Server is ready")) {
                    ready.complete(null);
                  }
                }
              } catch (IOException e) {
                // The server was killed.
              }
              ready.completeExceptionally(new IOException("nats-server exited:\n" + log));
            },
            "nats-server output");
    reader.setDaemon(true);
    reader.start();
    try {
      ready.get(START_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      process.destroyForcibly();
      throw new AssertionError("nats-server did not become ready on port " + port, e);
    }
  }

  /** SIGKILL, as a crash would; returns once the process is gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(START_SECONDS, TimeUnit.SECONDS)) {
      throw new AssertionError("nats-server survived SIGKILL");
    }
  }

  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(START_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
