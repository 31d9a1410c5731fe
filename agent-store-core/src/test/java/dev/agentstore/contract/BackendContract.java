package dev.agentstore.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.Backend;
import dev.agentstore.CommitEvent;
import dev.agentstore.Dialect;
import dev.agentstore.Doorbell;
import dev.agentstore.Entry;
import dev.agentstore.Generation;
import dev.agentstore.Head;
import dev.agentstore.WriterLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.bouncycastle.crypto.digests.Blake3Digest;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The base of every contract class: gives each test a fresh store ({@link #store}), closes every
 * backend and thread pool the test made, and holds the helpers the contracts share. Hashes are
 * computed here independently of the library, with BouncyCastle's BLAKE3.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
public abstract class BackendContract implements BackendUnderTest {
  /** The bound on every wait for another thread; reaching it fails the test. */
  protected static final long WAIT_SECONDS = 100;

  @TempDir private Path tempDir;

  private final List<Backend> backends = new ArrayList<>();
  private final List<ExecutorService> pools = new ArrayList<>();

  /** A fresh store with both tables, opened for every test. */
  protected Backend store;

  @BeforeEach
  void openStore() {
    store = open();
  }

  @AfterEach
  void closeEverything() throws InterruptedException {
    for (ExecutorService pool : pools) {
      pool.shutdownNow();
    }
    for (ExecutorService pool : pools) {
      assertTrue(
          pool.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS), "a test thread did not stop");
    }
    for (Backend backend : backends) {
      backend.close();
    }
  }

  @Override
  public final Path tempDir() {
    return tempDir;
  }

  /** A new backend on a fresh store, with both tables, closed after the test. */
  protected final Backend open() {
    return withSchema(newBackend());
  }

  /** A second backend on the store of {@code existing}, with both tables, closed after the test. */
  protected final Backend openSameStore(Backend existing) {
    return withSchema(newBackendOnSameStore(existing));
  }

  private Backend withSchema(Backend backend) {
    backends.add(backend);
    Generation.ensureSchema(backend);
    WriterLog.ensureSchema(backend);
    return backend;
  }

  /** A pool of {@code threads} threads, stopped after the test. */
  protected final ExecutorService threads(int threads) {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    pools.add(pool);
    return pool;
  }

  /**
   * The result of {@code future}, waiting at most {@link #WAIT_SECONDS}. A failure of the task is
   * rethrown as it was thrown (wrapped only when it is a checked exception).
   */
  protected static <T> T await(Future<T> future) {
    try {
      return future.get(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw new AssertionError("the task failed", cause);
    } catch (TimeoutException e) {
      throw new AssertionError("no result within " + WAIT_SECONDS + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting", e);
    }
  }

  /** Every result of {@code futures}, in order. */
  protected static <T> List<T> awaitAll(List<Future<T>> futures) {
    List<T> results = new ArrayList<>();
    for (Future<T> future : futures) {
      results.add(await(future));
    }
    return results;
  }

  // ---------------------------------------------------------------- data and hashes

  protected static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** BLAKE3 (plain hash mode, 32 bytes) of the concatenation of {@code parts}. */
  protected static byte[] blake3(byte[]... parts) {
    Blake3Digest digest = new Blake3Digest(256);
    for (byte[] part : parts) {
      digest.update(part, 0, part.length);
    }
    byte[] out = new byte[32];
    digest.doFinal(out, 0);
    return out;
  }

  /** The content hash an entry must have: {@code BLAKE3(prev_hash || payload)}. */
  protected static byte[] expectedHash(byte @Nullable [] prevHash, byte[] payload) {
    return prevHash != null ? blake3(prevHash, payload) : blake3(payload);
  }

  /** The payload {@link #appendMany} writes as entry {@code i} (from 1). */
  protected static byte[] payloadOf(String stream, String writer, long i) {
    return utf8(stream + "/" + writer + " #" + i);
  }

  /** Appends {@code count} entries, one transaction each, with {@link #payloadOf} payloads. */
  protected static List<Entry> appendMany(
      Backend backend, String stream, String writer, int count) {
    long first = WriterLog.head(backend, stream, writer).map(Entry::seq).orElse(0L) + 1;
    List<Entry> entries = new ArrayList<>();
    for (long i = first; i < first + count; i++) {
      entries.add(WriterLog.append(backend, stream, writer, payloadOf(stream, writer, i)));
    }
    return entries;
  }

  /** Appends {@code count} entries in batches of {@code batch}, for long chains. */
  protected static void appendBatches(
      Backend backend, String stream, String writer, int count, int batch) {
    long next = WriterLog.head(backend, stream, writer).map(Entry::seq).orElse(0L) + 1;
    long end = next + count;
    while (next < end) {
      List<byte[]> payloads = new ArrayList<>();
      for (int i = 0; i < batch && next < end; i++, next++) {
        payloads.add(payloadOf(stream, writer, next));
      }
      WriterLog.appendAll(backend, stream, writer, payloads);
    }
  }

  /**
   * Checks {@code entries} independently of the library: seqs {@code 1..n} in order, NULL prev_hash
   * only at seq 1, every link and every content hash right.
   */
  protected static void assertValidChain(List<Entry> entries) {
    byte[] prev = null;
    for (int i = 0; i < entries.size(); i++) {
      Entry entry = entries.get(i);
      assertEquals(i + 1, entry.seq(), "seqs must be contiguous from 1");
      if (prev == null) {
        assertFalse(entry.hasPrev(), "seq 1 has no prev_hash");
      } else {
        assertArrayEquals(prev, entry.prevHash(), "link at seq " + entry.seq());
      }
      assertArrayEquals(
          expectedHash(entry.prevHash(), entry.payload()),
          entry.contentHash(),
          "content hash at seq " + entry.seq());
      prev = entry.contentHash();
    }
  }

  /**
   * Checks the stored chain of {@code (stream, writer)} independently and with {@link
   * WriterLog#verify}: {@code length} entries, all valid, and verify returns the head.
   */
  protected static List<Entry> assertStoredChain(
      Backend backend, String stream, String writer, long length) {
    List<Entry> entries;
    try (Stream<Entry> all = WriterLog.entries(backend, stream, writer)) {
      entries = all.toList();
    }
    assertEquals(length, entries.size(), "entries of " + stream + "/" + writer);
    assertValidChain(entries);
    Optional<Head> verified = WriterLog.verify(backend, stream, writer);
    if (length == 0) {
      assertEquals(Optional.empty(), verified);
    } else {
      assertEquals(Optional.of(entries.get(entries.size() - 1).toHead()), verified);
    }
    return entries;
  }

  /** The type of a blob column in the consumer's own tables on {@code backend}. */
  protected static String blobType(Backend backend) {
    return backend.dialect() == Dialect.POSTGRES ? "BYTEA" : "BLOB";
  }

  /** Removes digit grouping ("16,777,216" becomes "16777216") so sizes can be looked for. */
  protected static String ungrouped(String message) {
    return message.replaceAll("(?<=\\d)[,.'_\\u00a0\\u202f](?=\\d)", "");
  }

  /** Records every ring of a doorbell until closed, optionally doing more on each ring. */
  protected static final class Rings implements AutoCloseable {
    private final List<CommitEvent> events = new CopyOnWriteArrayList<>();
    private final Doorbell.Subscription subscription;

    public Rings(Doorbell doorbell) {
      this(doorbell, event -> {});
    }

    public Rings(Doorbell doorbell, Consumer<CommitEvent> alsoOnRing) {
      subscription =
          doorbell.subscribe(
              event -> {
                events.add(event);
                alsoOnRing.accept(event);
              });
    }

    /** The events rung so far, in order. */
    public List<CommitEvent> events() {
      return List.copyOf(events);
    }

    @Override
    public void close() {
      subscription.close();
    }
  }
}
