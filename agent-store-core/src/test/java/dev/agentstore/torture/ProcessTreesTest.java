package dev.agentstore.torture;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Ending a child process ends what it started too; a signal reaches exactly the process named. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProcessTreesTest {

  @Test
  void destroyingAShellAlsoEndsTheProcessItStarted() throws Exception {
    // The shell prints its child's pid once the child runs: no guess at when that is.
    Process shell = new ProcessBuilder("bash", "-c", "sleep 600 & echo $!; wait").start();
    ProcessHandle child = null;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(shell.getInputStream(), UTF_8))) {
      child = ProcessHandle.of(Long.parseLong(out.readLine().trim())).orElseThrow();
      assertTrue(child.isAlive());
      ProcessTrees.destroyTree(shell.toHandle(), 60);
      assertFalse(shell.isAlive(), "the shell");
      assertTrue(ProcessTrees.awaitExit(child, 60), "the shell's child ended with it");
    } finally {
      shell.destroyForcibly();
      if (child != null) {
        child.destroyForcibly();
      }
    }
  }

  @Test
  void aSignalIsDeliveredBeforeSignalReturns() throws Exception {
    // On SIGUSR1 the shell's trap ends its child and exits with 138; its wait is interrupted at
    // once. Not SIGINT: a shell started in the background without job control, as a CI runner
    // may start the build, passes SIGINT on ignored, and an ignored signal cannot be trapped.
    Process shell =
        new ProcessBuilder(
                "bash",
                "-c",
                "trap 'kill $child; exit 138' USR1; sleep 600 & child=$!; echo ready; wait")
            .start();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(shell.getInputStream(), UTF_8))) {
      assertEquals("ready", out.readLine());
      ProcessTrees.signal(shell.toHandle(), "USR1");
      assertTrue(shell.waitFor(60, TimeUnit.SECONDS), "the shell ended on SIGUSR1");
      assertEquals(138, shell.exitValue());
    } finally {
      ProcessTrees.destroyTree(shell.toHandle(), 60);
    }
  }
}
