package dev.agentstore.torture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Child JVMs inside a private mount namespace, for tests that need a hostile file system. */
public final class TestProcesses {
  private TestProcesses() {}

  /** Whether this process may create a mount namespace and mount in it (root with unshare). */
  public static boolean canUseMountNamespaces() {
    try {
      Process probe =
          new ProcessBuilder("unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Runs {@code main} in a child JVM in a new mount namespace after the shell command {@code setup}
   * (mounts there are invisible outside the child), and returns the {@code key value} lines it
   * printed.
   */
  public static Map<String, String> inMountNamespace(String setup, Class<?> main, String... args)
      throws IOException, InterruptedException {
    Path log = Files.createTempFile("agent-store-namespace", ".log");
    try {
      List<String> wrapper = List.of("unshare", "-m", "sh", "-c", setup + " && exec \"$@\"", "sh");
      try (ChildJvm child = ChildJvm.start(wrapper, main, log, args)) {
        int code = child.await(120);
        if (code != 0) {
          throw new AssertionError("child exited with " + code + ":\n" + child.output());
        }
        Map<String, String> facts = new LinkedHashMap<>();
        for (String line : child.output().lines().toList()) {
          int space = line.indexOf(' ');
          facts.put(
              space < 0 ? line : line.substring(0, space),
              space < 0 ? "" : line.substring(space + 1));
        }
        return facts;
      }
    } finally {
      Files.deleteIfExists(log);
    }
  }
}
