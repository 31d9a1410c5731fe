package dev.agentstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code append --create} on a full disk says the disk is full and leaves no empty file behind. The
 * command runs in a child JVM inside a private mount namespace on a small, filled tmpfs (root and
 * {@code unshare} needed; skipped with the reason otherwise, since nothing else can mount).
 */
class FullDiskTest {
  @TempDir Path dir;

  @Test
  void appendCreateOnAFullDiskSaysSoAndLeavesNoEmptyFile() throws Exception {
    assumeTrue(canMount(), "needs root and unshare(1) to mount a private file system");
    Path small = Files.createDirectory(dir.resolve("small"));
    Path store = small.resolve("new.db");
    Path nativeDir = Path.of(System.getProperty("org.sqlite.tmpdir", "target/sqlite-native"));
    Files.createDirectories(nativeDir);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // The java command line comes in as "$@"; the listing after it is taken inside the namespace,
    // where the tmpfs is visible.
    String script =
        "mount -t tmpfs -o size=256k tmpfs "
            + small
            + " && { dd if=/dev/zero of="
            + small
            + "/ballast bs=4k 2>/dev/null; true; } && \"$@\" >"
            + dir.resolve("out")
            + " 2>"
            + dir.resolve("err")
            + "; echo \"exit $?\"; ls -A "
            + small;
    Path log = dir.resolve("child.log");
    Process child =
        new ProcessBuilder(
                List.of(
                    "unshare",
                    "-m",
                    "sh",
                    "-c",
                    script,
                    "sh",
                    java,
                    "-Dorg.sqlite.tmpdir=" + nativeDir.toAbsolutePath(),
                    "-cp",
                    System.getProperty("java.class.path"),
                    Main.class.getName(),
                    "append",
                    store.toString(),
                    "--stream",
                    "s",
                    "--writer",
                    "w",
                    "x",
                    "--create",
                    "--json"))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    try {
      assertTrue(child.waitFor(120, TimeUnit.SECONDS), "child still running after 120 s");
    } finally {
      child.destroyForcibly();
    }
    String message =
        "cannot open SQLite store " + store + ": the disk holding " + store + " is full";
    assertEquals(List.of("exit 3", "ballast"), Files.readAllLines(log, StandardCharsets.UTF_8));
    assertEquals(
        "{\"error\":{\"kind\":\"StoreOpenException\",\"message\":\""
            + message
            + "\",\"exit\":3}}\n",
        Files.readString(dir.resolve("out"), StandardCharsets.UTF_8));
    assertEquals(
        "agent-store: " + message + "\n",
        Files.readString(dir.resolve("err"), StandardCharsets.UTF_8));
  }

  private static boolean canMount() throws Exception {
    Process probe =
        new ProcessBuilder("unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    return probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0;
  }
}
