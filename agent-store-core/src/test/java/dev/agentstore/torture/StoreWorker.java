package dev.agentstore.torture;

import dev.agentstore.Backend;
import dev.agentstore.Entry;
import dev.agentstore.Generation;
import dev.agentstore.StorePolicy;
import dev.agentstore.WriterKey;
import dev.agentstore.WriterLog;
import dev.agentstore.internal.Hex;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The child side of the multi-process tests: opens the store a policy file names and works on it
 * from several threads, writing an acknowledgement line to a side file after every call that
 * returned (it prints {@code appending} after the first one). The parent may kill it at any
 * instant; an acknowledged line is then a promise the store must keep.
 *
 * <p>Arguments: {@code POLICY ACKS MODE THREADS COUNT STREAM WRITER TAG}, where MODE is {@code
 * append}, {@code batch} (appendAll of 1..8 entries), {@code signed-append} and {@code
 * signed-batch} (the same, signed by the key whose seed WRITER gives in hex; the chain's writer is
 * its fingerprint) or {@code bump}. Ack lines: {@code a SEQ HASH} for an append, {@code b FIRST
 * LAST} for a batch, {@code g VALUE} for a bump.
 */
public final class StoreWorker {
  private static final java.util.concurrent.atomic.AtomicBoolean STARTED =
      new java.util.concurrent.atomic.AtomicBoolean();

  private StoreWorker() {}

  public static void main(String[] args) throws Exception {
    Path policy = Path.of(args[0]);
    Path acks = Path.of(args[1]);
    String mode = args[2];
    int threads = Integer.parseInt(args[3]);
    int count = Integer.parseInt(args[4]);
    String stream = args[5];
    String writer = args[6];
    String tag = args[7];
    try (Backend db = StorePolicy.read(policy).open();
        OutputStream ackOut = new FileOutputStream(acks.toFile(), true)) {
      System.out.println("ready");
      System.out.flush();
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  work(db, ackOut, mode, count, stream, writer, tag + "-" + thread);
                  return null;
                }));
      }
      for (Future<?> future : futures) {
        future.get();
      }
      pool.shutdown();
    }
    System.out.println("done");
  }

  private static void work(
      Backend db,
      OutputStream acks,
      String mode,
      int count,
      String stream,
      String writer,
      String who)
      throws IOException {
    Generation generation = new Generation(stream);
    for (int i = 0; i < count; i++) {
      switch (mode) {
        case "append" -> {
          Entry entry = WriterLog.append(db, stream, writer, payload(who, i, 0, 1));
          ack(acks, "a " + entry.seq() + " " + entry.contentHashHex());
        }
        case "batch" -> {
          int size = 1 + (i % 8);
          List<byte[]> payloads = new ArrayList<>();
          for (int k = 0; k < size; k++) {
            payloads.add(payload(who, i, k, size));
          }
          List<Entry> entries = WriterLog.appendAll(db, stream, writer, payloads);
          ack(acks, "b " + entries.get(0).seq() + " " + entries.get(size - 1).seq());
        }
        case "signed-append" -> {
          Entry entry = WriterLog.append(db, stream, key(writer), payload(who, i, 0, 1));
          ack(acks, "a " + entry.seq() + " " + entry.contentHashHex());
        }
        case "signed-batch" -> {
          int size = 1 + (i % 8);
          List<byte[]> payloads = new ArrayList<>();
          for (int k = 0; k < size; k++) {
            payloads.add(payload(who, i, k, size));
          }
          List<Entry> entries = WriterLog.appendAll(db, stream, key(writer), payloads);
          ack(acks, "b " + entries.get(0).seq() + " " + entries.get(size - 1).seq());
        }
        case "bump" -> ack(acks, "g " + generation.bump(db));
        default -> throw new IllegalArgumentException("unknown mode " + mode);
      }
    }
  }

  /** The key of the signed modes, whose WRITER argument is its seed in hex. */
  private static WriterKey key(String seedHex) {
    return WriterKey.fromSeed(Hex.decode(seedHex));
  }

  /** A unique payload that names its batch, so a torn batch can be recognised. */
  static byte[] payload(String who, int call, int index, int size) {
    return (who + "/" + call + "/" + index + "/" + size).getBytes(StandardCharsets.UTF_8);
  }

  private static void ack(OutputStream acks, String line) throws IOException {
    byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
    // One write(2) per line: a process killed afterwards has handed the line to the kernel.
    synchronized (acks) {
      acks.write(bytes);
      acks.flush();
    }
    if (STARTED.compareAndSet(false, true)) {
      System.out.println("appending");
      System.out.flush();
    }
  }
}
