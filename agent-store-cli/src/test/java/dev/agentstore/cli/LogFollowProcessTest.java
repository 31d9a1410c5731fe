package dev.agentstore.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.Entry;
import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import dev.agentstore.torture.ChildJvm;
import dev.agentstore.torture.ProcessTrees;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code log --follow} as its own process, as a user or a script runs it: its stdout is a pipe, so
 * each line must be flushed as its entry commits, and SIGTERM or SIGINT must end it with exit code
 * 0 after it closed its store.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class LogFollowProcessTest {
  /** End of stdout, in the queue of lines. */
  private static final String EOF = "\u0000EOF";

  @TempDir Path dir;
  private Path store;

  @BeforeEach
  void sample() {
    store = TestStores.sample(dir.resolve("a.db"));
  }

  @Test
  void sigtermEndsTheFollowWithExitCode0AfterEachLineReachedThePipeAsItCommitted()
      throws Exception {
    followThenSignal(process -> ProcessTrees.signal(process.toHandle(), "TERM"));
  }

  @Test
  void sigintEndsTheFollowWithExitCode0() throws Exception {
    followThenSignal(
        process -> {
          // A shell without job control starts background jobs with SIGINT ignored, and a JVM
          // keeps an ignored SIGINT ignored: then there is nothing to test.
          Assumptions.assumeFalse(
              ignores(process.pid(), 2), "SIGINT is ignored in this environment's processes");
          ProcessTrees.signal(process.toHandle(), "INT");
        });
  }

  @Test
  void aFollowWithNothingNewEndsOnceItsReaderClosesThePipe() throws Exception {
    Path err = dir.resolve("stderr.txt");
    Process process =
        new ProcessBuilder(
                command(
                    "log",
                    store.toString(),
                    "--stream",
                    "conv:demo",
                    "--writer",
                    "alice",
                    "--after",
                    "5",
                    "--follow"))
            .redirectError(err.toFile())
            .start();
    try {
      // The header is all there is: alice's last entry is seq 5, and nothing is appended.
      BufferedReader out =
          new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8));
      assertEquals("SEQ  HASH          PAYLOAD", out.readLine(), "the header line");
      out.close(); // what `| head -n 1` does after its line
      assertTrue(
          process.waitFor(Cli.WAIT_SECONDS, TimeUnit.SECONDS),
          "the follow ended after its reader went, with no entry to write");
      String stderr = read(err);
      assertEquals(0, process.exitValue(), () -> "exit code; stderr:\n" + stderr);
      assertEquals("", stderr);
    } finally {
      ProcessTrees.destroyTree(process.toHandle(), Cli.WAIT_SECONDS);
    }
  }

  private interface Signal {
    void send(Process process) throws Exception;
  }

  private void followThenSignal(Signal signal) throws Exception {
    Path err = dir.resolve("stderr.txt");
    Process process =
        new ProcessBuilder(
                command(
                    "log",
                    store.toString(),
                    "--stream",
                    "conv:demo",
                    "--writer",
                    "alice",
                    "--follow"))
            .redirectError(err.toFile())
            .start();
    try {
      BlockingQueue<String> lines = readLines(process);
      List<String> expected = new ArrayList<>(List.of("SEQ  HASH          PAYLOAD"));
      try (SqliteBackend db = SqliteBackend.open(store)) {
        for (Entry entry : WriterLog.readAfter(db, "conv:demo", "alice", 0, 100)) {
          expected.add(line(entry));
        }
        assertEquals(expected, take(lines, 6, process, err));
        for (int i = 6; i <= 7; i++) {
          Entry entry = WriterLog.append(db, "conv:demo", "alice", utf8("alice " + i));
          assertEquals(List.of(line(entry)), take(lines, 1, process, err));
        }
      }
      assertTrue(process.isAlive(), "still following");
      signal.send(process);
      assertTrue(
          process.waitFor(Cli.WAIT_SECONDS, TimeUnit.SECONDS), "the command ended after a signal");
      String stderr = read(err);
      assertEquals(0, process.exitValue(), () -> "exit code; stderr:\n" + stderr);
      assertEquals(List.of(EOF), take(lines, 1, process, err), "nothing more on stdout");
      assertEquals("", stderr);
    } finally {
      ProcessTrees.destroyTree(process.toHandle(), Cli.WAIT_SECONDS);
    }
  }

  // ---------------------------------------------------------------- helpers

  /**
   * The command in a JVM of its own on the test class path (see {@link ChildJvm#javaCommand()}),
   * with the JDK's poll opened to it as the jar's manifest does when the launcher runs it.
   */
  private static List<String> command(String... args) {
    List<String> command = new ArrayList<>(ChildJvm.javaCommand());
    command.addAll(
        List.of(
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "-cp",
            System.getProperty("java.class.path"),
            Main.class.getName()));
    command.addAll(List.of(args));
    return command;
  }

  /** The child's stdout, line by line as it arrives, then {@link #EOF}. */
  private static BlockingQueue<String> readLines(Process process) {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                  lines.add(line);
                }
              } catch (IOException e) {
                lines.add("read failed: " + e);
              }
              lines.add(EOF);
            },
            "stdout of " + process.pid());
    reader.setDaemon(true);
    reader.start();
    return lines;
  }

  private static List<String> take(
      BlockingQueue<String> lines, int count, Process process, Path err)
      throws InterruptedException, IOException {
    List<String> taken = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String line = lines.poll(Cli.WAIT_SECONDS, TimeUnit.SECONDS);
      if (line == null) {
        throw new AssertionError(
            "no line within "
                + Cli.WAIT_SECONDS
                + " s after "
                + taken
                + "; alive: "
                + process.isAlive()
                + "; stderr:\n"
                + read(err));
      }
      taken.add(line);
    }
    return taken;
  }

  /** Whether process {@code pid} ignores signal {@code number} (Linux: SigIgn in its status). */
  static boolean ignores(long pid, int number) throws IOException {
    Path status = Path.of("/proc", Long.toString(pid), "status");
    if (!Files.exists(status)) {
      return false;
    }
    for (String line : Files.readAllLines(status)) {
      if (line.startsWith("SigIgn:")) {
        long mask = Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16);
        return (mask & (1L << (number - 1))) != 0;
      }
    }
    return false;
  }

  private static String line(Entry entry) {
    return String.format(
        "%3d  %s  %s",
        entry.seq(), entry.contentHashHex().substring(0, 12), new String(entry.payload(), UTF_8));
  }

  private static String read(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file, UTF_8) : "";
  }

  private static byte[] utf8(String text) {
    return text.getBytes(UTF_8);
  }
}
