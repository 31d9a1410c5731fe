package dev.agentstore.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.Generation;
import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import dev.agentstore.torture.ProcessTrees;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A copy ended by a signal while it copies says that running the same command again resumes it, and
 * running it again does: the copy runs as a process of its own, one entry per transaction, and is
 * signalled once its progress line shows it copying.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CopyInterruptProcessTest {
  /** Enough single-entry transactions that the copy is still running when the signal lands. */
  private static final int ENTRIES = 20_000;

  private static final Pattern NOTICE =
      Pattern.compile(
          "agent-store: copy interrupted with (\\d+) entr(?:y|ies) committed to (\\S+); run the"
              + " same command again to resume: it continues after each chain's destination head"
              + " and never copies an entry twice\n");

  @TempDir Path dir;
  private Path source;
  private Path destination;

  @BeforeEach
  void bigSource() {
    source = dir.resolve("src.db");
    destination = dir.resolve("dst.db");
    try (SqliteBackend db = SqliteBackend.open(source)) {
      Generation.ensureSchema(db);
      WriterLog.ensureSchema(db);
      List<byte[]> payloads = new ArrayList<>();
      for (int i = 1; i <= ENTRIES; i++) {
        payloads.add(("turn " + i).getBytes(UTF_8));
      }
      WriterLog.appendAll(db, "conv:big", "alice", payloads);
      new Generation("report").set(db, 7);
    }
  }

  @Test
  void sigtermSaysHowToResumeAndRerunningResumes() throws Exception {
    interruptThenResume("TERM", 128 + 15);
  }

  @Test
  void sigintSaysHowToResumeAndRerunningResumes() throws Exception {
    interruptThenResume("INT", 128 + 2);
  }

  private void interruptThenResume(String signal, int status) throws Exception {
    String[] args = {"copy", source.toString(), destination.toString(), "--create", "--batch", "1"};
    List<String> command = ChildCommand.command(args);
    command.add("--progress=always");
    Process process =
        new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      StderrWatch stderr = new StderrWatch(process.getErrorStream(), "\rcopying: ");
      stderr.seen.get(Cli.WAIT_SECONDS, TimeUnit.SECONDS);
      if (signal.equals("INT")) {
        // A shell without job control starts background jobs with SIGINT ignored, and a JVM
        // keeps an ignored SIGINT ignored: then there is nothing to test.
        Assumptions.assumeFalse(
            LogFollowProcessTest.ignores(process.pid(), 2),
            "SIGINT is ignored in this environment's processes");
      }
      ProcessTrees.signal(process.toHandle(), signal);
      assertTrue(process.waitFor(Cli.WAIT_SECONDS, TimeUnit.SECONDS), "the copy ended");
      String err = stderr.all.get(Cli.WAIT_SECONDS, TimeUnit.SECONDS);
      assertEquals(status, process.exitValue(), err);
      Matcher notice = NOTICE.matcher(err);
      assertTrue(notice.find(), "no resume notice in:\n" + err);
      assertEquals(destination.toAbsolutePath().toString(), notice.group(2));
      long said = Long.parseLong(notice.group(1));
      long there = entries(destination);
      assertTrue(said <= there && there < ENTRIES, said + " said, " + there + " there");
      assertTrue(
          err.substring(notice.end()).isEmpty(), "the notice is the last thing printed:\n" + err);

      Cli.Result rerun = Cli.run(args).expect(0);
      assertTrue(
          rerun
              .out()
              .contains(
                  "Copied "
                      + (ENTRIES - there)
                      + " of "
                      + ENTRIES
                      + " entries in 1 chain ("
                      + there
                      + " already there)"),
          rerun.out());
      assertEquals(ENTRIES, entries(destination));
    } finally {
      ProcessTrees.destroyTree(process.toHandle(), Cli.WAIT_SECONDS);
    }
  }

  private static long entries(Path store) {
    try (SqliteBackend db = SqliteBackend.open(store)) {
      return WriterLog.verify(db, "conv:big", "alice").map(h -> h.seq()).orElse(0L);
    }
  }

  /** Reads a process's stderr to its end; completes {@link #seen} once {@code text} appeared. */
  private static final class StderrWatch {
    final CompletableFuture<Void> seen = new CompletableFuture<>();
    final CompletableFuture<String> all = new CompletableFuture<>();

    StderrWatch(InputStream in, String text) {
      Thread reader =
          new Thread(
              () -> {
                StringBuilder read = new StringBuilder();
                byte[] buffer = new byte[8192];
                try {
                  for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    read.append(new String(buffer, 0, n, UTF_8));
                    if (!seen.isDone() && read.indexOf(text) >= 0) {
                      seen.complete(null);
                    }
                  }
                } catch (IOException e) {
                  read.append("\n(read failed: ").append(e).append(')');
                }
                seen.completeExceptionally(
                    new AssertionError("never saw " + text + " in:\n" + read));
                all.complete(read.toString());
              },
              "stderr");
      reader.setDaemon(true);
      reader.start();
    }
  }
}
