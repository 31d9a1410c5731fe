package dev.agentstore.examples;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.agentstore.Entry;
import dev.agentstore.Follower;
import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A follower in another process: this program starts a second JVM that follows the chain {@code
 * jobs/worker} of a SQLite file, then appends to that chain itself. The follower hears each commit
 * through SQLite's {@code PRAGMA data_version} (it checks every 10 ms by default) and prints every
 * entry exactly once, in seq order.
 *
 * <p>Run: {@code java dev.agentstore.examples.FollowerInAnotherProcess [STORE_FILE]} (default: a
 * new file in a new temporary directory). The file must not exist yet.
 */
public final class FollowerInAnotherProcess {
  static final String STREAM = "jobs";
  static final String WRITER = "worker";
  static final int JOBS = 5;

  /** The follower's first line: it follows from now on. */
  static final String READY = "ready";

  private static final Duration WAIT = Duration.ofSeconds(60);

  /** Queued after the child's last line: its output has ended. */
  private static final String END = "\0end of output";

  private FollowerInAnotherProcess() {}

  /**
   * Without arguments, or with a store file: the writer, which starts the follower. With {@code
   * follow STORE_FILE COUNT}: the follower, which prints COUNT entries and exits.
   */
  public static void main(String[] args) throws Exception {
    if (args.length == 3 && args[0].equals("follow")) {
      follow(Path.of(args[1]), Integer.parseInt(args[2]));
      return;
    }
    Path file =
        args.length > 0
            ? Path.of(args[0])
            : Files.createTempDirectory("agent-store-example").resolve("jobs.db");
    if (Files.exists(file)) {
      throw new IllegalArgumentException(file + " exists; give a path for a new store file");
    }
    System.out.println("store: " + file);
    try (SqliteBackend db = SqliteBackend.open(file)) {
      WriterLog.ensureSchema(db);

      Process follower = startFollower(file);
      BlockingQueue<String> lines = linesOf(follower);
      try {
        String first = next(lines, follower);
        if (!first.equals(READY)) {
          throw new IllegalStateException("the follower said \"" + first + "\", not " + READY);
        }
        System.out.println("follower process " + follower.pid() + " is following");
        for (int job = 1; job <= JOBS; job++) {
          Entry entry =
              WriterLog.append(db, STREAM, WRITER, ("job " + job + " done").getBytes(UTF_8));
          System.out.println("appended seq " + entry.seq());
        }
        for (int job = 1; job <= JOBS; job++) {
          System.out.println("follower: " + next(lines, follower));
        }
        if (!follower.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
          throw new IllegalStateException("the follower did not exit within " + WAIT);
        }
        if (follower.exitValue() != 0) {
          throw new IllegalStateException("the follower exited with " + follower.exitValue());
        }
        System.out.println("follower exited with 0");
      } finally {
        follower.destroyForcibly();
      }
    }
  }

  /** The follower's side: every entry after seq 0, as it commits, then exit. */
  private static void follow(Path file, int count) throws InterruptedException {
    try (SqliteBackend db = SqliteBackend.open(file);
        Follower follower = WriterLog.follow(db, STREAM, WRITER, 0)) {
      // Entries committed from here on are delivered, and any committed earlier too: the store,
      // not the wake-up, is the source, so "ready" is a courtesy to the writer's output order.
      System.out.println(READY);
      for (int i = 0; i < count; i++) {
        Entry entry =
            follower
                .poll(WAIT)
                .orElseThrow(() -> new IllegalStateException("no entry within " + WAIT));
        System.out.println("seq " + entry.seq() + ": " + new String(entry.payload(), UTF_8));
      }
    }
  }

  /**
   * Starts this class as the follower in a new JVM with this JVM's class path. sqlite-jdbc copies
   * its native library into {@code org.sqlite.tmpdir} ({@code java.io.tmpdir} unless set) and a
   * killed JVM never deletes that copy, so the child gets this JVM's settings, or the store's
   * directory, instead of {@code /tmp}.
   */
  private static Process startFollower(Path file) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String tmpdir =
        System.getProperty("org.sqlite.tmpdir", file.toAbsolutePath().getParent().toString());
    command.add("-Dorg.sqlite.tmpdir=" + tmpdir);
    for (String property : List.of("org.sqlite.lib.path", "org.sqlite.lib.name")) {
      String value = System.getProperty(property);
      if (value != null) {
        command.add("-D" + property + "=" + value);
      }
    }
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(FollowerInAnotherProcess.class.getName());
    command.addAll(List.of("follow", file.toString(), Integer.toString(JOBS)));
    // Its stderr is ours: JVM warnings there never get mixed into the lines it reports.
    return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  /** The child's output, line by line, read on a thread of its own. */
  private static BlockingQueue<String> linesOf(Process process) {
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
                throw new UncheckedIOException(e);
              } finally {
                lines.add(END);
              }
            },
            "follower-output");
    reader.setDaemon(true);
    reader.start();
    return lines;
  }

  private static String next(BlockingQueue<String> lines, Process follower)
      throws InterruptedException {
    String line = lines.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
    if (line == null) {
      throw new IllegalStateException(
          "the follower (pid " + follower.pid() + ") printed nothing within " + WAIT);
    }
    if (line.equals(END)) {
      lines.add(END); // for any later call
      throw new IllegalStateException(
          "the follower (pid " + follower.pid() + ") ended its output early; its errors are above");
    }
    return line;
  }
}
