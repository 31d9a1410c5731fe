package dev.agentstore.torture;

import dev.agentstore.Backend;
import dev.agentstore.Entry;
import dev.agentstore.StorePolicy;
import dev.agentstore.WriterLog;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Child JVM: appends {@code count} payloads of {@code mib} MiB each with one {@code appendAll},
 * then prints the peak heap in use ("peak-heap-mib N": the largest of the sums, over every
 * collection, of each heap pool's peak) and "done". Exits 1, with the error, when the call fails.
 */
public final class LargeBatchWorker {
  private LargeBatchWorker() {}

  public static void main(String[] args) throws Exception {
    Path policy = Path.of(args[0]);
    int count = Integer.parseInt(args[1]);
    int mib = Integer.parseInt(args[2]);
    try (Backend db = StorePolicy.read(policy).open()) {
      WriterLog.ensureSchema(db);
      List<byte[]> payloads = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        byte[] payload = new byte[mib * 1024 * 1024];
        Arrays.fill(payload, (byte) i);
        payloads.add(payload);
      }
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        pool.resetPeakUsage();
      }
      List<Entry> entries = WriterLog.appendAll(db, "big", "w", payloads);
      long peak = 0;
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        if (pool.getType() == MemoryType.HEAP) {
          peak += pool.getPeakUsage().getUsed();
        }
      }
      System.out.println("appended " + entries.size());
      System.out.println("peak-heap-mib " + peak / (1024 * 1024));
      System.out.println("done");
    } catch (Throwable e) {
      e.printStackTrace(System.out);
      System.out.flush();
      System.exit(1);
    }
  }
}
