package dev.agentstore.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * One short iteration of one benchmark pair, in this JVM: the harness is generated, both sides run
 * and report a score. The benchmarks themselves are run by {@link Report}, never by the build.
 */
class BenchmarkSmokeTest {
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void oneIterationOfOursAndRaw() throws RunnerException {
    Collection<RunResult> results =
        runOnce(
            new OptionsBuilder()
                .include("^dev\\.agentstore\\.bench\\.AppendOneThread\\.(ours|raw)$")
                .param("backend", Stores.SQLITE_MEMORY));
    assertEquals(2, results.size());
    for (RunResult result : results) {
      assertTrue(result.getPrimaryResult().getScore() > 0, result.getParams().getBenchmark());
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void interleavedBlocksCountBothSides() throws RunnerException {
    Collection<RunResult> results =
        runOnce(
            new OptionsBuilder()
                .include("^dev\\.agentstore\\.bench\\.InterleavedAppend\\.pair$")
                .param("backend", Stores.SQLITE_FILE)
                .param("threads", "2")
                .param("listener", InterleavedAppend.MICROMETER));
    assertEquals(1, results.size());
    RunResult result = results.iterator().next();
    double ours = counter(result, "oursAppends");
    assertTrue(ours >= 2 * InterleavedAppend.BLOCK, String.valueOf(ours));
    assertEquals(ours, counter(result, "rawAppends"));
    assertEquals(0, counter(result, "errors"));
    assertTrue(counter(result, "oursNanos") > 0);
    assertTrue(counter(result, "rawNanos") > 0);
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void oneIterationWithAndWithoutAnOptimisation() throws RunnerException {
    Collection<RunResult> results =
        runOnce(
            new OptionsBuilder()
                .include("^dev\\.agentstore\\.bench\\.PreparedStatementReuse\\.(with|without)$")
                .include("^dev\\.agentstore\\.bench\\.Blake3Implementations\\.(with|without)$")
                .param("size", "256"));
    assertEquals(4, results.size());
    for (RunResult result : results) {
      assertTrue(result.getPrimaryResult().getScore() > 0, result.getParams().getBenchmark());
    }
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void recallSearchFindsTheSameHitsAsTheHandWrittenScan(@TempDir Path dir) throws SQLException {
    List<RecallSearch.Result> results = RecallSearch.run(List.of(2_000), false, dir, 4);
    assertEquals(1, results.size());
    RecallSearch.Result result = results.get(0);
    assertEquals("SQLite file", result.backend());
    assertEquals(2_000, result.size());
    assertTrue(result.sameHits());
    assertTrue(result.oursMedianMs() > 0 && result.rawMedianMs() > 0, result.toString());
    assertTrue(result.buildSeconds() > 0, "the store was built");
    // A second run finds the store built and keeps it.
    assertEquals(0.0, RecallSearch.run(List.of(2_000), false, dir, 4).get(0).buildSeconds());
  }

  @Test
  void everyOptimisationNamesTwoBenchmarkMethods() throws ClassNotFoundException {
    for (Report.Optimisation row : Report.OPTIMISATIONS) {
      Class<?> benchmark = Class.forName("dev.agentstore.bench." + row.benchmark());
      for (String name : List.of(row.with(), row.without())) {
        assertTrue(
            Arrays.stream(benchmark.getMethods())
                .anyMatch(m -> m.getName().equals(name) && m.isAnnotationPresent(Benchmark.class)),
            row.benchmark() + "." + name);
      }
    }
  }

  /** One short measured iteration, in this JVM, of what {@code options} selects. */
  private static Collection<RunResult> runOnce(ChainedOptionsBuilder options)
      throws RunnerException {
    return new Runner(
            options
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(300))
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT)
                .build())
        .run();
  }

  private static double counter(RunResult result, String name) {
    return result.getSecondaryResults().get(name).getScore();
  }

  @Test
  void writesJson() {
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("a", 1);
    document.put("b", "x\"y");
    document.put("c", Arrays.asList(true, null, Double.NaN));
    assertEquals(
        "{\"a\": 1, \"b\": \"x\\\"y\", \"c\": [\n  true,\n  null,\n  null\n]}",
        Report.json(document));
  }
}
