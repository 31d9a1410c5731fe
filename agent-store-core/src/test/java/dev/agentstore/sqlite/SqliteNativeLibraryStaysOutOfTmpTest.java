package dev.agentstore.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.torture.ChildJvm;
import dev.agentstore.torture.NativeLibraryWorker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * sqlite-jdbc copies its native library into {@code org.sqlite.tmpdir} ({@code java.io.tmpdir}
 * unless set) on every start, and a JVM killed with SIGKILL never deletes the copy. The test JVM
 * keeps its copy in the build directory, and child JVMs load the one unpacked there, making none.
 * Checked by the library file each process has mapped (Linux's {@code /proc/self/maps}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SqliteNativeLibraryStaysOutOfTmpTest {
  @TempDir Path dir;

  @BeforeEach
  void linuxOnly() {
    Assumptions.assumeTrue(
        Files.exists(Path.of("/proc/self/maps")), "needs /proc/self/maps to see mapped files");
  }

  @Test
  void theTestJvmLoadsItsCopyFromTheBuildDirectory() throws Exception {
    String build = System.getProperty("agentstore.build.directory");
    assertNotNull(build, "the build sets agentstore.build.directory for tests");
    assertEquals(build, System.getProperty("org.sqlite.tmpdir"), "org.sqlite.tmpdir");
    SqliteBackend.inMemory().close();
    List<String> mapped = NativeLibraryWorker.mappedSqliteLibraries();
    assertEquals(1, mapped.size(), mapped.toString());
    assertTrue(
        mapped.get(0).startsWith(Path.of(build).toAbsolutePath() + "/"),
        mapped.get(0) + " is not under " + build);
  }

  @Test
  void aChildJvmLoadsTheLibraryUnpackedInTheBuildDirectoryAndCopiesNothing() throws Exception {
    Path nativeDir = ChildJvm.sqliteNativeDirectory();
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    // Only this child's copies count: a directory kept across builds may hold older ones.
    List<Path> before = copiesIn(nativeDir);
    try (ChildJvm child =
        ChildJvm.start(
            NativeLibraryWorker.class, dir.resolve("child.log"), dir.resolve("s.db").toString())) {
      assertEquals(0, child.await(60), child.output());
      List<String> lines = child.output().lines().toList();
      assertEquals("tmpdir " + nativeDir, lines.get(0), child.output());
      List<String> libraries = lines.stream().filter(l -> l.startsWith("library ")).toList();
      assertEquals(
          List.of("library " + nativeDir.resolve(System.mapLibraryName("sqlitejdbc"))),
          libraries,
          child.output());
      assertFalse(libraries.get(0).contains(tmp + "/"), "mapped from " + tmp);
    }
    List<Path> made = new ArrayList<>(copiesIn(nativeDir));
    made.removeAll(before);
    assertEquals(List.of(), made, "copies the child made");
  }

  /** Copies sqlite-jdbc made (sqlite-VERSION-UUID-libsqlitejdbc.so and its .lck). */
  private static List<Path> copiesIn(Path directory) throws IOException {
    if (!Files.isDirectory(directory)) {
      // A clean build where no child JVM has started yet: the first one creates it.
      return List.of();
    }
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(f -> f.getFileName().toString().startsWith("sqlite-")).toList();
    }
  }
}
