package dev.agentstore.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * What a newcomer meets first: {@code -V} on every command, suggestions for typos, synopses that
 * read the way the command is typed, {@code --create} the same everywhere, a shell completion
 * script, and a policy mistake reported as a usage error.
 */
class CommandLineConventionsTest {
  /** Every command, as typed; each has the standard help options. */
  private static final List<String> COMMANDS =
      List.of(
          "demo",
          "verify",
          "streams",
          "heads",
          "log",
          "gen",
          "gen bump",
          "gen set",
          "append",
          "copy",
          "info",
          "schema",
          "completion");

  @TempDir Path dir;

  /** The version in this module's POM (its parent's), read independently of the command. */
  static String projectVersion() throws IOException {
    String pom = Files.readString(Path.of("pom.xml"), UTF_8);
    Matcher parent =
        Pattern.compile("<parent>.*?<version>([^<]+)</version>", Pattern.DOTALL).matcher(pom);
    assertTrue(parent.find(), "no parent version in pom.xml");
    return parent.group(1).trim();
  }

  @Test
  void everyCommandPrintsTheProjectVersionWithV() throws IOException {
    String expected = "agent-store " + projectVersion() + "\n";
    assertEquals(expected, Cli.run("-V").expect(0).out());
    assertEquals(expected, Cli.run("--version").expect(0).out());
    for (String command : COMMANDS) {
      for (String flag : List.of("-V", "--version")) {
        List<String> args = new ArrayList<>(List.of(command.split(" ")));
        args.add(flag);
        Cli.Result run = Cli.run(args.toArray(String[]::new)).expect(0);
        assertEquals(expected, run.out(), command + " " + flag);
        assertEquals("", run.err(), command + " " + flag);
      }
    }
    assertEquals(projectVersion(), Version.current());
  }

  @Test
  void aMistypedCommandOrOptionGetsASuggestionAndExitCode2() {
    Cli.Result command = Cli.run("verfy", "agents.db").expect(Main.EXIT_USAGE);
    assertEquals(
        "agent-store: unknown command 'verfy'; did you mean verify? (see 'agent-store --help')\n",
        command.err());
    assertEquals("", command.out());

    Cli.Result option = Cli.run("verify", "agents.db", "--strem", "x").expect(Main.EXIT_USAGE);
    assertEquals(
        "agent-store: unknown option '--strem'; did you mean --stream?"
            + " (see 'agent-store verify --help')\n",
        option.err());

    Cli.Result withValue =
        Cli.run("log", "a.db", "--stream", "s", "--wrtier=alice").expect(Main.EXIT_USAGE);
    assertTrue(withValue.err().contains("'--wrtier'; did you mean --writer?"), withValue.err());
    Cli.Result nested = Cli.run("gen", "bump", "a.db", "k", "--crate").expect(Main.EXIT_USAGE);
    assertTrue(nested.err().contains("did you mean --create?"), nested.err());
    Cli.Result copy = Cli.run("copy", "--from-polcy", "p.toml", "b.db").expect(Main.EXIT_USAGE);
    assertTrue(copy.err().contains("did you mean --from-policy?"), copy.err());
    Cli.Result abbreviated = Cli.run("inf", "a.db").expect(Main.EXIT_USAGE);
    assertTrue(abbreviated.err().contains("did you mean info?"), abbreviated.err());

    Cli.Result unrelated = Cli.run("frobnicate").expect(Main.EXIT_USAGE);
    assertEquals(
        "agent-store: unknown command 'frobnicate' (see 'agent-store --help')\n", unrelated.err());
    Cli.Result json = Cli.run("verify", "a.db", "--jsn", "--json").expect(Main.EXIT_USAGE);
    assertEquals(
        "unknown option '--jsn'; did you mean --json?",
        json.json().get("error").get("message").asText());
  }

  @Test
  void synopsesReadTheWayTheCommandIsTyped() {
    String bump = Cli.run("gen", "bump", "--help").expect(0).out();
    assertTrue(
        bump.contains("Usage: agent-store gen bump [OPTIONS] (STORE | --policy FILE) KEY\n"), bump);
    String gen = Cli.run("gen", "--help").expect(0).out();
    assertTrue(
        gen.contains(
            "Usage: agent-store gen [OPTIONS] (STORE | --policy FILE) [KEY]\n"
                + "       agent-store gen bump [OPTIONS] (STORE | --policy FILE) KEY\n"
                + "       agent-store gen set [OPTIONS] (STORE | --policy FILE) KEY VALUE\n"),
        gen);
    String copy = Cli.run("copy", "--help").expect(0).out();
    assertTrue(copy.contains("Usage: agent-store copy [OPTIONS] SRC DST\n"), copy);
    assertTrue(copy.contains("\n      SRC "), copy);
    assertTrue(copy.contains("\n      DST "), copy);
    for (String command : COMMANDS) {
      List<String> args = new ArrayList<>(List.of(command.split(" ")));
      args.add("--help");
      String help = Cli.run(args.toArray(String[]::new)).expect(0).out();
      assertTrue(
          help.contains("Usage: agent-store " + command + " [OPTIONS] "),
          command + ": every synopsis sums up the options alike:\n" + help);
      for (String odd : List.of("[COMMAND]", "[STORE]", "[STORE...]", "[SRC]", "[DST]")) {
        assertFalse(help.contains(odd), command + " shows " + odd + ":\n" + help);
      }
      for (String line : help.lines().toList()) {
        assertTrue(line.length() <= 80, command + ": a line over 80 columns: " + line);
      }
    }
  }

  @Test
  void createReadsTheSameInEveryWritingCommand() {
    CommandLine root = Main.fullCommandLine();
    List<CommandLine> writers =
        List.of(
            root.getSubcommands().get("append"),
            root.getSubcommands().get("gen").getSubcommands().get("bump"),
            root.getSubcommands().get("gen").getSubcommands().get("set"),
            root.getSubcommands().get("copy"));
    String expected = "Make the store written to when it is not one yet";
    for (CommandLine writer : writers) {
      OptionSpec create = writer.getCommandSpec().findOption("--create");
      assertTrue(
          String.join(" ", create.description()).startsWith(expected), writer.getCommandName());
      assertTrue(
          writer.getCommandSpec().mixins().values().stream()
              .anyMatch(m -> m.userObject() instanceof CreateOption),
          writer.getCommandName() + " takes --create from the mixin");
    }
  }

  @Test
  void theBashCompletionScriptIsValidBashAndNamesEveryCommand() throws Exception {
    for (String shell : List.of("bash", "zsh")) {
      Cli.Result run = Cli.run("completion", shell).expect(0);
      Path script = Files.writeString(dir.resolve("agent-store." + shell), run.out(), UTF_8);
      Process check =
          new ProcessBuilder("bash", "-n", script.toString()).redirectErrorStream(true).start();
      String said = new String(check.getInputStream().readAllBytes(), UTF_8);
      assertTrue(check.waitFor(Cli.WAIT_SECONDS, TimeUnit.SECONDS), "bash -n finished");
      assertEquals(0, check.exitValue(), "bash -n on the " + shell + " script: " + said);
      assertTrue(run.out().contains("complete -F _complete_agent-store"), run.out());
      for (String command : List.of("verify", "copy", "gen", "completion")) {
        assertTrue(run.out().contains(command), shell + " script names " + command);
      }
      assertTrue(run.out().contains("--stream"), "options are completed too");
    }
    Path bash = dir.resolve("agent-store.bash");
    assertEquals("verify", complete(bash, "agent-store", "ver"));
    assertEquals("--stream", complete(bash, "agent-store", "verify", "--str"));
    assertEquals("bump", complete(bash, "agent-store", "gen", "b"));
    assertEquals("auto always never", complete(bash, "agent-store", "copy", "--progress", ""));
    assertTrue(Cli.run("completion", "zsh").out().contains("bashcompinit"));
    Cli.Result fish = Cli.run("completion", "fish").expect(Main.EXIT_USAGE);
    assertTrue(fish.err().contains("fish"), fish.err());
  }

  /** What bash completes for {@code words} (the last one being typed) with {@code script}. */
  private static String complete(Path script, String... words) throws Exception {
    StringBuilder array = new StringBuilder();
    for (String word : words) {
      array.append(" '").append(word).append('\'');
    }
    String line = String.join(" ", words);
    Process bash =
        new ProcessBuilder(
                "bash",
                "-c",
                "source \"$0\"; COMP_WORDS=("
                    + array
                    + "); COMP_CWORD="
                    + (words.length - 1)
                    + "; COMP_LINE='"
                    + line
                    + "'; COMP_POINT=${#COMP_LINE}; _complete_agent-store;"
                    + " echo \"${COMPREPLY[*]}\"",
                script.toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD) // compopt outside a real completion
            .start();
    String out = new String(bash.getInputStream().readAllBytes(), UTF_8);
    assertTrue(bash.waitFor(Cli.WAIT_SECONDS, TimeUnit.SECONDS), "bash finished");
    return out.strip();
  }

  @Test
  void aBadPolicyKeyIsAUsageErrorNamingTheKeyAndTheFile() throws IOException {
    Path policy =
        Files.writeString(
            dir.resolve("agent.toml"), "[store]\npath = \"a.db\"\nbusy_timout_ms = 5000\n", UTF_8);
    Cli.Result run = Cli.run("verify", "--policy", policy.toString()).expect(Main.EXIT_USAGE);
    assertTrue(run.err().contains("\"busy_timout_ms\""), run.err());
    assertTrue(run.err().contains(policy.toString()), run.err());
    assertEquals(1, run.err().lines().count(), run.err());
    Cli.Result json =
        Cli.run("heads", "--policy", policy.toString(), "--json").expect(Main.EXIT_USAGE);
    assertEquals("usage", json.json().get("error").get("kind").asText());
    Cli.run("copy", "--from-policy", policy.toString(), dir.resolve("b.db").toString())
        .expect(Main.EXIT_USAGE);
    // A policy that cannot be read at all is still a store that cannot be opened.
    Cli.run("verify", "--policy", dir.resolve("missing.toml").toString()).expect(Main.EXIT_STORE);
  }
}
