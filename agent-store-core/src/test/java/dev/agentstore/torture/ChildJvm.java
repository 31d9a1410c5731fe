package dev.agentstore.torture;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real child JVM running a main class from the test class path; killed if still alive. */
public final class ChildJvm implements AutoCloseable {
  private final Process process;
  private final Path log;

  private ChildJvm(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** Starts {@code main} with {@code args}; its stdout and stderr go to {@code log}. */
  public static ChildJvm start(Class<?> main, Path log, String... args) throws IOException {
    return start(List.of(), main, log, args);
  }

  /**
   * Starts {@code main} behind {@code wrapper} (for example {@code unshare -m sh -c '... && exec
   * "$@"' sh}), which receives the java command line as its trailing arguments.
   */
  public static ChildJvm start(List<String> wrapper, Class<?> main, Path log, String... args)
      throws IOException {
    return start(wrapper, List.of(), main, log, args);
  }

  /**
   * Starts {@code main} with {@code jvmOptions} after the defaults, so that they override them (for
   * example {@code -Xmx512m} for a test of the heap a call needs).
   */
  public static ChildJvm startWithOptions(
      List<String> jvmOptions, Class<?> main, Path log, String... args) throws IOException {
    return start(List.of(), jvmOptions, main, log, args);
  }

  private static ChildJvm start(
      List<String> wrapper, List<String> jvmOptions, Class<?> main, Path log, String... args)
      throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(wrapper);
    command.add(java);
    command.add("-Xmx256m");
    command.add("-XX:TieredStopAtLevel=1");
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(List.of(args));
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    return new ChildJvm(process, log);
  }

  /**
   * Waits, at most {@code seconds}, until the child has printed {@code line} (it polls the child's
   * log, returning early if the child exits).
   */
  public void awaitLine(String line, long seconds) throws InterruptedException, IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!output().lines().anyMatch(line::equals)) {
      if (System.nanoTime() > deadline || process.waitFor(5, TimeUnit.MILLISECONDS)) {
        throw new AssertionError("child never printed \"" + line + "\"; log:\n" + output());
      }
    }
  }

  Process process() {
    return process;
  }

  /** Waits at most {@code seconds} for a normal exit and returns the exit code. */
  public int await(long seconds) throws InterruptedException, IOException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("child did not finish within " + seconds + " s; log:\n" + output());
    }
    return process.exitValue();
  }

  /** SIGKILL, as a crash would; waits for the process to be gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("child survived SIGKILL for 30 s");
    }
  }

  public String output() throws IOException {
    return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
