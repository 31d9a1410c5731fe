package dev.agentstore.sqlite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.StoreException;
import dev.agentstore.StoreOpenException;
import dev.agentstore.interop.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A path that cannot hold a store, or a file that is not a SQLite database, is refused when opened:
 * a {@link StoreException} whose message names the path, and nothing on disk changes.
 */
class BadStoreFilesAreRefusedTest {
  @TempDir Path dir;

  @ParameterizedTest(name = "read-only {0}")
  @ValueSource(booleans = {false, true})
  void aPathInAMissingDirectoryIsRefused(boolean readOnly) {
    Path missing = dir.resolve("no-such-dir");
    Path file = missing.resolve("store.db");

    StoreOpenException e =
        assertThrows(StoreOpenException.class, () -> SqliteBackend.open(file, options(readOnly)));

    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertFalse(Files.exists(missing));
  }

  @ParameterizedTest(name = "read-only {0}")
  @ValueSource(booleans = {false, true})
  void aPathThatIsADirectoryIsRefused(boolean readOnly) throws IOException {
    Path directory = Files.createDirectory(dir.resolve("store.db"));

    StoreOpenException e =
        assertThrows(
            StoreOpenException.class, () -> SqliteBackend.open(directory, options(readOnly)));

    assertTrue(e.getMessage().contains(directory.toString()), e.getMessage());
    assertTrue(Files.isDirectory(directory));
    try (Stream<Path> children = Files.list(directory)) {
      assertEquals(List.of(), children.toList());
    }
    assertEquals(List.of(directory), listing());
  }

  @ParameterizedTest(name = "read-only {0}")
  @ValueSource(booleans = {false, true})
  void aFileOfRandomBytesIsRefusedAndLeftAsItWas(boolean readOnly) throws IOException {
    byte[] noise = new byte[64 * 1024];
    new Random(42).nextBytes(noise);
    assertRefusedAndUntouched(
        Files.write(dir.resolve("noise.db"), noise), readOnly, "is not a SQLite database");
  }

  @ParameterizedTest(name = "read-only {0}")
  @ValueSource(booleans = {false, true})
  void aTextFileIsRefusedAndLeftAsItWas(boolean readOnly) throws IOException {
    String text = "stream,writer,seq\nconv:demo,alice,1\n".repeat(200);
    Path file = Files.write(dir.resolve("notes.db"), text.getBytes(StandardCharsets.UTF_8));
    assertRefusedAndUntouched(file, readOnly, "is not a SQLite database");
  }

  @ParameterizedTest(name = "read-only {0}")
  @ValueSource(booleans = {false, true})
  void aTruncatedCopyOfAStoreIsRefusedAndLeftAsItWas(boolean readOnly) throws IOException {
    byte[] reference = Fixtures.bytes("reference.db");
    Path file = Files.write(dir.resolve("cut.db"), Arrays.copyOf(reference, 8 * 1024));
    assertRefusedAndUntouched(file, readOnly, "is damaged");
  }

  @Test
  void aMissingFileOpenedReadOnlyIsRefusedAndNotCreated() {
    Path file = dir.resolve("absent.db");

    StoreOpenException e =
        assertThrows(StoreOpenException.class, () -> SqliteBackend.open(file, options(true)));

    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertEquals(List.of(), listing());
  }

  private void assertRefusedAndUntouched(Path file, boolean readOnly, String why)
      throws IOException {
    byte[] before = Files.readAllBytes(file);

    StoreException e =
        assertThrows(StoreException.class, () -> SqliteBackend.open(file, options(readOnly)));

    assertTrue(e instanceof StoreOpenException, e.getClass() + ": " + e.getMessage());
    assertTrue(
        e.getMessage().startsWith("cannot open SQLite store " + file + ": "), e.getMessage());
    assertTrue(e.getMessage().contains(why), e.getMessage());
    assertArrayEquals(before, Files.readAllBytes(file));
    assertNothingElseWritten(file, readOnly);
  }

  /**
   * Only the file itself is left, except that SQLite's read-only connection to a WAL-mode file (the
   * truncated store's header says WAL) may leave its shared-memory index and an empty WAL beside
   * it, as any reader of a WAL database does; they hold no data.
   */
  private void assertNothingElseWritten(Path file, boolean readOnly) throws IOException {
    List<Path> files = listing();
    Path wal = Path.of(file + "-wal");
    Path shm = Path.of(file + "-shm");
    if (readOnly && files.contains(wal)) {
      assertEquals(List.of(file, shm, wal), files);
      assertEquals(0, Files.size(wal));
    } else {
      assertEquals(List.of(file), files);
    }
  }

  private List<Path> listing() {
    try (Stream<Path> files = Files.list(dir)) {
      return files.sorted().toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static SqliteOptions options(boolean readOnly) {
    return SqliteOptions.defaults().withReadOnly(readOnly);
  }
}
