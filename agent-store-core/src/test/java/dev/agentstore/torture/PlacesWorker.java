package dev.agentstore.torture;

import dev.agentstore.StoreException;
import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import dev.agentstore.sqlite.SqliteOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Child-side scenarios for stores in places that cannot be written: a full file system (the parent
 * mounted a small one) and a read-only directory (the parent dropped this process's privileges).
 * Prints one {@code key value} line per fact for the parent to check.
 */
public final class PlacesWorker {
  private PlacesWorker() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[1]);
    switch (args[0]) {
      case "full-read" -> fullRead(dir);
      case "open" -> open(dir.resolve("store.db"));
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  /**
   * Writes a store, closes it, fills the file system, then verifies read-only: SQLite must create
   * the WAL index to read, and cannot. Frees the space and verifies again.
   */
  private static void fullRead(Path dir) throws IOException {
    Path file = dir.resolve("store.db");
    try (SqliteBackend db = SqliteBackend.open(file)) {
      WriterLog.ensureSchema(db);
      WriterLog.append(db, "s", "w", new byte[] {1});
      WriterLog.append(db, "s", "w", new byte[] {2});
    }
    Path ballast = dir.resolve("ballast");
    try (OutputStream out = Files.newOutputStream(ballast)) {
      byte[] block = new byte[4096];
      while (true) {
        out.write(block);
      }
    } catch (IOException full) {
      System.out.println("filled " + Files.getFileStore(dir).getUsableSpace());
    }
    System.out.println(
        "files " + Files.list(dir).map(p -> p.getFileName().toString()).sorted().toList());
    open(file);
    Files.delete(ballast);
    open(file);
  }

  /** Opens {@code file} for writing, then read-only, and verifies its one chain. */
  private static void open(Path file) {
    try (SqliteBackend db = SqliteBackend.open(file)) {
      System.out.println("write-opened " + WriterLog.verify(db, "s", "w").orElseThrow().seq());
    } catch (StoreException e) {
      System.out.println("write-failure " + e.getClass().getSimpleName());
      System.out.println("write-message " + e.getMessage().replace('\n', ' '));
    }
    try (SqliteBackend db = SqliteBackend.open(file, SqliteOptions.defaults().withReadOnly(true))) {
      System.out.println("verified " + WriterLog.verify(db, "s", "w").orElseThrow().seq());
    } catch (StoreException e) {
      System.out.println("read-failure " + e.getClass().getSimpleName());
      System.out.println("read-message " + e.getMessage().replace('\n', ' '));
    }
  }
}
