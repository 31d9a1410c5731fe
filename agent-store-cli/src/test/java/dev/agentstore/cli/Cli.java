package dev.agentstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Runs the command in-process, as {@code Main.main} would, and captures what it prints. */
final class Cli {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Cli() {}

  record Result(int exitCode, String out, String err) {
    /** stdout parsed as JSON. */
    JsonNode json() {
      try {
        return JSON.readTree(out);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new UncheckedIOException("stdout is not JSON: " + out, e);
      }
    }

    /** Asserts the exit code, showing both streams when it differs. */
    Result expect(int code) {
      assertEquals(code, exitCode, () -> "exit code; stdout:\n" + out + "\nstderr:\n" + err);
      return this;
    }

    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  static Result run(String... args) {
    return runWithInput(new byte[0], args);
  }

  static Result runWithInput(byte[] stdin, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.run(
            new ByteArrayInputStream(stdin),
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            args);
    return new Result(code, out.toString(), err.toString());
  }

  /** How long a test waits for a line or an exit before it fails. */
  static final long WAIT_SECONDS = 60;

  /** Starts the command on a thread of its own; its stdout can be read line by line as printed. */
  static Running start(String... args) {
    return new Running(args);
  }

  /** A command running on its own thread, as a long-running command ({@code log --follow}) does. */
  static final class Running implements AutoCloseable {
    private final Main main = new Main();
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuffer out = new StringBuffer();
    private final StringWriter err = new StringWriter();
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final Thread thread;

    private Running(String... args) {
      Writer sink =
          new Writer() {
            private final StringBuilder partial = new StringBuilder();

            @Override
            public synchronized void write(char[] chars, int offset, int length) {
              for (int i = offset; i < offset + length; i++) {
                out.append(chars[i]);
                if (chars[i] == '\n') {
                  lines.add(partial.toString());
                  partial.setLength(0);
                } else {
                  partial.append(chars[i]);
                }
              }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
          };
      PrintWriter stdout = new PrintWriter(sink, true);
      PrintWriter stderr = new PrintWriter(err, true);
      thread =
          new Thread(
              () -> {
                try {
                  exit.complete(
                      Main.run(main, InputStream.nullInputStream(), stdout, stderr, args));
                } catch (Throwable t) {
                  exit.completeExceptionally(t);
                }
              },
              "agent-store " + String.join(" ", args));
      thread.setDaemon(true);
      thread.start();
    }

    /** The next line printed, waiting for it at most {@link #WAIT_SECONDS}. */
    String nextLine() throws InterruptedException {
      String line = lines.poll(WAIT_SECONDS, TimeUnit.SECONDS);
      if (line == null) {
        throw new AssertionError(
            "no line within " + WAIT_SECONDS + " s; running: " + isRunning() + "\n" + this);
      }
      return line;
    }

    /** The next {@code count} lines printed. */
    List<String> nextLines(int count) throws InterruptedException {
      List<String> next = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        next.add(nextLine());
      }
      return next;
    }

    boolean isRunning() {
      return !exit.isDone();
    }

    /** What SIGINT or SIGTERM do to the real command: {@link Main#requestStop()}. */
    void stop() {
      main.requestStop();
    }

    /** Waits at most {@link #WAIT_SECONDS} for the command to end; everything it printed. */
    Result await() throws InterruptedException {
      try {
        int code = exit.get(WAIT_SECONDS, TimeUnit.SECONDS);
        return new Result(code, out.toString(), err.toString());
      } catch (TimeoutException e) {
        throw new AssertionError("still running after " + WAIT_SECONDS + " s\n" + this, e);
      } catch (ExecutionException e) {
        throw new AssertionError("the command threw\n" + this, e.getCause());
      }
    }

    /** Stops the command if it still runs and waits for its thread. */
    @Override
    public void close() {
      main.requestStop();
      try {
        thread.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public String toString() {
      return "--- stdout\n" + out + "--- stderr\n" + err;
    }
  }
}
