package dev.agentstore.torture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.agentstore.Backend;
import dev.agentstore.Entry;
import dev.agentstore.FollowOptions;
import dev.agentstore.Follower;
import dev.agentstore.Generation;
import dev.agentstore.WriterLog;
import java.io.File;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower in this JVM and a writer in a child JVM on one store: the child appends 10,000
 * entries, one commit each, in bursts of 1 to 200 that this test paces (the next burst starts once
 * the follower has delivered the previous one, so every burst begins with the follower asleep). The
 * follower must deliver exactly seqs 1..10,000, in order, each equal to the stored entry. The
 * median delay from commit (in the child) to delivery (here) is printed, not asserted.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
public abstract class FollowProcessContract {
  protected static final int ENTRIES = 10_000;
  private static final long WAIT_SECONDS = 60;

  @TempDir protected Path dir;

  /** A fresh, empty store that child JVMs can open too. */
  protected abstract StoreLocation newStoreLocation(Path dir);

  /** The wake-up sources under test, as the follower's options. */
  protected abstract FollowOptions followOptions(Backend db);

  /**
   * The class the writer attaches to its backend (see {@link FollowWriter}), or {@code -} for none.
   */
  protected String writerPlugin() {
    return "-";
  }

  protected String writerPluginArgument() {
    return "-";
  }

  /** What the printed report calls these wake-ups. */
  protected abstract String wakeUpName();

  @Test
  void aFollowerInAnotherProcessReceivesEveryEntryExactlyOnceInOrder() throws Exception {
    StoreLocation location = newStoreLocation(dir);
    Path policy = ProcessTesting.writePolicy(dir, location);
    Path acks = dir.resolve("writer.acks");
    try (Backend db = location.open()) {
      WriterLog.ensureSchema(db);
      Generation.ensureSchema(db);
      Process child =
          startWriter(
              dir.resolve("writer.log"),
              policy.toString(),
              acks.toString(),
              "conv",
              "alice",
              writerPlugin(),
              writerPluginArgument());
      try (Writer commands =
              new OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8);
          Follower follower = WriterLog.follow(db, "conv", "alice", 0, followOptions(db))) {
        awaitLine(child, "ready");
        long[] deliveredAt = new long[ENTRIES + 1];
        List<Integer> burstStarts = new ArrayList<>();
        List<Entry> received = new ArrayList<>();
        Random random = new Random(8);
        while (received.size() < ENTRIES) {
          int burst = Math.min(1 + random.nextInt(200), ENTRIES - received.size());
          burstStarts.add(received.size() + 1);
          commands.write("burst " + burst + "\n");
          commands.flush();
          for (int i = 0; i < burst; i++) {
            Optional<Entry> entry = follower.poll(Duration.ofSeconds(WAIT_SECONDS));
            long now = System.nanoTime();
            if (entry.isEmpty()) {
              throw new AssertionError(
                  "no entry "
                      + (received.size() + 1)
                      + " within "
                      + WAIT_SECONDS
                      + " s; writer log:\n"
                      + Files.readString(dir.resolve("writer.log")));
            }
            assertEquals(received.size() + 1, entry.get().seq(), "seqs arrive in order, once");
            received.add(entry.get());
            deliveredAt[(int) entry.get().seq()] = now;
          }
        }
        assertEquals(Optional.empty(), follower.poll(Duration.ofMillis(200)), "nothing more");
        commands.write("quit\n");
        commands.flush();
        if (!child.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)) {
          throw new AssertionError("the writer did not exit");
        }
        assertEquals(0, child.exitValue(), Files.readString(dir.resolve("writer.log")));
        try (Stream<Entry> stored = WriterLog.entries(db, "conv", "alice")) {
          assertEquals(stored.toList(), received, "delivered entries are the stored ones");
        }
        report(acks, deliveredAt, burstStarts);
      } finally {
        ProcessTrees.destroyTree(child.toHandle(), WAIT_SECONDS);
      }
    }
  }

  private void report(Path acks, long[] deliveredAt, List<Integer> burstStarts) throws IOException {
    Map<Integer, Long> committedAt = new HashMap<>();
    for (String line : Files.readAllLines(acks, StandardCharsets.UTF_8)) {
      String[] parts = line.split(" ");
      committedAt.put(Integer.parseInt(parts[0]), Long.parseLong(parts[1]));
    }
    assertEquals(ENTRIES, committedAt.size(), "the writer acknowledged every append");
    long[] all = new long[ENTRIES];
    for (int seq = 1; seq <= ENTRIES; seq++) {
      all[seq - 1] = deliveredAt[seq] - committedAt.get(seq);
    }
    long[] firsts =
        burstStarts.stream().mapToLong(s -> deliveredAt[s] - committedAt.get(s)).toArray();
    System.out.printf(
        Locale.ROOT,
        "follow via %s: median commit->delivery %.2f ms over %d entries; %.2f ms for the first"
            + " entry of each of %d bursts (the wake-up itself)%n",
        wakeUpName(),
        median(all) / 1e6,
        all.length,
        median(firsts) / 1e6,
        firsts.length);
  }

  private static double median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
  }

  private static Process startWriter(Path log, String... args) throws IOException {
    List<String> command = new ArrayList<>(ChildJvm.javaCommand());
    command.add("-Xmx256m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(FollowWriter.class.getName());
    command.addAll(List.of(args));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.PIPE)
        .start();
  }

  /** Waits, at most {@link #WAIT_SECONDS}, until the child printed {@code line}. */
  private void awaitLine(Process child, String line) throws IOException, InterruptedException {
    File log = dir.resolve("writer.log").toFile();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (!Files.readString(log.toPath()).lines().anyMatch(line::equals)) {
      if (System.nanoTime() - deadline > 0 || child.waitFor(5, TimeUnit.MILLISECONDS)) {
        throw new AssertionError(
            "the writer never printed \"" + line + "\":\n" + Files.readString(log.toPath()));
      }
    }
  }
}
