package dev.agentstore.cli;

import org.jspecify.annotations.Nullable;

/** A failure the command reports as one line on stderr, with the exit code it chose. */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  CliException(int exitCode, String message) {
    this(exitCode, message, null);
  }

  CliException(int exitCode, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  /** A mistake on the command line: exit code 2. */
  static CliException usage(String message) {
    return new CliException(Main.EXIT_USAGE, message);
  }

  /** A store that cannot be opened or used: exit code 3. */
  static CliException store(String message) {
    return new CliException(Main.EXIT_STORE, message);
  }

  /** A broken chain or a refused request: exit code 1. */
  static CliException refused(String message) {
    return new CliException(Main.EXIT_BROKEN, message);
  }

  int exitCode() {
    return exitCode;
  }
}
