package dev.agentstore.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.agentstore.AppendConflictException;
import dev.agentstore.ChainBrokenException;
import dev.agentstore.DamagedStoreException;
import dev.agentstore.InvalidInputException;
import dev.agentstore.NonMonotonicGenerationException;
import dev.agentstore.StorePolicy;
import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** Entry point of the {@code agent-store} command. */
@Command(
    name = "agent-store",
    customSynopsis = {"agent-store [OPTIONS] COMMAND [ARGS...]"},
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "Inspect, verify and copy agent-store stores (SQLite files or PostgreSQL).",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success; for verify, every chain is intact",
      "1:a chain is broken or the storage damaged, or a request was refused (gen set"
          + " backwards, append conflict, copy onto a conflicting chain or from a damaged store)",
      "2:the command line is wrong (unknown option, missing argument, unknown stream, ...)",
      "3:the store cannot be opened or used"
    },
    footer = {
      "",
      "A STORE is a SQLite file, a jdbc:postgresql://host:port/database URL, or --policy FILE.",
      "",
      "Examples:",
      "  agent-store demo",
      "  agent-store verify agents.db",
      "  agent-store log agents.db --stream conv:demo --writer alice",
      "  agent-store copy agents.db 'jdbc:postgresql://db/fleet?user=agent'"
    })
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

  /** How long a signal waits for a stopping command to close its store and flush its output. */
  private static final long STOP_GRACE_SECONDS = 10;

  private InputStream in = InputStream.nullInputStream();
  private boolean stderrIsTerminal;
  private boolean stopRequested;
  private @Nullable Runnable stopAction;
  private @Nullable Runnable interruptNotice;

  /** The standard input the commands read (append -). */
  InputStream in() {
    return in;
  }

  /**
   * Whether the process's stderr is a terminal ({@link Terminal}): only when the command runs as
   * its own process ({@link #main}); never for {@link #run}, whose streams are the caller's.
   */
  boolean stderrIsTerminal() {
    return stderrIsTerminal;
  }

  /** The running command's {@code Main}, from any command's spec. */
  static Main of(CommandSpec spec) {
    return (Main) spec.root().userObject();
  }

  /**
   * Registers what to tell the user when SIGINT or SIGTERM interrupts the running command (copy:
   * how to resume). It runs on the signal's thread, before the command is stopped; the JVM's
   * default exit status (130, 143) stays. Closing the returned handle unregisters it.
   */
  Registration whenInterrupted(Runnable notice) {
    synchronized (this) {
      interruptNotice = notice;
    }
    return () -> {
      synchronized (this) {
        if (interruptNotice == notice) {
          interruptNotice = null;
        }
      }
    };
  }

  /** Runs the registered interruption notice, if any ({@link #whenInterrupted}). */
  void noticeInterrupt() {
    Runnable notice;
    synchronized (this) {
      notice = interruptNotice;
      interruptNotice = null;
    }
    if (notice != null) {
      notice.run();
    }
  }

  /** A registration that ends when closed. */
  interface Registration extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Registers how the running command stops when asked to ({@link #requestStop()}); when a stop was
   * already requested, {@code stop} runs at once. Closing the returned handle unregisters it.
   */
  Registration whenStopRequested(Runnable stop) {
    boolean now;
    synchronized (this) {
      stopAction = stop;
      now = stopRequested;
    }
    if (now) {
      stop.run();
    }
    return () -> {
      synchronized (this) {
        if (stopAction == stop) {
          stopAction = null;
        }
      }
    };
  }

  /**
   * Asks the running command to stop, as SIGINT or SIGTERM do: a command that runs until stopped
   * ({@code log --follow}) then finishes with exit code 0. Callable from any thread.
   *
   * @return whether a command had registered how it stops ({@link #whenStopRequested})
   */
  boolean requestStop() {
    Runnable stop;
    synchronized (this) {
      stopRequested = true;
      stop = stopAction;
    }
    if (stop != null) {
      stop.run();
    }
    return stop != null;
  }

  public static void main(String[] args) {
    // Not System.out: a PrintStream swallows write errors, and the commands stop reading a long
    // chain when the reader of their output has gone away (checkError after a closed pipe).
    PrintWriter out =
        new PrintWriter(
            new BufferedWriter(
                new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), UTF_8)));
    PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, UTF_8), true);
    Main main = new Main();
    main.stderrIsTerminal = Terminal.stderrIsTerminal();
    CountDownLatch finished = new CountDownLatch(1);
    AtomicInteger exitCode = new AtomicInteger(EXIT_STORE);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> stopOnSignal(main, finished, exitCode), "agent-store stop"));
    int code = run(main, System.in, out, err, args);
    out.flush();
    err.flush();
    exitCode.set(code);
    finished.countDown();
    System.exit(code);
  }

  /**
   * The shutdown hook: on SIGINT or SIGTERM, a command that runs until it is stopped ({@code log
   * --follow}) is stopped, and once it has closed its store and flushed its output the process ends
   * with the command's own exit code (0) instead of the signal's (130, 143). {@code halt} is the
   * only way to set the status once the JVM has begun shutting down; it is reached only after the
   * command has finished. Any other command keeps the JVM's default behaviour, after printing what
   * it registered to say when interrupted ({@link #whenInterrupted}).
   */
  private static void stopOnSignal(Main main, CountDownLatch finished, AtomicInteger exitCode) {
    if (finished.getCount() == 0) {
      return; // a normal exit
    }
    main.noticeInterrupt();
    if (!main.requestStop()) {
      return; // a command with nothing to stop gracefully
    }
    try {
      if (finished.await(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
        Runtime.getRuntime().halt(exitCode.get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Runs the command with the given output streams and an empty stdin; returns its exit code. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    return run(InputStream.nullInputStream(), out, err, args);
  }

  /** Runs the command with the given streams and returns its exit code. */
  public static int run(InputStream in, PrintWriter out, PrintWriter err, String... args) {
    return run(new Main(), in, out, err, args);
  }

  /**
   * Runs the command as {@code main}, whose {@link #requestStop()} stops it from another thread.
   */
  static int run(Main main, InputStream in, PrintWriter out, PrintWriter err, String... args) {
    main.in = in;
    boolean json = wantsJson(args);
    CommandLine commandLine = commandLine(main, args);
    commandLine.setOut(out);
    commandLine.setErr(err);
    commandLine.setExecutionExceptionHandler(
        (e, cmd, parseResult) -> {
          int code = exitCode(e);
          String hint = code == EXIT_USAGE ? helpHint(cmd) : "";
          cmd.getErr().println("agent-store: " + oneLine(e) + hint);
          if (json) {
            printError(cmd.getOut(), kind(e), oneLine(e), code);
          }
          if (main.verbose) {
            printStackTrace(e, cmd.getErr());
          }
          return code;
        });
    commandLine.setParameterExceptionHandler(
        (e, argv) -> {
          CommandLine cmd = e.getCommandLine();
          String message = Suggestions.message(e);
          cmd.getErr().println("agent-store: " + message + helpHint(cmd));
          if (json) {
            printError(cmd.getOut(), "usage", message, EXIT_USAGE);
          }
          if (main.verbose) {
            printStackTrace(e, cmd.getErr());
          }
          return EXIT_USAGE;
        });
    if (args.length == 0) {
      commandLine.usage(out);
      out.flush();
      return EXIT_USAGE;
    }
    int code = commandLine.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  /** The subcommands, in the order the help lists them. */
  private static final List<Map.Entry<String, Supplier<Object>>> COMMANDS =
      List.of(
          Map.entry("demo", DemoCommand::new),
          Map.entry("verify", VerifyCommand::new),
          Map.entry("streams", StreamsCommand::new),
          Map.entry("heads", HeadsCommand::new),
          Map.entry("log", LogCommand::new),
          Map.entry("index", IndexCommand::new),
          Map.entry("recall", RecallCommand::new),
          Map.entry("gen", GenCommand::new),
          Map.entry("append", AppendCommand::new),
          Map.entry("copy", CopyCommand::new),
          Map.entry("info", InfoCommand::new),
          Map.entry("schema", SchemaCommand::new),
          Map.entry("completion", CompletionCommand::new),
          Map.entry("keygen", KeygenCommand::new),
          Map.entry("checkpoint", CheckpointCommand::new),
          Map.entry("help", CommandLine.HelpCommand::new));

  /**
   * The command line for {@code args}. Building a subcommand's model is most of the command's
   * start-up time (picocli reflects over every option), so only the subcommand being run is
   * registered; all of them are when the help is wanted or the name is unknown.
   */
  static CommandLine commandLine(Main main, String... args) {
    CommandLine commandLine = new CommandLine(main);
    String chosen = null;
    for (String arg : args) {
      if (!arg.startsWith("-")) {
        chosen = arg;
        break;
      }
    }
    boolean known = false;
    for (Map.Entry<String, Supplier<Object>> command : COMMANDS) {
      known |= command.getKey().equals(chosen);
    }
    boolean all = !known || "help".equals(chosen);
    for (Map.Entry<String, Supplier<Object>> command : COMMANDS) {
      if (all || command.getKey().equals(chosen)) {
        commandLine.addSubcommand(command.getKey(), command.getValue().get());
      }
    }
    finish(commandLine);
    return commandLine;
  }

  /** The command line with every subcommand, as the help and the completion script show it. */
  static CommandLine fullCommandLine() {
    return commandLine(new Main(), "help");
  }

  /**
   * What every command shares and picocli does not pass down from the root: the version, for the
   * {@code -V} that comes with each one's standard help options (it printed nothing there), and
   * headings that set the arguments apart from the options a synopsis sums up as {@code [OPTIONS]}.
   */
  private static void finish(CommandLine commandLine) {
    commandLine
        .getCommandSpec()
        .usageMessage()
        .parameterListHeading("Arguments:%n")
        .optionListHeading("Options:%n");
    for (CommandLine sub : commandLine.getSubcommands().values()) {
      if (sub.getCommandSpec().versionProvider() == null) {
        sub.getCommandSpec().versionProvider(new Version());
      }
      finish(sub);
    }
  }

  /** Whether {@code --json} was asked for (before any {@code --}, which ends the options). */
  private static boolean wantsJson(String... args) {
    for (String arg : args) {
      if (arg.equals("--")) {
        return false;
      }
      if (arg.equals("--json")) {
        return true;
      }
    }
    return false;
  }

  /**
   * The error as one JSON object on stdout, for callers that parse {@code --json} output: {@code
   * {"error":{"kind":...,"message":...,"exit":N}}}. The human message still goes to stderr.
   */
  private static void printError(PrintWriter out, String kind, String message, int code) {
    new Json(out)
        .beginObject()
        .name("error")
        .beginObject()
        .field("kind", kind)
        .field("message", message)
        .field("exit", code)
        .endObject()
        .endObject();
    out.flush();
  }

  /**
   * The error's kind for JSON: {@code usage}, {@code refused} or {@code store} for the command's
   * own errors, else the library exception's type ({@code ChainBrokenException}, {@code
   * ReadOnlyStoreException}, ...), and {@code internal} for anything unexpected.
   */
  static String kind(Throwable e) {
    if (e instanceof CliException cli) {
      return switch (cli.exitCode()) {
        case EXIT_USAGE -> "usage";
        case EXIT_BROKEN -> "refused";
        default -> "store";
      };
    }
    if (e instanceof dev.agentstore.StoreException) {
      return e.getClass().getSimpleName();
    }
    return "internal";
  }

  /** What an exception means for the exit code. */
  static int exitCode(Throwable e) {
    if (e instanceof CliException cli) {
      return cli.exitCode();
    }
    if (e instanceof ChainBrokenException
        || e instanceof DamagedStoreException
        || e instanceof NonMonotonicGenerationException
        || e instanceof AppendConflictException
        || e instanceof dev.agentstore.CheckpointRegressionException) {
      return EXIT_BROKEN;
    }
    if (e instanceof InvalidInputException) {
      return EXIT_USAGE;
    }
    return EXIT_STORE;
  }

  /** The stack trace, with any password in a URL masked like the message. */
  private static void printStackTrace(Throwable e, PrintWriter err) {
    StringWriter trace = new StringWriter();
    e.printStackTrace(new PrintWriter(trace));
    err.print(StorePolicy.redact(trace.toString()));
    err.flush();
  }

  private static String helpHint(CommandLine cmd) {
    return " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')";
  }

  /** The exception's message on one line, with any password in a URL masked. */
  static String oneLine(Throwable e) {
    String message = e.getMessage();
    if (message == null || message.isBlank()) {
      message = e.getClass().getSimpleName();
    } else if (!(e instanceof dev.agentstore.StoreException
        || e instanceof CliException
        || e instanceof CommandLine.ParameterException)) {
      message = "unexpected " + e.getClass().getSimpleName() + ": " + message;
    }
    return StorePolicy.redact(message.strip().replaceAll("\\s*\\R\\s*", " "));
  }
}
