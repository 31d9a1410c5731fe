package dev.agentstore.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.torture.ProcessTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The progress line is drawn when the process's stderr is a terminal, whatever stdin and stdout
 * are: the command runs as a process of its own, on a pseudo-terminal made by {@code script}
 * (util-linux) where the test needs one. The progress delay is 0 here ({@link ChildCommand}), so
 * every run that should draw a line does.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ProgressProcessTest {
  private static final String ESC = "\u001b";

  @TempDir Path dir;
  private Path store;

  @BeforeEach
  void sample() {
    store = TestStores.sample(dir.resolve("a.db"));
  }

  @Test
  void stderrInAFileGetsNoProgressUnlessAlwaysIsAsked() throws Exception {
    Path err = dir.resolve("err.txt");
    assertEquals(0, run(err, "verify", store.toString()));
    assertEquals("", Files.readString(err, UTF_8), "nothing on stderr");

    assertEquals(0, run(err, "verify", store.toString(), "--progress=always"));
    String always = Files.readString(err, UTF_8);
    assertTrue(always.contains("\rverifying: "), always);
    assertTrue(always.endsWith("\r" + ESC + "[K"), "the line is cleared at the end: " + always);
  }

  @Test
  void onATerminalStderrInAFileGetsNoProgress() throws Exception {
    // stdin and stdout on a terminal, as `agent-store verify a.db 2>err.txt` typed in a shell:
    // System.console() is not null, and yet nothing may be drawn into the file.
    Path err = dir.resolve("err.txt");
    String shown =
        onTerminal(
            ChildCommand.shellLine(ChildCommand.command("verify", store.toString()))
                + " 2>"
                + quoted(err));
    assertTrue(shown.contains("3 chains, 12 entries: 3 intact, 0 broken."), shown);
    String written = Files.readString(err, UTF_8);
    assertFalse(
        written.contains("\r") || written.contains(ESC), "progress in the file: " + written);
    assertEquals("", written);
  }

  @Test
  void onATerminalStdoutPipedStillShowsProgressOnStderr() throws Exception {
    // `agent-store verify a.db | cat`: stdout is a pipe, stderr the terminal.
    String verify = ChildCommand.shellLine(ChildCommand.command("verify", store.toString()));
    String shown = onTerminal(verify + " | cat");
    assertTrue(shown.contains("\rverifying: "), shown);
    assertTrue(shown.contains("3 chains, 12 entries: 3 intact, 0 broken."), shown);

    for (String off : List.of("--quiet", "-q", "--progress=never")) {
      String quiet =
          onTerminal(
              ChildCommand.shellLine(ChildCommand.command("verify", store.toString(), off))
                  + " | cat");
      assertFalse(quiet.contains("verifying:"), off + ": " + quiet);
      assertTrue(quiet.contains("3 chains, 12 entries: 3 intact, 0 broken."), quiet);
    }
  }

  // ---------------------------------------------------------------- helpers

  /** Runs the command with stdout discarded and stderr into {@code err}; its exit code. */
  private static int run(Path err, String... args) throws Exception {
    Process process =
        new ProcessBuilder(ChildCommand.command(args))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(err.toFile())
            .start();
    try {
      assertTrue(process.waitFor(Cli.WAIT_SECONDS, TimeUnit.SECONDS), "the command finished");
      return process.exitValue();
    } finally {
      ProcessTrees.destroyTree(process.toHandle(), Cli.WAIT_SECONDS);
    }
  }

  /**
   * Runs {@code shellLine} with sh on a new pseudo-terminal (stdin, stdout and stderr on it unless
   * the line redirects them) and returns what the terminal showed.
   */
  private String onTerminal(String shellLine) throws IOException, InterruptedException {
    Assumptions.assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/script"))
            || Files.isExecutable(Path.of("/bin/script")),
        "script (util-linux) makes the pseudo-terminal");
    List<String> command =
        new ArrayList<>(List.of("script", "-q", "-e", "-f", "-c", shellLine, "/dev/null"));
    Path shown = dir.resolve("terminal.txt");
    Process process =
        new ProcessBuilder(command)
            .redirectOutput(shown.toFile())
            .redirectErrorStream(true)
            .start();
    process.getOutputStream().close();
    try {
      assertTrue(process.waitFor(Cli.WAIT_SECONDS, TimeUnit.SECONDS), "script finished");
      String text = Files.readString(shown, UTF_8);
      assertEquals(0, process.exitValue(), () -> "exit code; the terminal showed:\n" + text);
      return text;
    } finally {
      ProcessTrees.destroyTree(process.toHandle(), Cli.WAIT_SECONDS);
    }
  }

  private static String quoted(Path path) {
    return ChildCommand.shellLine(List.of(path.toString()));
  }
}
