package dev.agentstore.torture;

import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Child side of the test that a child JVM keeps sqlite-jdbc's native library out of {@code /tmp}:
 * opens and writes the store at {@code args[0]}, then prints {@code tmpdir <org.sqlite.tmpdir>} and
 * one {@code library <path>} line per file of the library this process has mapped.
 */
public final class NativeLibraryWorker {
  private NativeLibraryWorker() {}

  public static void main(String[] args) throws Exception {
    try (SqliteBackend db = SqliteBackend.open(Path.of(args[0]))) {
      WriterLog.ensureSchema(db);
      WriterLog.append(db, "s", "w", "x".getBytes(StandardCharsets.UTF_8));
    }
    System.out.println("tmpdir " + System.getProperty("org.sqlite.tmpdir"));
    for (String path : mappedSqliteLibraries()) {
      System.out.println("library " + path);
    }
  }

  /** The files of sqlite-jdbc's native library mapped into this process (Linux). */
  public static java.util.List<String> mappedSqliteLibraries() throws java.io.IOException {
    // A maps line: address perms offset dev inode path.
    return Files.readAllLines(Path.of("/proc/self/maps")).stream()
        .filter(line -> line.contains("sqlitejdbc"))
        .map(line -> line.substring(line.indexOf('/')))
        .distinct()
        .toList();
  }
}
