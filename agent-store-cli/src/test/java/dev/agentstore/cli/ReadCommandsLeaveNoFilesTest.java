package dev.agentstore.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.agentstore.sqlite.SqliteBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a read command leaves beside a SQLite file, exactly as docs/commands.md says: the database
 * file byte for byte unchanged, and an empty {@code -wal} with its index ({@code -shm}), which WAL
 * mode needs to read and which only a connection that may write removes when it closes last.
 */
class ReadCommandsLeaveNoFilesTest {
  @TempDir Path dir;

  @Test
  void readCommandsLeaveTheFileUnchangedAndAnEmptyWalWithItsIndexUntilAWriterCloses()
      throws Exception {
    Path store = TestStores.sample(dir.resolve("a.db"));
    assertEquals(List.of("a.db"), files(), "a closed store is one file");
    byte[] before = Files.readAllBytes(store);
    String path = store.toString();
    List<List<String>> commands =
        List.of(
            List.of("verify", path),
            List.of("heads", path),
            List.of("streams", path),
            List.of("log", path, "--stream", "conv:demo", "--writer", "alice"),
            List.of("gen", path),
            List.of("info", path));
    for (List<String> command : commands) {
      Cli.run(command.toArray(String[]::new)).expect(0);
      assertEquals(List.of("a.db", "a.db-shm", "a.db-wal"), files(), "after " + command);
      assertEquals(0, Files.size(dir.resolve("a.db-wal")), "the WAL is empty after " + command);
      assertArrayEquals(before, Files.readAllBytes(store), "a.db unchanged by " + command);
    }
    // A connection that may write, closing last, checkpoints the (empty) WAL and removes both.
    SqliteBackend.open(store).close();
    assertEquals(List.of("a.db"), files());
    assertArrayEquals(before, Files.readAllBytes(store));
  }

  private List<String> files() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }
}
