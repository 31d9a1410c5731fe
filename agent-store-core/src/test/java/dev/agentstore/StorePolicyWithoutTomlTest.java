package dev.agentstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TOML library is an optional dependency: without it, reading a policy says which Maven
 * artifact to add instead of failing with a {@code NoClassDefFoundError}, and policies built in
 * code still work. Checked in a child JVM whose class path lacks night-config.
 */
class StorePolicyWithoutTomlTest {
  @TempDir Path dir;

  @Test
  void readingTomlWithoutNightConfigNamesTheArtifactToAdd() throws Exception {
    Path policy = Files.writeString(dir.resolve("policy.toml"), "backend = \"sqlite\"\n");
    String classPath =
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(entry -> !entry.contains("night-config"))
            .collect(Collectors.joining(File.pathSeparator));
    assertFalse(classPath.contains("nightconfig"), classPath);
    Path nativeDir = Path.of(System.getProperty("org.sqlite.tmpdir", "target/sqlite-native"));
    Files.createDirectories(nativeDir);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx128m");
    command.add("-Dorg.sqlite.tmpdir=" + nativeDir.toAbsolutePath());
    command.add("-cp");
    command.add(classPath);
    command.add(WithoutToml.class.getName());
    command.add(policy.toString());
    Path log = dir.resolve("child.log");
    Process child =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    try {
      assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child still running after 60 s");
    } finally {
      child.destroyForcibly();
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertEquals(0, child.exitValue(), output);
    assertEquals(
        List.of(
            "parse StoreException: cannot read the store policy in policy text: reading TOML needs"
                + " the Maven artifact com.electronwill.night-config:toml on the class path, and"
                + " it is missing",
            "read StoreException: cannot read the store policy in "
                + policy
                + ": reading TOML needs the Maven artifact com.electronwill.night-config:toml on"
                + " the class path, and it is missing",
            "in code sqlite"),
        output.lines().toList());
  }

  /** The child: each way of reading TOML, then a policy built in code. */
  public static final class WithoutToml {
    private WithoutToml() {}

    public static void main(String[] args) {
      try {
        StorePolicy.parse("backend = \"sqlite\"");
        System.out.println("parse succeeded");
      } catch (StoreException e) {
        System.out.println("parse " + e.getClass().getSimpleName() + ": " + e.getMessage());
      }
      try {
        StorePolicy.read(Path.of(args[0]));
        System.out.println("read succeeded");
      } catch (StoreException e) {
        System.out.println("read " + e.getClass().getSimpleName() + ": " + e.getMessage());
      }
      System.out.println("in code " + StorePolicy.sqlite(Path.of("x.db")).backend());
    }
  }
}
