package dev.agentstore.embeddings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A model that cannot load says so, naming the model and the platform, every time it is asked: a
 * child JVM that reports a processor ONNX Runtime has no library for tries to embed twice.
 */
class MiniLmLoadFailureTest {

  /** Embeds twice and prints what each attempt threw, one line each. */
  public static final class Main {
    private Main() {}

    /**
     * The child's entry point.
     *
     * @param args none
     */
    public static void main(String[] args) {
      for (int attempt = 1; attempt <= 2; attempt++) {
        try {
          MiniLm.create().embed("x");
          System.out.println("attempt " + attempt + " loaded");
        } catch (RuntimeException e) {
          System.out.println(
              "attempt " + attempt + " " + e.getClass().getName() + ": " + e.getMessage());
        }
      }
    }
  }

  @Test
  void aModelThatCannotLoadNamesTheModelAndThePlatformOnEveryAttempt() throws Exception {
    Path build = Path.of(System.getProperty("agentstore.build.directory", "target"));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Dos.arch=sparc");
    command.add("-Djava.io.tmpdir=" + build);
    command.add("-DDJL_CACHE_DIR=" + build.resolve("djl-cache"));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    Path log = Files.createTempFile(build, "load-failure-", ".log");
    Process child =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the child JVM did not finish");
    } finally {
      child.destroyForcibly();
    }
    String expected =
        "dev.agentstore.StoreException: all-minilm-l6-v2 could not be loaded on "
            + System.getProperty("os.name")
            + "/sparc (ONNX Runtime and the tokenizer ship native libraries for Linux, macOS and"
            + " Windows on x86-64 and aarch64): java.lang.IllegalStateException: Unsupported"
            + " arch:sparc";
    assertEquals(List.of("attempt 1 " + expected, "attempt 2 " + expected), attempts(log));
    assertEquals(0, child.exitValue());
  }

  private static List<String> attempts(Path log) throws IOException {
    return Files.readAllLines(log, StandardCharsets.UTF_8).stream()
        .filter(line -> line.startsWith("attempt "))
        .toList();
  }
}
