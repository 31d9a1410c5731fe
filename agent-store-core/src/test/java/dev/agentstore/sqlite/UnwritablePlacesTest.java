package dev.agentstore.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.agentstore.ReadOnlyStoreException;
import dev.agentstore.WriterLog;
import dev.agentstore.torture.ChildJvm;
import dev.agentstore.torture.PlacesWorker;
import dev.agentstore.torture.TestProcesses;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store that cannot be written is refused with the reason in words — a read-only directory, a
 * read-only mount, a full disk — and stays readable once the reason is gone. Every case runs on a
 * real file system: the read-only directory in a child JVM without root's privileges (root ignores
 * permission bits) when the test runs as root, the mounts in a private mount namespace.
 */
class UnwritablePlacesTest {
  private static final String READ_IT =
      " (open it with SqliteOptions.defaults().withReadOnly(true) to read it)";

  @TempDir Path dir;

  @Test
  void aReadOnlyDirectoryIsNamedAsTheReasonAndTheStoreStaysReadable() throws Exception {
    Path ro = Files.createDirectory(dir.resolve("ro"));
    Path file = ro.resolve("store.db");
    writeStore(file);
    String expected =
        "cannot open SQLite store "
            + file
            + " for writing: directory "
            + ro
            + " is read-only, and SQLite must create store.db-wal and store.db-shm beside the"
            + " store to write it"
            + READ_IT;
    Map<String, String> facts;
    if (isRoot()) {
      facts = unprivileged(ro, file);
    } else {
      Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
      try {
        ReadOnlyStoreException e =
            assertThrows(ReadOnlyStoreException.class, () -> SqliteBackend.open(file));
        facts = new LinkedHashMap<>();
        facts.put("write-failure", "ReadOnlyStoreException");
        facts.put("write-message", e.getMessage());
        try (SqliteBackend db =
            SqliteBackend.open(file, SqliteOptions.defaults().withReadOnly(true))) {
          facts.put("verified", String.valueOf(WriterLog.verify(db, "s", "w").orElseThrow().seq()));
        }
      } finally {
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    }
    assertEquals("ReadOnlyStoreException", facts.get("write-failure"), facts.toString());
    assertEquals(expected, facts.get("write-message"));
    assertEquals("2", facts.get("verified"), facts.toString());
  }

  @Test
  void aReadOnlyMountIsNamedAsTheReason() throws Exception {
    assumeNamespaces();
    Path ro = Files.createDirectory(dir.resolve("ro"));
    Path file = ro.resolve("store.db");
    writeStore(file);
    Map<String, String> facts =
        TestProcesses.inMountNamespace(
            "mount --bind " + ro + " " + ro + " && mount -o remount,ro,bind " + ro + withTmpdir(),
            PlacesWorker.class,
            "open",
            ro.toString());
    assertEquals("ReadOnlyStoreException", facts.get("write-failure"), facts.toString());
    assertEquals(
        "cannot open SQLite store "
            + file
            + " for writing: the file system holding it is mounted read-only"
            + READ_IT,
        facts.get("write-message"));
    assertEquals("2", facts.get("verified"), facts.toString());
  }

  @Test
  void aFullDiskIsNamedEvenWhenOnlyReadingAndTheStoreVerifiesOnceThereIsRoom() throws Exception {
    assumeNamespaces();
    Path small = Files.createDirectory(dir.resolve("small"));
    Path file = small.resolve("store.db");
    Map<String, String> facts =
        TestProcesses.inMountNamespace(
            "mount -t tmpfs -o size=1m tmpfs " + small + withTmpdir(),
            PlacesWorker.class,
            "full-read",
            small.toString());
    String full = "cannot open SQLite store " + file + ": the disk holding " + file + " is full";
    assertEquals("[ballast, store.db]", facts.get("files"), facts.toString());
    assertEquals(full, facts.get("write-message"), facts.toString());
    assertEquals(full, facts.get("read-message"), facts.toString());
    // After the ballast is deleted: the last "open" prints these.
    assertEquals("2", facts.get("write-opened"), facts.toString());
    assertEquals("2", facts.get("verified"), facts.toString());
  }

  private static void writeStore(Path file) {
    try (SqliteBackend db = SqliteBackend.open(file)) {
      WriterLog.ensureSchema(db);
      WriterLog.append(db, "s", "w", new byte[] {1});
      WriterLog.append(db, "s", "w", new byte[] {2});
    }
  }

  /**
   * Runs {@link PlacesWorker} "open" as user nobody, which may write the store file but not the
   * directory. The class path's jars are copied where nobody can read them (the local Maven
   * repository usually sits in root's home), and sqlite-jdbc unpacks its library in a directory
   * nobody owns.
   */
  private Map<String, String> unprivileged(Path ro, Path file) throws Exception {
    Path nobodys = dir.resolve("nobody");
    Path jars = Files.createDirectories(nobodys.resolve("cp"));
    Path nativeDir = Files.createDirectories(nobodys.resolve("native"));
    List<String> classPath = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path path = Path.of(entry);
      if (Files.isRegularFile(path)) {
        Path copy = jars.resolve(classPath.size() + "-" + path.getFileName());
        Files.copy(path, copy, StandardCopyOption.REPLACE_EXISTING);
        classPath.add(copy.toString());
      } else {
        classPath.add(path.toAbsolutePath().toString());
      }
    }
    run("chmod", "-R", "a+rX", dir.toString());
    run("chown", "nobody", file.toString(), nativeDir.toString());
    run("chmod", "555", ro.toString());
    Path log = dir.resolve("child.log");
    // ChildJvm runs: wrapper JAVA-COMMAND… -cp CLASSPATH main args; the wrapper drops root and
    // swaps in the copied class path, and a native-library directory nobody may write.
    List<String> wrapper =
        List.of(
            "bash",
            "-c",
            "natives=$0; cp=$1; shift; args=(); while [ $# -gt 0 ]; do"
                + " if [ \"$1\" = -cp ]; then"
                + " args+=(\"-Dorg.sqlite.tmpdir=$natives\" -cp \"$cp\"); shift 2;"
                + " else args+=(\"$1\"); shift; fi; done;"
                + " exec setpriv --reuid=nobody --regid=nogroup --clear-groups \"${args[@]}\"",
            nativeDir.toString(),
            String.join(File.pathSeparator, classPath));
    try (ChildJvm child = ChildJvm.start(wrapper, PlacesWorker.class, log, "open", ro.toString())) {
      int code = child.await(120);
      assertEquals(0, code, child.output());
      return facts(child.output());
    } finally {
      run("chmod", "755", ro.toString());
    }
  }

  private static Map<String, String> facts(String output) {
    Map<String, String> facts = new LinkedHashMap<>();
    for (String line : output.lines().toList()) {
      int space = line.indexOf(' ');
      facts.put(
          space < 0 ? line : line.substring(0, space), space < 0 ? "" : line.substring(space + 1));
    }
    return facts;
  }

  /** Setup-shell text that adds {@code -Dorg.sqlite.tmpdir} to the java command that follows. */
  private static String withTmpdir() throws IOException {
    Path nativeDir = Path.of(System.getProperty("org.sqlite.tmpdir", "target/sqlite-native"));
    Files.createDirectories(nativeDir);
    return " && java=$1 && shift && set -- \"$java\" -Dorg.sqlite.tmpdir="
        + nativeDir.toAbsolutePath()
        + " \"$@\"";
  }

  private static boolean isRoot() throws Exception {
    Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
    String uid = new String(id.getInputStream().readAllBytes()).strip();
    assertEquals(0, id.waitFor());
    return uid.equals("0");
  }

  private static void run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertEquals(0, process.waitFor(), String.join(" ", command) + ": " + output);
  }

  private static void assumeNamespaces() {
    // Mounting needs root even in a private namespace: impossible elsewhere, CI included.
    assumeTrue(
        TestProcesses.canUseMountNamespaces(),
        "needs root and unshare(1) to mount a private file system; not available here");
  }
}
