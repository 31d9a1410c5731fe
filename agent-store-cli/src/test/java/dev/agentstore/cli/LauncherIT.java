package dev.agentstore.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import dev.agentstore.torture.ProcessTrees;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real launcher, {@code ./agent-store} at the repository root, as a child process. Runs in
 * the integration-test phase, after the reactor has packaged the command's jar, so the launcher
 * finds it up to date and does not build.
 */
class LauncherIT {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Path LAUNCHER = ROOT.resolve("agent-store");

  @TempDir Path dir;

  private record Run(int exitCode, String out, String err) {}

  @BeforeAll
  static void theJarIsPackaged() {
    assertTrue(Files.isExecutable(LAUNCHER), "no launcher at " + LAUNCHER);
    assertTrue(
        Files.exists(ROOT.resolve("agent-store-cli/target/agent-store.jar")),
        "the jar is packaged before the integration tests run (mvn verify)");
  }

  private Run launch(byte[] stdin, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
    command.addAll(List.of(args));
    Path out = dir.resolve("stdout.txt");
    Path err = dir.resolve("stderr.txt");
    Process process =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    try (var in = process.getOutputStream()) {
      in.write(stdin);
    }
    if (!process.waitFor(180, TimeUnit.SECONDS)) {
      // With whatever it started: a build, the class-data training, the command's JVM.
      ProcessTrees.destroyTree(process.toHandle(), 60);
      throw new AssertionError("the launcher did not finish within 180 s: " + command);
    }
    return new Run(process.exitValue(), Files.readString(out, UTF_8), Files.readString(err, UTF_8));
  }

  private Run launch(String... args) throws IOException, InterruptedException {
    return launch(new byte[0], args);
  }

  @Test
  void helpListsEveryCommand() throws Exception {
    Run run = launch("--help");
    assertEquals(0, run.exitCode(), run.err());
    for (String command :
        List.of(
            "demo",
            "verify",
            "streams",
            "heads",
            "log",
            "gen",
            "append",
            "copy",
            "info",
            "schema",
            "completion")) {
      assertTrue(run.out().contains("\n  " + command + " "), command + " in\n" + run.out());
    }
    assertEquals("", run.err(), "nothing on stderr: no build, no JVM warnings");
  }

  @Test
  void theFirstRunAfterTheBuildTrainsTheClassDataArchive() throws Exception {
    Path target = ROOT.resolve("agent-store-cli/target");
    Path jar = target.resolve("agent-store.jar");
    Path archive = target.resolve("agent-store.jsa");
    assertEquals(0, launch("--help").exitCode());
    assertTrue(Files.exists(archive), "no archive at " + archive);
    assertTrue(
        Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) > 0,
        "the archive is newer than the jar, so the launcher uses it");
    Path failed = target.resolve("agent-store.jsa.failed");
    assertTrue(
        !Files.exists(failed)
            || Files.getLastModifiedTime(failed).compareTo(Files.getLastModifiedTime(jar)) < 0,
        "training failed after this build (" + failed + ")");
  }

  @Test
  void verifyPrintsTheTableAndNoProgressWhenPiped() throws Exception {
    Path store = TestStores.sample(dir.resolve("a.db"));
    Run run = launch("verify", store.toString());
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().contains("3 chains, 12 entries: 3 intact, 0 broken."), run.out());
    assertEquals("", run.err());
  }

  @Test
  void aTamperedStoreExitsOneWithOneLineNamingTheSeq() throws Exception {
    Path store = TestStores.sample(dir.resolve("a.db"));
    TestStores.modify(
        store,
        db ->
            db.exec(
                "UPDATE _agent_store_log SET payload = ? WHERE writer = 'bob' AND seq = 2",
                "edited".getBytes(UTF_8)));
    Run run = launch("verify", store.toString());
    assertEquals(1, run.exitCode(), run.err());
    assertTrue(run.out().contains("BROKEN at seq 2"), run.out());
    assertEquals(
        "agent-store: 1 of 3 chains broken; first: conv:demo/bob at seq 2 (HASH_MISMATCH):"
            + " content_hash does not match BLAKE3(prev_hash || payload)\n",
        run.err());
  }

  @Test
  void appendReadsStandardInputAndJsonIsClean() throws Exception {
    Path store = TestStores.sample(dir.resolve("a.db"));
    byte[] payload = "piped\u0000bytes\n".getBytes(UTF_8);
    Run append =
        launch(
            payload, "append", store.toString(), "--stream", "jobs", "--writer", "worker-1", "-");
    assertEquals(0, append.exitCode(), append.err());
    try (SqliteBackend db = SqliteBackend.open(store)) {
      assertArrayEquals(payload, WriterLog.head(db, "jobs", "worker-1").orElseThrow().payload());
    }
    Run gen = launch("gen", store.toString(), "big", "--json");
    assertEquals("{\"key\":\"big\",\"value\":9007199254740993}\n", gen.out());
    assertEquals("", gen.err());
  }

  @Test
  void aMissingStoreExitsThreeWithOneLine() throws Exception {
    Run run = launch("heads", "missing.db");
    assertEquals(3, run.exitCode());
    assertEquals(1, run.err().lines().count(), run.err());
    assertTrue(run.err().contains("the file does not exist"), run.err());
    assertFalse(Files.exists(dir.resolve("missing.db")));
  }

  @Test
  void aFollowPipedIntoHeadEndsWhenHeadHasItsLine() throws Exception {
    Path store = TestStores.sample(dir.resolve("a.db"));
    Path out = dir.resolve("stdout.txt");
    // With --after at alice's head only the header line comes, and no entry ever follows it.
    Process pipeline =
        new ProcessBuilder(
                "bash",
                "-c",
                "set -o pipefail; \"$0\" log \"$1\" --stream conv:demo --writer alice --after 5"
                    + " --follow | head -n 1",
                LAUNCHER.toString(),
                store.toString())
            .directory(dir.toFile())
            .redirectOutput(out.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    if (!pipeline.waitFor(180, TimeUnit.SECONDS)) {
      // bash with both sides of the pipe: the command's JVM would otherwise outlive the test.
      ProcessTrees.destroyTree(pipeline.toHandle(), 60);
      throw new AssertionError("log --follow | head -n 1 still ran after 180 s");
    }
    assertEquals(0, pipeline.exitValue(), "the pipeline's exit code (pipefail)");
    assertEquals("SEQ  HASH          PAYLOAD\n", Files.readString(out, UTF_8));
  }

  @Test
  void theCommandLoadsSqlitesLibraryFromTheBuildAndCopiesNothingToTmp() throws Exception {
    Assumptions.assumeTrue(
        Files.exists(Path.of("/proc/self/maps")), "needs /proc to see the files a process mapped");
    Path store = TestStores.sample(dir.resolve("a.db"));
    Path err = dir.resolve("stderr.txt");
    // A follow keeps the command running, so that its mapped files can be looked at; the launcher
    // execs java, so the process is the command's JVM.
    Process process =
        new ProcessBuilder(
                LAUNCHER.toString(),
                "log",
                store.toString(),
                "--stream",
                "conv:demo",
                "--writer",
                "alice",
                "--after",
                "5",
                "--follow")
            .directory(dir.toFile())
            .redirectError(err.toFile())
            .start();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
      assertEquals("SEQ  HASH          PAYLOAD", out.readLine(), () -> "stderr: " + read(err));
      List<String> mapped =
          Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "maps")).stream()
              .filter(line -> line.contains("sqlitejdbc"))
              .map(line -> line.substring(line.indexOf('/')))
              .distinct()
              .toList();
      Path unpacked = ROOT.resolve("agent-store-cli/target/native/org/sqlite/native");
      assertEquals(1, mapped.size(), mapped.toString());
      assertTrue(Path.of(mapped.get(0)).startsWith(unpacked), mapped + " not under " + unpacked);
      ProcessTrees.signal(process.toHandle(), "TERM");
      assertTrue(process.waitFor(180, TimeUnit.SECONDS), "the follow ended on SIGTERM");
      assertEquals(0, process.exitValue(), () -> "exit code; stderr: " + read(err));
    } finally {
      ProcessTrees.destroyTree(process.toHandle(), 60);
    }
  }

  @Test
  void theJarPrintsTheProjectVersionFromItsManifest() throws Exception {
    String expected = "agent-store " + CommandLineConventionsTest.projectVersion() + "\n";
    for (String[] args : List.of(new String[] {"-V"}, new String[] {"verify", "-V"})) {
      Run run = launch(args);
      assertEquals(0, run.exitCode(), run.err());
      assertEquals(expected, run.out(), String.join(" ", args));
    }
    try (var jar =
        new java.util.jar.JarFile(
            ROOT.resolve("agent-store-cli/target/agent-store.jar").toFile())) {
      assertEquals(
          CommandLineConventionsTest.projectVersion(),
          jar.getManifest().getMainAttributes().getValue("Implementation-Version"));
    }
  }

  @Test
  void aFirstRunThatBuildsSaysSoAndShowsEachModuleAsMavenBuildsIt() throws Exception {
    // The launcher in a root of its own, with no jar: it must build, and a stand-in mvn on the
    // PATH plays Maven's module lines and then fails, so no real build runs.
    Path root = Files.createDirectories(dir.resolve("clone"));
    Path launcher = Files.copy(LAUNCHER, root.resolve("agent-store"));
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path mvn =
        Files.writeString(
            bin.resolve("mvn"),
            "#!/bin/sh\n"
                + "echo '[INFO] Scanning for projects...'\n"
                + "echo '[INFO] Building agent-store (parent) 0.1.0-SNAPSHOT                 [1/4]'\n"
                + "echo '[INFO] --- maven-compiler-plugin:3.13.0:compile (default-compile) ---'\n"
                + "echo '[INFO] Building agent-store (core + SQLite) 0.1.0-SNAPSHOT          [2/4]'\n"
                + "echo '[ERROR] COMPILATION ERROR'\n"
                + "exit 1\n",
            UTF_8);
    assertTrue(mvn.toFile().setExecutable(true));
    ProcessBuilder builder =
        new ProcessBuilder(launcher.toString(), "--help")
            .directory(dir.toFile())
            .redirectOutput(dir.resolve("stdout.txt").toFile())
            .redirectError(dir.resolve("stderr.txt").toFile());
    builder.environment().put("PATH", bin + java.io.File.pathSeparator + System.getenv("PATH"));
    Process process = builder.start();
    try {
      assertTrue(process.waitFor(180, TimeUnit.SECONDS), "the launcher finished");
    } finally {
      ProcessTrees.destroyTree(process.toHandle(), 60);
    }
    String err = Files.readString(dir.resolve("stderr.txt"), UTF_8);
    assertEquals(3, process.exitValue(), err);
    Path log = root.resolve("target/launcher-build.log");
    assertTrue(
        err.startsWith(
            "agent-store: building agent-store (first run, or its sources changed; about a"
                + " minute)...\n"
                + "agent-store: the full Maven output goes to "
                + log
                + "\n"
                + "agent-store:   [1/4] agent-store (parent)\n"
                + "agent-store:   [2/4] agent-store (core + SQLite)\n"
                + "agent-store: the build failed; the last lines of "
                + log
                + ":\n"),
        err);
    assertTrue(err.endsWith("[ERROR] COMPILATION ERROR\n"), err);
    assertTrue(Files.readString(log, UTF_8).contains("maven-compiler-plugin"), "the full log");
  }

  /** The file's text, for a failure message. */
  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, UTF_8) : "";
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }
}
