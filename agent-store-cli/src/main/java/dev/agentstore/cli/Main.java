package dev.agentstore.cli;

import dev.agentstore.StoreException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Entry point of the {@code agent-store} command. */
@Command(
    name = "agent-store",
    mixinStandardHelpOptions = true,
    version = "agent-store 0.1.0-SNAPSHOT",
    description = "Inspect and exercise agent-store stores (SQLite files or PostgreSQL).",
    subcommands = {DemoCommand.class, CommandLine.HelpCommand.class})
public final class Main {
  /** Exit code: a chain is broken or a request was refused. */
  public static final int EXIT_BROKEN = 1;

  /** Exit code: the command line was wrong. */
  public static final int EXIT_USAGE = 2;

  /** Exit code: the store could not be opened or an operation failed. */
  public static final int EXIT_STORE = 3;

  @Option(
      names = "--verbose",
      scope = CommandLine.ScopeType.INHERIT,
      description = "Print stack traces with errors.")
  boolean verbose;

  public static void main(String[] args) {
    System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  /** Runs the command with the given output streams and returns its exit code. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    Main main = new Main();
    CommandLine commandLine = new CommandLine(main);
    commandLine.setOut(out);
    commandLine.setErr(err);
    commandLine.setExitCodeExceptionMapper(
        e -> e instanceof StoreException ? EXIT_STORE : EXIT_BROKEN);
    commandLine.setExecutionExceptionHandler(
        (e, cmd, parseResult) -> {
          cmd.getErr().println("agent-store: " + e.getMessage());
          if (main.verbose) {
            e.printStackTrace(cmd.getErr());
          }
          return cmd.getExitCodeExceptionMapper().getExitCode(e);
        });
    commandLine.setParameterExceptionHandler(
        (e, argv) -> {
          e.getCommandLine().getErr().println("agent-store: " + e.getMessage());
          e.getCommandLine().getErr().println("Try 'agent-store --help'.");
          return EXIT_USAGE;
        });
    if (args.length == 0) {
      commandLine.usage(out);
      return EXIT_USAGE;
    }
    return commandLine.execute(args);
  }
}
