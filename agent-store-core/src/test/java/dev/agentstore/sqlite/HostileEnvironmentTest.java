package dev.agentstore.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.agentstore.Generation;
import dev.agentstore.StoreBusyException;
import dev.agentstore.WriterLog;
import dev.agentstore.torture.ChildJvm;
import dev.agentstore.torture.HostileWorker;
import dev.agentstore.torture.TestProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full file system, a read-only directory and a store locked by another process: each refused
 * with a clear error, nothing committed is lost. The file-system cases run in a child JVM inside a
 * private mount namespace (root and {@code unshare} needed; skipped with the reason otherwise), so
 * no mount is ever visible outside the test.
 */
class HostileEnvironmentTest {
  @TempDir Path dir;

  @Test
  void fullFileSystemFailsTheAppendClearlyAndLosesNothing() throws Exception {
    assumeNamespaces();
    Path mount = Files.createDirectory(dir.resolve("small"));
    Map<String, String> facts =
        TestProcesses.inMountNamespace(
            "mount -t tmpfs -o size=3m tmpfs " + mount,
            HostileWorker.class,
            "fill",
            mount.toString());
    assertTrue(!facts.containsKey("never-full"), facts.toString());
    assertTrue(Long.parseLong(facts.get("acked")) > 0, facts.toString());
    assertTrue(facts.get("message").contains("fill/w"), facts.get("message"));
    assertTrue(facts.get("message").toLowerCase().contains("full"), facts.get("message"));
    long acked = Long.parseLong(facts.get("acked"));
    assertEquals(acked + 1, Long.parseLong(facts.get("after-free")), facts.toString());
    assertEquals(acked + 1, Long.parseLong(facts.get("verified")), facts.toString());
  }

  @Test
  void readOnlyDirectoryIsRefusedForWritingAndStillReadable() throws Exception {
    assumeNamespaces();
    Path store = Files.createDirectory(dir.resolve("ro"));
    try (SqliteBackend db = SqliteBackend.open(store.resolve("store.db"))) {
      WriterLog.ensureSchema(db);
      Generation.ensureSchema(db);
      WriterLog.appendAll(db, "ro", "w", List.of(new byte[] {1}, new byte[] {2}));
      new Generation("ro").set(db, 5);
    }
    Map<String, String> facts =
        TestProcesses.inMountNamespace(
            "mount --bind " + store + " " + store + " && mount -o remount,ro,bind " + store,
            HostileWorker.class,
            "readonly",
            store.toString());
    assertEquals("ReadOnlyStoreException", facts.get("failure"), facts.toString());
    assertTrue(facts.get("message").contains(store.toString()), facts.get("message"));
    assertEquals("2", facts.get("verified"), facts.toString());
    assertEquals("5", facts.get("generation"), facts.toString());
  }

  @Test
  void storeLockedExclusivelyByAnotherProcessGivesBusyAndStaysIntact() throws Exception {
    Path file = dir.resolve("store.db");
    try (SqliteBackend db = SqliteBackend.open(file)) {
      WriterLog.ensureSchema(db);
      Generation.ensureSchema(db);
      WriterLog.append(db, "locked", "w", new byte[] {1});
    }
    try (ChildJvm holder =
        ChildJvm.start(HostileWorker.class, dir.resolve("lock.log"), "lock", dir.toString())) {
      holder.awaitLine("locked", 60);
      SqliteOptions impatient = SqliteOptions.defaults().withBusyTimeout(Duration.ofMillis(300));
      StoreBusyException e =
          assertThrows(
              StoreBusyException.class,
              () -> {
                try (SqliteBackend db = SqliteBackend.open(file, impatient)) {
                  WriterLog.append(db, "locked", "w", new byte[] {2});
                }
              });
      assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }
    try (SqliteBackend db = SqliteBackend.open(file)) {
      assertEquals(1, WriterLog.verify(db, "locked", "w").orElseThrow().seq());
      assertEquals(
          0, new Generation("held").current(db), "the holder's transaction never committed");
      assertEquals(2, WriterLog.append(db, "locked", "w", new byte[] {2}).seq());
    }
  }

  private static void assumeNamespaces() {
    assumeTrue(
        TestProcesses.canUseMountNamespaces(),
        "needs root and unshare(1) to mount a private file system; not available here");
  }
}
