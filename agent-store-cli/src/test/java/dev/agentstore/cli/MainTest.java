package dev.agentstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Conventions every command shares: help, exit codes, one-line errors, no passwords. */
class MainTest {
  @TempDir Path dir;

  @Test
  void everyCommandHasHelpWithExamples() {
    CommandLine root = Main.commandLine(new Main());
    List<String> commands =
        List.of(
            "demo",
            "verify",
            "streams",
            "heads",
            "log",
            "index",
            "recall",
            "gen",
            "gen bump",
            "gen set",
            "append",
            "copy",
            "info",
            "schema",
            "completion",
            "keygen",
            "checkpoint");
    assertEquals(
        List.of(
            "demo",
            "verify",
            "streams",
            "heads",
            "log",
            "index",
            "recall",
            "gen",
            "append",
            "copy",
            "info",
            "schema",
            "completion",
            "keygen",
            "checkpoint",
            "help"),
        List.copyOf(root.getSubcommands().keySet()));
    for (String command : commands) {
      String[] args = (command + " --help").split(" ");
      Cli.Result run = Cli.run(args).expect(0);
      assertTrue(run.out().contains("Examples:"), command + ":\n" + run.out());
      assertTrue(run.out().contains("Usage: agent-store " + command), command + ":\n" + run.out());
    }
    Cli.Result top = Cli.run("--help").expect(0);
    assertTrue(top.out().contains("Exit codes:"), top.out());
    assertTrue(top.out().contains("Commands:"), top.out());
    assertTrue(
        top.out().contains("  copy        Copies chains and generations to another store"),
        top.out());
    assertEquals(
        List.of("verify"),
        List.copyOf(
            Main.commandLine(new Main(), "--verbose", "verify", "x.db").getSubcommands().keySet()),
        "only the subcommand being run is built");
    Cli.Result help = Cli.run("help", "copy").expect(0);
    assertTrue(help.out().contains("Usage: agent-store copy"), help.out());
  }

  @Test
  void withJsonEveryErrorIsAlsoAJsonObjectOnStdout() throws Exception {
    Path missing = dir.resolve("missing.db");
    String opened =
        "cannot open SQLite store " + missing.toAbsolutePath() + ": the file does not exist";
    Cli.Result store = Cli.run("heads", missing.toString(), "--json").expect(3);
    assertEquals("agent-store: " + opened + "\n", store.err());
    assertEquals(
        "{\"error\":{\"kind\":\"store\",\"message\":\"" + opened + "\",\"exit\":3}}\n",
        store.out());

    Cli.Result usage = Cli.run("heads", missing.toString(), "--json", "--bogus").expect(2);
    assertEquals("usage", usage.json().get("error").get("kind").asText());
    assertEquals(2, usage.json().get("error").get("exit").asInt());
    assertEquals("unknown option '--bogus'", usage.json().get("error").get("message").asText());

    Path text = java.nio.file.Files.writeString(dir.resolve("notes.txt"), "not a database at all");
    Cli.Result foreign = Cli.run("verify", text.toString(), "--json").expect(3);
    assertEquals("StoreOpenException", foreign.json().get("error").get("kind").asText());
    assertEquals(
        "cannot open SQLite store " + text.toAbsolutePath() + ": the file is not a SQLite database",
        foreign.json().get("error").get("message").asText());

    Cli.Result plain = Cli.run("heads", missing.toString()).expect(3);
    assertEquals("", plain.out(), "without --json nothing goes to stdout");
  }

  @Test
  void aMalformedUrlIsAUsageErrorThatNeverShowsThePassword() {
    Cli.Result run =
        Cli.run("verify", "jdbc:postgresql://db:port/fleet?user=a&password=s3cret")
            .expect(Main.EXIT_USAGE);
    assertEquals(1, run.err().lines().count(), run.err());
    assertTrue(run.err().contains("malformed PostgreSQL URL"), run.err());
    assertFalse(run.err().contains("s3cret"), run.err());

    Cli.Result other =
        Cli.run("heads", "postgresql://agent:s3cret@db/fleet").expect(Main.EXIT_USAGE);
    assertTrue(other.err().contains("looks like a URL"), other.err());
    assertFalse(other.err().contains("s3cret"), other.err());
    Cli.run("streams", "jdbc:sqlite:agents.db").expect(Main.EXIT_USAGE);
  }

  @Test
  void anUnreachableServerIsExitThreeWithoutThePassword() {
    Cli.Result run =
        Cli.run(
                "verify",
                "jdbc:postgresql://127.0.0.1:1/fleet?user=agent&password=s3cret",
                "--connect-timeout",
                "1")
            .expect(Main.EXIT_STORE);
    assertEquals(1, run.err().lines().count(), run.err());
    assertTrue(
        run.err().startsWith("agent-store: cannot open PostgreSQL store 127.0.0.1:1/fleet"),
        run.err());
    assertFalse(run.err().contains("s3cret"), run.err());
    Cli.Result verbose =
        Cli.run(
                "verify",
                "jdbc:postgresql://127.0.0.1:1/fleet?user=agent&password=s3cret",
                "--connect-timeout",
                "1",
                "--verbose")
            .expect(Main.EXIT_STORE);
    assertTrue(verbose.err().contains("\tat "), verbose.err());
    assertFalse(verbose.err().contains("s3cret"), verbose.err());
  }

  @Test
  void aRefusedLoginFailsAtOnceWithoutThePassword() {
    TestStores.assumePostgres();
    String url =
        TestStores.PG_URL.replaceFirst("/test\\b", "/no_such_database_here") + "&password=s3cret";
    Cli.Result run = Cli.run("verify", url).expect(Main.EXIT_STORE);
    assertTrue(run.err().contains("no such database"), run.err());
    assertFalse(run.err().contains("s3cret"), run.err());
  }

  @Test
  void errorsAreOneLineUnlessVerbose() {
    Path missing = dir.resolve("missing.db");
    Cli.Result quiet = Cli.run("heads", missing.toString()).expect(Main.EXIT_STORE);
    assertEquals(1, quiet.err().lines().count(), quiet.err());
    Cli.Result verbose = Cli.run("heads", missing.toString(), "--verbose").expect(Main.EXIT_STORE);
    assertTrue(verbose.err().lines().count() > 3, verbose.err());
    assertTrue(verbose.err().contains("\tat dev.agentstore.cli."), verbose.err());
  }

  @Test
  void unknownOptionsAndCommandsAreUsageErrors() {
    Cli.Result unknown = Cli.run("verify", "--frobnicate").expect(Main.EXIT_USAGE);
    assertEquals(1, unknown.err().lines().count(), unknown.err());
    assertTrue(unknown.err().contains("(see 'agent-store verify --help')"), unknown.err());
    Cli.run("frobnicate").expect(Main.EXIT_USAGE);
    Cli.run().expect(Main.EXIT_USAGE);
  }
}
