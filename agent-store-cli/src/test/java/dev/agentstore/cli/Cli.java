package dev.agentstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;

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
}
