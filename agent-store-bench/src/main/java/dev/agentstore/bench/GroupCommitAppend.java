package dev.agentstore.bench;

import static dev.agentstore.bench.Payloads.STREAM;

import dev.agentstore.Backend;
import dev.agentstore.WriterKey;
import dev.agentstore.WriterLog;
import dev.agentstore.internal.EntrySignatures;
import dev.agentstore.internal.JdbcBackend;
import dev.agentstore.internal.LogOps;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit on a SQLite file: 1, 8 and 32 threads append 256-byte entries, each to its own chain
 * ({@code own}) or all to one ({@code same}), with {@code synchronous=NORMAL} and {@code FULL}.
 * Three sides take turns in blocks within one run, so that a drifting disk weighs on all alike:
 * {@code ours} (one shared backend, group commit on), {@code today} (the same with {@code
 * -Dagentstore.sqlite.groupCommit=false}: every append its own commit) and {@code raw} (the
 * hand-written baseline: one connection under a lock, one transaction per append: {@code BEGIN
 * IMMEDIATE}, head {@code SELECT}, {@code INSERT}, {@code COMMIT}). Each append is timed for the
 * p50 and p99 latency. A fourth side, {@code ceiling}, is the most any group commit can reach: one
 * thread writing one append for every thread's writer per transaction, with no thread to wake. Two
 * more rows sign: 8 threads, each appending with a key of its own (ours and today sign; raw and
 * ceiling stay the unsigned baseline); {@link #signedReport} runs the signed rows alone, with one
 * key for all threads too, and counts the signatures made again. PostgreSQL rows (when the server
 * answers) take as baseline a connection per thread, each append its own transaction under the
 * chain's advisory lock.
 *
 * <p>Not a JMH benchmark: the threads of a block start together and every append's latency is kept,
 * which JMH's throughput mode does not give.
 */
final class GroupCommitAppend {
  private GroupCommitAppend() {}

  /**
   * Appends per thread in one block: 3,200 appends in all with 8 or 32 threads (about 50 ms on a
   * 2-core machine: shorter blocks measured the start of their threads as much as the appends),
   * 1,600 for one thread, whose target (unchanged within 5 %) needs the finer figure.
   */
  private static int block(int threads) {
    return threads == 1 ? 1600 : threads == 8 ? 400 : 100;
  }

  private static final int ROUNDS = 12;

  /** The durability column's value for the PostgreSQL rows (the server's own settings). */
  static final String POSTGRES = "PostgreSQL";

  /** The side that writes every thread's append in one transaction from one thread. */
  private static final int CEILING = 3;

  private static final int WARMUP_ROUNDS = 3;

  /** One side's counts over the measured rounds. */
  private static final class Side {
    long nanos;
    long appends;
    long errors;
    final LongAdder signatures = new LongAdder();
    final List<long[]> latencies = new ArrayList<>();

    /** Of the appends' signatures, the share made again by the writing thread (head moved). */
    double signedAgain() {
      return (signatures.sum() - appends) / (double) appends;
    }

    double rate() {
      return appends / (nanos / 1e9);
    }

    double percentile(double p) {
      int total = latencies.stream().mapToInt(a -> a.length).sum();
      long[] all = new long[total];
      int at = 0;
      for (long[] part : latencies) {
        System.arraycopy(part, 0, all, at, part.length);
        at += part.length;
      }
      Arrays.sort(all);
      return all.length == 0 ? Double.NaN : all[(int) Math.min(all.length - 1, p * all.length)];
    }
  }

  /** One configuration's result. */
  record Result(
      String durability,
      int threads,
      boolean sameWriter,
      double ours,
      double today,
      double raw,
      double ceiling,
      double oursP50,
      double oursP99,
      double rawP50,
      double rawP99,
      long errors,
      double oursSignedAgain,
      double todaySignedAgain) {}

  /** Runs every configuration and appends its rows to {@code md} and {@code json}. */
  static void report(
      StringBuilder md, List<Map<String, Object>> json, double loadBefore, boolean postgres)
      throws Exception {
    md.append(
        "| group commit: workload | ours /s | today /s | raw /s | ceiling /s | ours÷raw |"
            + " ours÷today | ours÷ceiling | ours p50 / p99 µs | raw p50 / p99 µs | errors | target"
            + " | met |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    List<Config> configs = new ArrayList<>();
    for (String durability : List.of("NORMAL", "FULL")) {
      for (boolean same : List.of(false, true)) {
        for (int threads : List.of(1, 8, 32)) {
          if (!same || threads > 1) {
            configs.add(new Config(durability, threads, same, false));
          }
        }
      }
    }
    for (String durability : List.of("NORMAL", "FULL")) {
      configs.add(new Config(durability, 8, false, true));
    }
    if (postgres) {
      for (int threads : List.of(1, 8, 32)) {
        configs.add(new Config(POSTGRES, threads, false, false));
      }
      configs.add(new Config(POSTGRES, 8, true, false));
      configs.add(new Config(POSTGRES, 8, false, true));
      configs.add(new Config(POSTGRES, 8, true, true));
    }
    for (Config config : configs) {
      String durability = config.durability();
      int threads = config.threads();
      boolean same = config.same();
      Result r = run(durability, threads, same, config.signed());
      double ratio = r.ours() / r.raw();
      double vsToday = r.ours() / r.today();
      double target =
          config.signed() || POSTGRES.equals(durability)
              ? Double.NaN
              : target(durability, threads, same);
      boolean met =
          r.errors() == 0
              && (threads == 1 ? vsToday >= 0.95 : Double.isNaN(target) || ratio >= target);
      String targetText =
          threads == 1
              ? ">= 0.95 of today"
              : Double.isNaN(target) ? "—" : String.format(Locale.ROOT, ">= %.1f", target);
      String workload =
          String.format(
              Locale.ROOT,
              "%d thread%s, %s, %s%s",
              threads,
              threads == 1 ? "" : "s",
              same ? "same writer" : "own writers",
              config.signed() ? "signed, " : "",
              durability);
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %,.0f | %,.0f | %,.0f | %,.0f | %.2f | %.2f | %.2f | %.0f / %.0f |"
                  + " %.0f / %.0f | %d | %s | %s |%n",
              workload,
              r.ours(),
              r.today(),
              r.raw(),
              r.ceiling(),
              ratio,
              vsToday,
              r.ours() / r.ceiling(),
              r.oursP50() / 1e3,
              r.oursP99() / 1e3,
              r.rawP50() / 1e3,
              r.rawP99() / 1e3,
              r.errors(),
              targetText,
              met ? "yes" : "**no**"));
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("workload", "group commit, " + workload);
      entry.put("ours", r.ours());
      entry.put("today", r.today());
      entry.put("raw", r.raw());
      entry.put("ceiling", r.ceiling());
      entry.put("ratio", ratio);
      entry.put("ratio_vs_today", vsToday);
      entry.put("ours_p50_us", r.oursP50() / 1e3);
      entry.put("ours_p99_us", r.oursP99() / 1e3);
      entry.put("raw_p50_us", r.rawP50() / 1e3);
      entry.put("raw_p99_us", r.rawP99() / 1e3);
      entry.put("errors", r.errors());
      entry.put("met", met);
      json.add(entry);
      System.err.println("bench: group commit " + workload + " done");
    }
  }

  /**
   * The signed rows alone, for {@code --only "signed append"}: 8 threads signing, each with a key
   * of its own ({@code own writers}) or all with one key ({@code same writer}), NORMAL and FULL.
   * {@code ours} signs with group commit, {@code today} signs with group commit off, {@code raw} is
   * the unsigned hand-written baseline. {@code signed again} is the share of appends whose
   * signature was made a second time by the writing thread because the head it was signed ahead on
   * had moved.
   */
  static void signedReport(StringBuilder md, List<Map<String, Object>> json) throws Exception {
    md.append(
        "\n| signed append, 8 threads: workload | ours (grouped) /s | today (not grouped) /s |"
            + " raw unsigned /s | ours÷raw | ours÷today | ours p50 / p99 µs | signed again:"
            + " ours / today | errors |\n");
    md.append("|---|---|---|---|---|---|---|---|---|\n");
    for (String durability : List.of("NORMAL", "FULL")) {
      for (boolean same : List.of(false, true)) {
        Result r = run(durability, 8, same, true);
        String workload =
            String.format(
                Locale.ROOT,
                "signed append, 8 threads, %s, %s",
                same ? "same writer" : "own writers",
                durability);
        md.append(
            String.format(
                Locale.ROOT,
                "| %s | %,.0f | %,.0f | %,.0f | %.2f | %.2f | %.0f / %.0f | %.1f%% / %.1f%% | %d"
                    + " |%n",
                workload,
                r.ours(),
                r.today(),
                r.raw(),
                r.ours() / r.raw(),
                r.ours() / r.today(),
                r.oursP50() / 1e3,
                r.oursP99() / 1e3,
                100 * r.oursSignedAgain(),
                100 * r.todaySignedAgain(),
                r.errors()));
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("workload", workload);
        entry.put("ours", r.ours());
        entry.put("today", r.today());
        entry.put("raw", r.raw());
        entry.put("ratio", r.ours() / r.raw());
        entry.put("ratio_vs_today", r.ours() / r.today());
        entry.put("ours_p50_us", r.oursP50() / 1e3);
        entry.put("ours_p99_us", r.oursP99() / 1e3);
        entry.put("ours_signed_again", r.oursSignedAgain());
        entry.put("today_signed_again", r.todaySignedAgain());
        entry.put("errors", r.errors());
        json.add(entry);
        System.err.println("bench: " + workload + " done");
      }
    }
  }

  /**
   * One row: {@code signed} appends sign with a key per thread (ours and today; raw and ceiling
   * stay unsigned, the baseline of the unsigned rows).
   */
  private record Config(String durability, int threads, boolean same, boolean signed) {}

  /** The targets: ours ÷ raw, NaN where none is set. */
  private static double target(String durability, int threads, boolean same) {
    if (threads != 8) {
      return Double.NaN;
    }
    if (same) {
      return 1.5;
    }
    return "FULL".equals(durability) ? 3.0 : 1.5;
  }

  static Result run(String durability, int threads, boolean same, boolean signed) throws Exception {
    boolean postgres = POSTGRES.equals(durability);
    String kind =
        postgres
            ? Stores.POSTGRES
            : "FULL".equals(durability) ? Stores.SQLITE_FILE_FULL : Stores.SQLITE_FILE;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (Stores oursPlace = new Stores(kind);
        Stores todayPlace = new Stores(kind);
        Stores rawPlace = new Stores(kind);
        Stores ceilingPlace = new Stores(kind)) {
      Backend ours = oursPlace.openOurs();
      Backend today;
      System.setProperty("agentstore.sqlite.groupCommit", "false");
      System.setProperty("agentstore.postgres.groupCommit", "false");
      try {
        today = todayPlace.openOurs();
      } finally {
        System.clearProperty("agentstore.sqlite.groupCommit");
        System.clearProperty("agentstore.postgres.groupCommit");
      }
      RawLog raw = rawPlace.openRaw();
      // On PostgreSQL the baseline is a connection per thread, each append its own transaction
      // under the chain's advisory lock, as a careful hand-written appender of a fleet would do.
      RawLog[] rawPerThread = new RawLog[postgres ? threads : 0];
      for (int t = 0; t < rawPerThread.length; t++) {
        rawPerThread[t] = rawPlace.openRaw();
      }
      RawLog ceiling = ceilingPlace.openRaw();
      ReentrantLock rawLock = new ReentrantLock();
      byte[] payload = Payloads.random(Payloads.SIZE, 7);
      WriterKey[] keys = new WriterKey[signed ? threads : 0];
      WriterKey sharedKey = WriterKey.generate();
      for (int t = 0; t < keys.length; t++) {
        keys[t] = same ? sharedKey : WriterKey.generate();
      }
      Side[] sides = {new Side(), new Side(), new Side(), new Side()};
      long[] n = {0};
      try {
        for (int round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
          boolean measured = round >= WARMUP_ROUNDS;
          // Rotate the order of the sides from round to round.
          for (int k = 0; k < sides.length; k++) {
            int side = (k + round) % sides.length;
            Side into = measured ? sides[side] : new Side();
            if (side == CEILING) {
              ceilingBlock(threads, same, ceiling, payload, n, into);
            } else {
              block(
                  pool,
                  threads,
                  same,
                  keys,
                  side,
                  ours,
                  today,
                  raw,
                  rawPerThread,
                  rawLock,
                  payload,
                  n,
                  into);
            }
          }
        }
      } finally {
        ours.close();
        today.close();
        raw.close();
        for (RawLog each : rawPerThread) {
          each.close();
        }
        ceiling.close();
      }
      return new Result(
          durability,
          threads,
          same,
          sides[0].rate(),
          sides[1].rate(),
          sides[2].rate(),
          sides[3].rate(),
          sides[0].percentile(0.50),
          sides[0].percentile(0.99),
          sides[2].percentile(0.50),
          sides[2].percentile(0.99),
          sides[0].errors + sides[1].errors + sides[2].errors,
          signed ? sides[0].signedAgain() : Double.NaN,
          signed ? sides[1].signedAgain() : Double.NaN);
    } finally {
      pool.shutdown();
    }
  }

  /**
   * The ceiling side: one thread writes, {@code threads} appends (one per thread's writer) per
   * transaction, what a group commit that always gathered every thread would write, without waking
   * anyone. No latencies: an append's wait is the whole transaction's.
   */
  private static void ceilingBlock(
      int threads, boolean same, RawLog ceiling, byte[] payload, long[] n, Side into) {
    int perThread = block(threads);
    List<String> writers = new ArrayList<>(threads);
    for (int t = 0; t < threads; t++) {
      writers.add(same ? "shared" : "w" + t);
    }
    long start = System.nanoTime();
    try {
      for (int i = 0; i < perThread; i++) {
        ceiling.appendGroupInTransaction(STREAM, writers, Payloads.stamp(payload, n[0] + i));
      }
      into.appends += (long) threads * perThread;
    } catch (SQLException e) {
      into.errors++;
    }
    into.nanos += System.nanoTime() - start;
    n[0] += (long) threads * perThread;
  }

  /** {@code key} as a signer that counts its signatures into {@code count}. */
  private static EntrySignatures.Signer counting(WriterKey key, LongAdder count) {
    byte[] publicKey = key.publicKeyBytes();
    return new EntrySignatures.Signer() {
      @Override
      public byte[] publicKey() {
        return publicKey;
      }

      @Override
      public byte[] sign(byte[] message) {
        count.increment();
        return key.sign(message);
      }
    };
  }

  private static void block(
      ExecutorService pool,
      int threads,
      boolean same,
      WriterKey[] keys,
      int side,
      Backend ours,
      Backend today,
      RawLog raw,
      RawLog[] rawPerThread,
      ReentrantLock rawLock,
      byte[] payload,
      long[] n,
      Side into)
      throws InterruptedException {
    int perThread = block(threads);
    List<Callable<long[]>> tasks = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      String writer = same ? "shared" : "w" + t;
      int thread = t;
      long from = n[0] + (long) t * perThread;
      WriterKey key = keys.length > 0 ? keys[t] : null;
      String signedWriter = key == null ? writer : key.fingerprint().toHex();
      EntrySignatures.Signer signer = key == null ? null : counting(key, into.signatures);
      tasks.add(
          () -> {
            long[] latencies = new long[perThread];
            for (int i = 0; i < perThread; i++) {
              byte[] entry = Payloads.stamp(payload, from + i);
              long start = System.nanoTime();
              if (side == 2 && rawPerThread.length > 0) {
                try {
                  rawPerThread[thread].appendLocked(
                      STREAM, writer, (STREAM + "/" + writer).hashCode(), entry);
                } catch (SQLException e) {
                  throw new IllegalStateException(e);
                }
              } else if (side == 2) {
                rawLock.lock();
                try {
                  raw.appendInTransaction(STREAM, writer, entry);
                } catch (SQLException e) {
                  throw new IllegalStateException(e);
                } finally {
                  rawLock.unlock();
                }
              } else if (keys.length > 0) {
                // As WriterLog.append(db, stream, key, payload) does, with a signer that counts.
                LogOps.append(
                    JdbcBackend.of(side == 0 ? ours : today),
                    STREAM,
                    signedWriter,
                    List.of(entry),
                    OptionalLong.empty(),
                    Objects.requireNonNull(signer));
              } else {
                WriterLog.append(side == 0 ? ours : today, STREAM, writer, entry);
              }
              latencies[i] = System.nanoTime() - start;
            }
            return latencies;
          });
    }
    n[0] += (long) threads * perThread;
    long start = System.nanoTime();
    List<Future<long[]>> done = pool.invokeAll(tasks);
    into.nanos += System.nanoTime() - start;
    for (Future<long[]> future : done) {
      try {
        into.latencies.add(future.get());
        into.appends += perThread;
      } catch (ExecutionException e) {
        into.errors++;
      }
    }
  }
}
