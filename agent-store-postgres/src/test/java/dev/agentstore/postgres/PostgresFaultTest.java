package dev.agentstore.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.agentstore.Entry;
import dev.agentstore.RetryableStoreException;
import dev.agentstore.WriterLog;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The server goes away in the middle of a stream of appends and comes back: nothing acknowledged is
 * lost or duplicated, the failures are retryable and name the server, and the same backend carries
 * on once the server is back.
 */
class PostgresFaultTest {
  private static final int THREADS = 2;
  private static final int WARM_UP = 25;
  private static final int FAILURES_WHILE_DOWN = 2;
  private static final int SUCCESSES_AFTER_RESTART = 25;
  private static final int MAX_ATTEMPTS_PER_THREAD = 3_000;
  private static final long PHASE_SECONDS = 60;
  private static final String STREAM = "fault";

  private static PrivatePostgres server;

  // Started by the first test rather than in @BeforeAll, so that missing binaries skip each test
  // with the reason (a class-level skip is not reported by the build).
  @BeforeEach
  void startServer() {
    if (server != null) {
      return;
    }
    server = PrivatePostgres.start();
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  /** What one append call did. */
  private record Outcome(
      String writer, String payload, int phase, Entry entry, RuntimeException failure) {}

  @ParameterizedTest(name = "pg_ctl stop -m {0}")
  @ValueSource(strings = {"fast", "immediate"})
  void appendsSurviveAServerRestartWithoutReopening(String mode) throws Exception {
    PostgresOptions options =
        PostgresOptions.defaults()
            .withSchema("fault_" + mode)
            .withPoolSize(4)
            .withConnectTimeout(Duration.ofMillis(500));
    AtomicInteger phase = new AtomicInteger(); // 0 up, 1 stopping or down, 2 restarted
    CountDownLatch warm = new CountDownLatch(THREADS);
    CountDownLatch failing = new CountDownLatch(THREADS);
    List<List<Outcome>> outcomes = new ArrayList<>();
    ExecutorService threads = Executors.newFixedThreadPool(THREADS);
    try (PostgresBackend db = PostgresBackend.connect(server.url(), options)) {
      WriterLog.ensureSchema(db);
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        List<Outcome> mine = new ArrayList<>();
        outcomes.add(mine);
        int thread = t;
        workers.add(
            threads.submit(
                () -> appendUntilRecovered(db, mode, thread, phase, warm, failing, mine)));
      }

      assertTrue(warm.await(PHASE_SECONDS, TimeUnit.SECONDS), "appenders did not get going");
      phase.set(1);
      server.stop(mode);
      assertTrue(
          failing.await(PHASE_SECONDS, TimeUnit.SECONDS),
          "appends did not fail while the server was down");
      server.restart();
      phase.set(2);
      for (Future<?> worker : workers) {
        worker.get(PHASE_SECONDS, TimeUnit.SECONDS);
      }

      List<Outcome> all = outcomes.stream().flatMap(List::stream).toList();
      checkStore(db, all);
      report(mode, all);
    } finally {
      threads.shutdownNow();
      assertTrue(threads.awaitTermination(PHASE_SECONDS, TimeUnit.SECONDS));
    }
  }

  /**
   * Appends unique payloads, alternating between a chain shared by all threads and the thread's
   * own, until the server has been stopped, restarted and {@link #SUCCESSES_AFTER_RESTART} appends
   * in a row succeeded after that.
   */
  private static void appendUntilRecovered(
      PostgresBackend db,
      String mode,
      int thread,
      AtomicInteger phase,
      CountDownLatch warm,
      CountDownLatch failing,
      List<Outcome> outcomes) {
    int successes = 0;
    int failuresWhileDown = 0;
    int streakAfterRestart = 0;
    for (int i = 0; i < MAX_ATTEMPTS_PER_THREAD; i++) {
      String writer = i % 2 == 0 ? "shared" : "own-" + thread;
      String payload = mode + "/" + thread + "/" + i;
      int seenPhase = phase.get();
      try {
        Entry entry =
            WriterLog.append(db, STREAM, writer, payload.getBytes(StandardCharsets.UTF_8));
        outcomes.add(new Outcome(writer, payload, seenPhase, entry, null));
        if (++successes == WARM_UP) {
          warm.countDown();
        }
        if (seenPhase == 2 && ++streakAfterRestart == SUCCESSES_AFTER_RESTART) {
          return;
        }
      } catch (RuntimeException e) {
        outcomes.add(new Outcome(writer, payload, seenPhase, null, e));
        streakAfterRestart = 0;
        if (seenPhase == 1 && ++failuresWhileDown == FAILURES_WHILE_DOWN) {
          failing.countDown();
        }
      }
    }
    fail("thread " + thread + " did not recover within " + MAX_ATTEMPTS_PER_THREAD + " appends");
  }

  private static void checkStore(PostgresBackend db, List<Outcome> all) {
    String address = server.address("postgres");
    for (Outcome outcome : all) {
      if (outcome.failure() != null) {
        RuntimeException failure = outcome.failure();
        assertInstanceOf(RetryableStoreException.class, failure, () -> describe(failure));
        assertTrue(failure.getMessage().contains(address), () -> describe(failure));
      }
    }
    for (String writer : writers(all)) {
      List<Entry> stored = WriterLog.entries(db, STREAM, writer).toList();
      Map<String, Entry> byPayload = new HashMap<>();
      for (Entry entry : stored) {
        String payload = new String(entry.payload(), StandardCharsets.UTF_8);
        Entry twice = byPayload.put(payload, entry);
        assertEquals(null, twice, () -> payload + " is stored twice in " + writer);
      }
      for (Outcome outcome : all) {
        if (outcome.writer().equals(writer) && outcome.entry() != null) {
          Entry stored1 = byPayload.get(outcome.payload());
          assertTrue(stored1 != null, () -> "acknowledged " + outcome.payload() + " is missing");
          assertEquals(outcome.entry().seq(), stored1.seq(), outcome.payload());
          assertTrue(Arrays.equals(outcome.entry().contentHash(), stored1.contentHash()));
        }
      }
      assertEquals(stored.size(), WriterLog.verify(db, STREAM, writer).orElseThrow().seq(), writer);
      long failedButStored =
          all.stream()
              .filter(o -> o.writer().equals(writer) && o.failure() != null)
              .filter(o -> byPayload.containsKey(o.payload()))
              .count();
      System.out.printf(
          "%s: %d entries, %d of them from calls that failed%n",
          writer, stored.size(), failedButStored);
    }
  }

  private static List<String> writers(List<Outcome> all) {
    return all.stream().map(Outcome::writer).distinct().sorted().toList();
  }

  /** Facts worth knowing about a run, in the test's output file. */
  private static void report(String mode, List<Outcome> all) {
    long acknowledged = all.stream().filter(o -> o.entry() != null).count();
    Map<String, Long> failures =
        all.stream()
            .filter(o -> o.failure() != null)
            .collect(
                Collectors.groupingBy(
                    o -> "phase " + o.phase() + " " + o.failure().getClass().getSimpleName(),
                    Collectors.counting()));
    System.out.printf(
        "stop -m %s: %d appends acknowledged, failures %s%n", mode, acknowledged, failures);
    all.stream()
        .filter(o -> o.failure() != null)
        .map(o -> o.failure().getMessage())
        .distinct()
        .limit(6)
        .forEach(message -> System.out.println("  " + message));
  }

  private static String describe(Throwable failure) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      text.append(t.getClass().getName()).append(": ").append(t.getMessage()).append('\n');
    }
    return text.toString();
  }
}
