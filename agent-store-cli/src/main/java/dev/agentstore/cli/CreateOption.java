package dev.agentstore.cli;

import picocli.CommandLine.Option;

/**
 * {@code --create}, mixed into every command that writes (append, gen bump, gen set, copy), so that
 * the option reads and behaves the same everywhere.
 */
final class CreateOption {
  @Option(
      names = "--create",
      description =
          "Make the store written to when it is not one yet: create a missing SQLite file, or add"
              + " agent-store's tables to an empty file, another SQLite database or a PostgreSQL"
              + " schema.")
  boolean wanted;
}
