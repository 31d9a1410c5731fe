package dev.agentstore.torture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.Backend;
import dev.agentstore.Entry;
import dev.agentstore.WriterLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The heap an {@code appendAll} of large payloads needs: 20 payloads of 8 MiB (160 MiB) in one
 * call, in a child JVM limited to 512 MiB, must succeed. The caller's payloads are 160 MiB, the
 * returned entries hold one copy more; a further copy of every payload would not fit. Every backend
 * runs this.
 */
public abstract class LargeBatchContract {
  static final int COUNT = 20;
  static final int MIB = 8;

  @TempDir protected Path dir;

  /** A fresh, empty store that child JVMs can open too. */
  protected abstract StoreLocation newStoreLocation(Path dir);

  @Test
  void appendAllOfTwentyEightMibPayloadsFitsInAFiveHundredTwelveMibHeap() throws Exception {
    StoreLocation location = newStoreLocation(dir);
    Path policy = ProcessTesting.prepare(dir, location);
    Path nativeDir =
        Files.createDirectories(
            Path.of(System.getProperty("org.sqlite.tmpdir", "target/sqlite-native")));
    String output;
    try (ChildJvm child =
        ChildJvm.startWithOptions(
            List.of("-Xmx512m", "-Dorg.sqlite.tmpdir=" + nativeDir.toAbsolutePath()),
            LargeBatchWorker.class,
            dir.resolve("large.log"),
            policy.toString(),
            Integer.toString(COUNT),
            Integer.toString(MIB))) {
      int exit = child.await(600);
      output = child.output();
      assertEquals(0, exit, "the child failed:\n" + output);
    }
    assertTrue(output.contains("appended " + COUNT + "\n"), output);
    String peak =
        output.lines().filter(l -> l.startsWith("peak-heap-mib ")).findFirst().orElseThrow();
    System.out.println(getClass().getName() + ": " + peak);
    try (Backend db = location.open()) {
      Optional<dev.agentstore.Head> head = WriterLog.verify(db, "big", "w");
      assertEquals(COUNT, head.orElseThrow().seq());
      List<Entry> last = WriterLog.readAfter(db, "big", "w", COUNT - 1, 1);
      assertEquals(MIB * 1024 * 1024, last.get(0).payload().length);
      assertEquals((byte) (COUNT - 1), last.get(0).payload()[12345]);
    }
  }
}
