package dev.agentstore.sqlite;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.agentstore.WriterLog;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * SQLite store files damaged below the rows, the way a bad disk or a stray write damages them: a
 * byte of an index's page or a table's page flipped in the closed file. Used by the core's and the
 * command's tests of the storage check.
 */
public final class DamagedFiles {
  /** The stream of {@link #threeChains}. */
  public static final String STREAM = "conv";

  /** The writers of {@link #threeChains}, each with {@link #ENTRIES} entries. */
  public static final List<String> WRITERS = List.of("alice", "bob", "carol");

  public static final int ENTRIES = 3_000;

  /** The index SQLite keeps for the log table's primary key {@code (stream, writer, seq)}. */
  public static final String LOG_INDEX = "sqlite_autoindex__agent_store_log_1";

  private DamagedFiles() {}

  /** Writes a store of three chains of {@link #ENTRIES} entries each and closes it. */
  public static Path threeChains(Path file) {
    try (SqliteBackend db = SqliteBackend.open(file)) {
      WriterLog.ensureSchema(db);
      for (String writer : WRITERS) {
        List<byte[]> payloads = new ArrayList<>(ENTRIES);
        for (int seq = 1; seq <= ENTRIES; seq++) {
          payloads.add((writer + " turn " + seq).getBytes(UTF_8));
        }
        WriterLog.appendAll(db, STREAM, writer, payloads);
      }
    }
    // Moves every page from the WAL into the file, so that what a test flips is what is read.
    pragma(file, "PRAGMA wal_checkpoint(TRUNCATE)");
    return file;
  }

  /**
   * Rewrites, in the root page of {@link #LOG_INDEX}, the first divider key naming writer {@code
   * from} to name {@code to} (same length): the index then sends every lookup of {@code from}'s
   * entries above that divider to the wrong child, so that reads through the index end early while
   * every row is still in the table.
   *
   * @return the byte offset in the file that was rewritten
   */
  public static long renameDividerInIndexRoot(Path file, String from, String to) {
    if (from.length() != to.length()) {
      throw new IllegalArgumentException(from + " and " + to + " must have the same length");
    }
    int pageSize = pragma(file, "PRAGMA page_size");
    long root = pragma(file, "SELECT rootpage FROM sqlite_master WHERE name = '" + LOG_INDEX + "'");
    long start = (root - 1) * pageSize;
    byte[] page = read(file, start, pageSize);
    byte[] needle = from.getBytes(UTF_8);
    int at = indexOf(page, needle);
    if (at < 0) {
      throw new IllegalStateException(
          "no divider key naming " + from + " in root page " + root + " of " + LOG_INDEX);
    }
    write(file, start + at, to.getBytes(UTF_8));
    return start + at;
  }

  /** The number of pages of the file. */
  public static int pageCount(Path file) {
    return pragma(file, "PRAGMA page_count");
  }

  /** The page size of the file. */
  public static int pageSize(Path file) {
    return pragma(file, "PRAGMA page_size");
  }

  /** XORs the byte at {@code offset} with {@code mask} (not 0). */
  public static void flip(Path file, long offset, int mask) {
    byte[] one = read(file, offset, 1);
    one[0] ^= (byte) mask;
    write(file, offset, one);
  }

  /**
   * What {@code PRAGMA integrity_check} says of the file through a plain sqlite-jdbc connection:
   * {@code ["ok"]} for a sound file, else its lines, or the error that stopped it.
   */
  public static List<String> integrityCheck(Path file) {
    List<String> lines = new ArrayList<>();
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("PRAGMA integrity_check")) {
      while (rows.next()) {
        lines.add(rows.getString(1));
      }
    } catch (SQLException e) {
      lines.add("error: " + e.getMessage());
    }
    return lines;
  }

  private static int pragma(Path file, String sql) {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      if (!rows.next()) {
        throw new IllegalStateException(sql + " returned no row on " + file);
      }
      return rows.getInt(1);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + " failed on " + file, e);
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static byte[] read(Path file, long offset, int length) {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      byte[] bytes = new byte[length];
      raf.seek(offset);
      raf.readFully(bytes);
      return bytes;
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + file + " at " + offset, e);
    }
  }

  private static void write(Path file, long offset, byte[] bytes) {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(offset);
      raf.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("writing " + file + " at " + offset, e);
    }
  }
}
