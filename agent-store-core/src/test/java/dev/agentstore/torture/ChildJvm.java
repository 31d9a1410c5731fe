package dev.agentstore.torture;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.sqlite.util.LibraryLoaderUtil;

/** A real child JVM running a main class from the test class path; killed if still alive. */
public final class ChildJvm implements AutoCloseable {
  private final Process process;
  private final Path log;

  private ChildJvm(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** Starts {@code main} with {@code args}; its stdout and stderr go to {@code log}. */
  public static ChildJvm start(Class<?> main, Path log, String... args) throws IOException {
    return start(List.of(), main, log, args);
  }

  /**
   * Starts {@code main} behind {@code wrapper} (for example {@code unshare -m sh -c '... && exec
   * "$@"' sh}), which receives the java command line as its trailing arguments.
   */
  public static ChildJvm start(List<String> wrapper, Class<?> main, Path log, String... args)
      throws IOException {
    return start(wrapper, List.of(), main, log, args);
  }

  /**
   * Starts {@code main} with {@code jvmOptions} after the defaults, so that they override them (for
   * example {@code -Xmx512m} for a test of the heap a call needs).
   */
  public static ChildJvm startWithOptions(
      List<String> jvmOptions, Class<?> main, Path log, String... args) throws IOException {
    return start(List.of(), jvmOptions, main, log, args);
  }

  /**
   * Starts {@code main} on {@code classPath} instead of this JVM's (for example this one's without
   * a jar, to show what works when an application leaves that dependency out).
   */
  public static ChildJvm startWithClassPath(
      String classPath, Class<?> main, Path log, String... args) throws IOException {
    return start(List.of(), List.of(), classPath, main, log, args);
  }

  /**
   * This JVM's class path without the entries {@code drop} matches; fails unless it matched exactly
   * one, so a renamed jar cannot make a test pass vacuously.
   */
  public static String classPathWithout(Predicate<Path> drop) {
    List<String> kept = new ArrayList<>();
    List<String> dropped = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      (drop.test(Path.of(entry)) ? dropped : kept).add(entry);
    }
    if (dropped.size() != 1) {
      throw new AssertionError("expected one class path entry to drop, found " + dropped);
    }
    return String.join(File.pathSeparator, kept);
  }

  private static ChildJvm start(
      List<String> wrapper, List<String> jvmOptions, Class<?> main, Path log, String... args)
      throws IOException {
    return start(wrapper, jvmOptions, System.getProperty("java.class.path"), main, log, args);
  }

  private static ChildJvm start(
      List<String> wrapper,
      List<String> jvmOptions,
      String classPath,
      Class<?> main,
      Path log,
      String... args)
      throws IOException {
    List<String> command = new ArrayList<>(wrapper);
    command.addAll(javaCommand());
    command.add("-Xmx256m");
    command.add("-XX:TieredStopAtLevel=1");
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(classPath);
    command.add(main.getName());
    command.addAll(List.of(args));
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    return new ChildJvm(process, log);
  }

  /**
   * The command that starts a child JVM like this one: this JVM's {@code java}, with sqlite-jdbc's
   * native library loaded from the build directory ({@link #sqliteNativeDirectory()}, unpacked
   * there once) instead of a copy of its own in {@code /tmp}. A child killed with SIGKILL never
   * deletes such a copy, and the crash suites kill hundreds. Every test that starts a JVM uses
   * this.
   */
  public static List<String> javaCommand() {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(SqliteNative.OPTIONS);
    return command;
  }

  /**
   * Where child JVMs find sqlite-jdbc's native library, and where sqlite-jdbc puts any temporary
   * file: {@code sqlite-native} in the module's build directory (property {@code
   * agentstore.build.directory}, which the build sets; {@code target} otherwise).
   */
  public static Path sqliteNativeDirectory() {
    String build = System.getProperty("agentstore.build.directory", "target");
    return Path.of(build, "sqlite-native").toAbsolutePath();
  }

  /** The system properties a child JVM gets, computed (and the library unpacked) once. */
  private static final class SqliteNative {
    static final List<String> OPTIONS = options();

    private static List<String> options() {
      Path directory = sqliteNativeDirectory();
      String name = LibraryLoaderUtil.getNativeLibName();
      String resource = LibraryLoaderUtil.getNativeLibResourcePath() + "/" + name;
      List<String> options = new ArrayList<>();
      try {
        Files.createDirectories(directory);
        // The temporary directory in any case: a platform without a bundled library still gets
        // its copy here, not in /tmp.
        options.add("-Dorg.sqlite.tmpdir=" + directory);
        try (InputStream in = ChildJvm.class.getResourceAsStream(resource)) {
          if (in == null) {
            return options;
          }
          byte[] library = in.readAllBytes();
          Path target = directory.resolve(name);
          if (!Files.exists(target) || !Arrays.equals(Files.readAllBytes(target), library)) {
            // Renamed into place: a child still running keeps the file it mapped.
            Path partial = Files.createTempFile(directory, name, ".partial");
            Files.write(partial, library);
            // Readable by every user: some tests run their child as an unprivileged one.
            Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot unpack sqlite-jdbc's library into " + directory, e);
      }
      options.add("-Dorg.sqlite.lib.path=" + directory);
      options.add("-Dorg.sqlite.lib.name=" + name);
      return options;
    }
  }

  /**
   * Waits, at most {@code seconds}, until the child has printed {@code line} (it polls the child's
   * log, returning early if the child exits).
   */
  public void awaitLine(String line, long seconds) throws InterruptedException, IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!output().lines().anyMatch(line::equals)) {
      if (System.nanoTime() > deadline || process.waitFor(5, TimeUnit.MILLISECONDS)) {
        throw new AssertionError("child never printed \"" + line + "\"; log:\n" + output());
      }
    }
  }

  Process process() {
    return process;
  }

  /** Waits at most {@code seconds} for a normal exit and returns the exit code. */
  public int await(long seconds) throws InterruptedException, IOException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("child did not finish within " + seconds + " s; log:\n" + output());
    }
    return process.exitValue();
  }

  /** SIGKILL, as a crash would; waits for the process to be gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("child survived SIGKILL for 30 s");
    }
  }

  public String output() throws IOException {
    return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
  }

  /** Ends the child, and anything it started (behind a wrapper, say), if still running. */
  @Override
  public void close() {
    try {
      ProcessTrees.destroyTree(process.toHandle(), 60);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
