package dev.agentstore.torture;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Signals for child processes, and their end, by {@link ProcessHandle}: a signal is sent to the
 * exact pid and its delivery checked, and a process is ended together with every process it started
 * (a launcher's JVM, a shell pipeline's members), waiting for each one's exit instead of sleeping.
 */
public final class ProcessTrees {
  private ProcessTrees() {}

  /**
   * Sends {@code signal} ({@code "TERM"}, {@code "INT"}, ...) to {@code process} alone. SIGTERM
   * goes through {@link ProcessHandle#destroy()}; the others through {@code kill -s}, whose own
   * exit is awaited and checked, so that the signal has been delivered when this returns.
   */
  public static void signal(ProcessHandle process, String signal)
      throws IOException, InterruptedException {
    if (!process.isAlive()) {
      throw new AssertionError("process " + process.pid() + " ended before SIG" + signal);
    }
    if (signal.equals("TERM")) {
      if (!process.destroy()) {
        throw new AssertionError("SIGTERM to process " + process.pid() + " was not sent");
      }
      return;
    }
    Process kill =
        new ProcessBuilder("kill", "-s", signal, Long.toString(process.pid()))
            .redirectErrorStream(true)
            .start();
    if (!kill.waitFor(60, TimeUnit.SECONDS)) {
      kill.destroyForcibly();
      throw new AssertionError("kill -s " + signal + " " + process.pid() + " hung for 60 s");
    }
    String output = new String(kill.getInputStream().readAllBytes());
    if (kill.exitValue() != 0) {
      throw new AssertionError(
          "kill -s "
              + signal
              + " "
              + process.pid()
              + " failed ("
              + kill.exitValue()
              + "): "
              + output);
    }
  }

  /**
   * Waits, at most {@code seconds}, for {@code process} to exit; true when it did. Event-driven
   * ({@link ProcessHandle#onExit()}).
   */
  public static boolean awaitExit(ProcessHandle process, long seconds) throws InterruptedException {
    try {
      process.onExit().get(seconds, TimeUnit.SECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new AssertionError("waiting for process " + process.pid() + " failed", e);
    }
  }

  /**
   * Ends {@code process} and every process it started with SIGKILL, and waits (at most {@code
   * seconds} each) until all are gone. The descendants are listed first: once their parent is gone
   * they are reparented and no longer found under it. Safe on a process that already exited.
   */
  public static void destroyTree(ProcessHandle process, long seconds) throws InterruptedException {
    List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
    all.add(0, process);
    for (ProcessHandle each : all) {
      each.destroyForcibly();
    }
    List<Long> survivors = new ArrayList<>();
    for (ProcessHandle each : all) {
      if (!awaitExit(each, seconds)) {
        survivors.add(each.pid());
      }
    }
    if (!survivors.isEmpty()) {
      throw new AssertionError(
          "processes " + survivors + " survived SIGKILL for " + seconds + " s");
    }
  }
}
