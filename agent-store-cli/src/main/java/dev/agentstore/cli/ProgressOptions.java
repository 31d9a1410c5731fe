package dev.agentstore.cli;

import picocli.CommandLine.Option;

/**
 * {@code --progress=auto|always|never} and {@code -q/--quiet}, mixed into the commands that draw a
 * progress line on stderr (verify, copy).
 */
final class ProgressOptions {
  /** When the progress line is drawn; lower case, as these are the words the user types. */
  enum When {
    /** When stderr is a terminal (see {@link Terminal}). */
    auto,
    /** Even into a file or a pipe (a log that wants to see the run advance). */
    always,
    /** Never. */
    never
  }

  @Option(
      names = "--progress",
      paramLabel = "WHEN",
      defaultValue = "auto",
      description =
          "When to draw a progress line on stderr for long runs: auto (when stderr is a"
              + " terminal), always, never (default: ${DEFAULT-VALUE}).")
  When when = When.auto;

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress line (same as --progress=never); errors are still printed.")
  boolean quiet;

  /** Whether to draw, given whether the process's stderr is a terminal. */
  boolean enabled(boolean stderrIsTerminal) {
    if (quiet) {
      return false;
    }
    return switch (when) {
      case auto -> stderrIsTerminal;
      case always -> true;
      case never -> false;
    };
  }
}
