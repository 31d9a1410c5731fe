package dev.agentstore.cli;

import dev.agentstore.ChainBrokenException;
import dev.agentstore.Checkpoint;
import dev.agentstore.DamagedStoreException;
import dev.agentstore.Head;
import dev.agentstore.InvalidInputException;
import dev.agentstore.VerifyOptions;
import dev.agentstore.WriterLog;
import dev.agentstore.WriterPublicKey;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Verifies every chain of a store, or the selected ones, and says where each one breaks. */
@Command(
    name = "verify",
    customSynopsis = {"agent-store verify [OPTIONS] (STORE | --policy FILE)"},
    header = "Verifies every chain and names where a broken one breaks.",
    mixinStandardHelpOptions = true,
    description = {
      "Verifies every chain of the store (or those selected): seqs contiguous from 1, every"
          + " prev_hash the previous entry's content_hash, every content_hash"
          + " BLAKE3(prev_hash || payload), every hash 32 bytes.",
      "Prints a table of chains and a summary; a broken chain is named with its first broken"
          + " seq and the reason. A progress line is drawn on stderr for long runs when stderr is a"
          + " terminal (see --progress).",
      "On SQLite, first checks the file itself (PRAGMA integrity_check): a damaged page or an"
          + " index that lost rows can hide the end of a chain from every read, so a damaged"
          + " store is reported as DAMAGED and its chains are not verified."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:every chain verified is intact",
      "1:at least one chain is broken, or the storage is damaged, or (--against) a chain does"
          + " not extend the checkpoint or its signature is bad or untrusted",
      "2:usage error (unknown option, no such stream or writer, ...)",
      "3:the store cannot be opened"
    },
    footer = {
      "",
      "Examples:",
      "  agent-store verify agents.db",
      "  agent-store verify agents.db --stream conv:demo --writer alice",
      "  agent-store verify agents.db --no-storage-check",
      "  agent-store verify 'jdbc:postgresql://db/fleet?user=agent' --schema fleet",
      "  agent-store verify --policy agent.toml",
      "  agent-store verify agents.db --against /backup/cp.json --trust witness.key.pub",
      "  agent-store verify agents.db --against nats://127.0.0.1:4222 --trust witness.key.pub",
      "  agent-store verify agents.db --against 'postgresql://witness-host/witness?user=w'"
          + " --trust witness.key.pub",
      "  agent-store verify agents.db --require-signatures"
    })
final class VerifyCommand implements Callable<Integer> {
  /** The check {@link WriterLog#checkStorage} runs on SQLite. */
  private static final String CHECK = "PRAGMA integrity_check";

  /** How many of the check's problems the text output lists. */
  private static final int SHOWN = 10;

  @Spec CommandSpec spec;

  @Mixin StoreArgs storeArgs;

  @Mixin ProgressOptions progressOptions;

  @Option(names = "--stream", paramLabel = "S", description = "Verify only this stream's chains.")
  @Nullable String stream;

  @Option(names = "--writer", paramLabel = "W", description = "Verify only this writer's chains.")
  @Nullable String writer;

  @Option(
      names = "--json",
      description = "Print the result as JSON (see docs/commands.md for its shape).")
  boolean json;

  @Option(
      names = "--no-storage-check",
      description =
          "Skip the check of the SQLite file itself (PRAGMA integrity_check, which reads the"
              + " whole file): faster, but an index that lost rows then goes unseen.")
  boolean noStorageCheck;

  @Option(
      names = "--require-signatures",
      description =
          "Treat an unsigned entry of a writer named by a key fingerprint as a break (signatures"
              + " present are always checked).")
  boolean requireSignatures;

  @Option(
      names = "--against",
      paramLabel = "CP.json|URL",
      description =
          "Also check the store against this checkpoint (agent-store checkpoint): a file, or the"
              + " latest one on NATS (nats://host:port) or in a witness database"
              + " (postgresql://...); every chain it names must still hold its recorded head;"
              + " needs --trust.")
  @Nullable String against;

  @Option(
      names = "--checkpoint-name",
      paramLabel = "NAME",
      description =
          "With --against nats:// or postgresql://: the name the checkpoints are kept under"
              + " (default: the store's description, as 'info' shows it).")
  @Nullable String checkpointName;

  @Option(
      names = "--trust",
      paramLabel = "KEY.pub",
      description = "A public key whose checkpoints are trusted (repeatable).")
  List<Path> trust = new ArrayList<>();

  /** What the storage check found. */
  private record Storage(
      String status,
      @Nullable String check,
      List<String> problems,
      boolean stoppedEarly,
      String message) {
    static Storage skipped() {
      return new Storage("skipped", null, List.of(), false, "not checked (--no-storage-check)");
    }

    boolean damaged() {
      return status.equals("damaged");
    }
  }

  /** What verification found for one chain. */
  private record Verdict(
      Store.Chain chain, @Nullable Head head, @Nullable ChainBrokenException broken, String error) {
    boolean intact() {
      return broken == null && error.isEmpty();
    }

    long entries() {
      return head != null ? head.seq() : chain.entries();
    }

    long headSeq() {
      return head != null ? head.seq() : chain.headSeq();
    }

    byte[] headHash() {
      return head != null ? head.contentHash() : chain.headHash();
    }
  }

  @Override
  public Integer call() {
    StoreRef ref = storeArgs.parse().store();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Checkpoint checkpoint = null;
    List<WriterPublicKey> trusted = new ArrayList<>();
    if (against != null) {
      if (trust.isEmpty()) {
        throw CliException.usage(
            "--against needs --trust KEY.pub: the keys whose checkpoints count");
      }
      try {
        checkpoint =
            CheckpointPlace.isNats(against) || CheckpointPlace.isPostgres(against)
                ? null
                : Checkpoint.read(Path.of(against));
        for (Path file : trust) {
          trusted.add(WriterPublicKey.load(file));
        }
      } catch (InvalidInputException e) {
        throw CliException.usage(e.getMessage());
      }
    } else if (!trust.isEmpty()) {
      throw CliException.usage("--trust is for --against CP.json");
    }
    if (checkpointName != null && (against == null || checkpoint != null)) {
      throw CliException.usage("--checkpoint-name is for --against nats://... or postgresql://...");
    }
    VerifyOptions options = VerifyOptions.defaults().withRequireSignatures(requireSignatures);
    try (Store store = ref.open(StoreRef.Access.READ)) {
      store.requireTables();
      if (against != null && checkpoint == null) {
        checkpoint = fetch(against, store);
      }
      Storage storage = noStorageCheck ? Storage.skipped() : checkStorage(store);
      if (storage.damaged()) {
        return damaged(out, err, store, storage);
      }
      List<Store.Chain> chains = select(store);
      long total = chains.stream().mapToLong(Store.Chain::entries).sum();
      List<Verdict> verdicts = new ArrayList<>();
      try (Progress progress =
          Progress.start(
              err, progressOptions.enabled(Main.of(spec).stderrIsTerminal()), "verifying", total)) {
        long before = 0;
        for (Store.Chain chain : chains) {
          long base = before;
          verdicts.add(verify(store, chain, options, done -> progress.update(base + done)));
          before += chain.entries();
        }
      }
      List<Verdict> broken = verdicts.stream().filter(v -> !v.intact()).toList();
      Checkpoint.Result result =
          checkpoint == null ? null : Checkpoint.check(store.db(), checkpoint, trusted);
      if (json) {
        printJson(out, store, storage, verdicts, result);
      } else {
        printText(out, store, storage, verdicts);
        if (result != null) {
          printCheckpoint(out, checkpoint, result);
        }
      }
      if (result != null && !result.ok()) {
        out.flush();
        err.println("agent-store: " + checkpointFailure(result));
        return Main.EXIT_BROKEN;
      }
      if (broken.isEmpty()) {
        return 0;
      }
      out.flush();
      err.println(
          "agent-store: "
              + broken.size()
              + " of "
              + verdicts.size()
              + (verdicts.size() == 1 ? " chain" : " chains")
              + " broken; first: "
              + describe(broken.get(0)));
      return Main.EXIT_BROKEN;
    }
  }

  /** The latest checkpoint on NATS or in a witness, kept under --checkpoint-name. */
  private Checkpoint fetch(String place, Store store) {
    String name = checkpointName != null ? checkpointName : store.db().describe();
    try (CheckpointPlace source = CheckpointPlace.open(place, name)) {
      return source
          .source()
          .latest()
          .orElseThrow(
              () ->
                  CliException.refused(
                      "no checkpoint of " + name + " in " + source.source().describe()));
    } catch (InvalidInputException e) {
      throw CliException.usage(e.getMessage());
    }
  }

  private static Storage checkStorage(Store store) {
    try {
      if (!WriterLog.checkStorage(store.db())) {
        return new Storage(
            "not_checked", null, List.of(), false, "not checked (PostgreSQL has no storage check)");
      }
      return new Storage("ok", CHECK, List.of(), false, "ok (" + CHECK + ")");
    } catch (DamagedStoreException e) {
      return new Storage("damaged", e.check(), e.problems(), e.stoppedEarly(), e.getMessage());
    }
  }

  /**
   * Reports damaged storage. The chains are not verified: every read goes through the damaged pages
   * and indexes, so a chain could verify "intact" up to the rows the damage hides.
   */
  private int damaged(PrintWriter out, PrintWriter err, Store store, Storage storage) {
    if (json) {
      Json doc = new Json(out).beginObject().field("store", store.describe());
      printStorageJson(doc, storage);
      doc.name("chains").beginArray().endArray();
      doc.name("summary")
          .beginObject()
          .field("chains", 0)
          .field("entries", 0)
          .field("intact", 0)
          .field("broken", 0)
          .endObject();
      doc.endObject();
    } else {
      out.println("Store: " + store.describe());
      out.println(
          "Storage: DAMAGED: "
              + storage.check()
              + " reports "
              + storage.problems().size()
              + (storage.problems().size() == 1 ? " problem" : " problems")
              + (storage.stoppedEarly() ? " or more" : "")
              + (storage.problems().size() > SHOWN ? " (first " + SHOWN + " shown)" : "")
              + ":");
      for (String problem :
          storage.problems().subList(0, Math.min(SHOWN, storage.problems().size()))) {
        out.println("  " + problem);
      }
      out.println();
      out.println(
          "Chains were not verified: reads through damaged storage can miss entries, and a chain"
              + " cut short that way still verifies. Restore the store from a copy, or recover"
              + " its rows (sqlite3 .recover); --no-storage-check verifies the chains anyway.");
    }
    out.flush();
    err.println("agent-store: " + storage.message());
    return Main.EXIT_BROKEN;
  }

  private static void printStorageJson(Json json, Storage storage) {
    json.name("storage")
        .beginObject()
        .field("status", storage.status())
        .field("check", storage.check());
    json.name("problems").beginArray();
    for (String problem : storage.problems()) {
      json.value(problem);
    }
    json.endArray().field("more_problems", storage.stoppedEarly()).endObject();
  }

  private List<Store.Chain> select(Store store) {
    List<Store.Chain> chains = store.chains(stream);
    if (stream != null && chains.isEmpty()) {
      throw CliException.usage("no chain in stream \"" + stream + "\" in " + store.describe());
    }
    if (writer != null) {
      chains = chains.stream().filter(c -> c.writer().equals(writer)).toList();
      if (chains.isEmpty()) {
        throw CliException.usage(
            "no chain of writer \""
                + writer
                + "\""
                + (stream == null ? "" : " in stream \"" + stream + "\"")
                + " in "
                + store.describe());
      }
    }
    return chains;
  }

  private void printCheckpoint(PrintWriter out, Checkpoint checkpoint, Checkpoint.Result result) {
    String shown =
        against != null && CheckpointPlace.isPostgres(against)
            ? "witness "
                + dev.agentstore.postgres.PostgresBackend.serverAddress(
                    dev.agentstore.postgres.PostgresWitness.jdbcUrl(against))
            : against;
    out.println(
        "Checkpoint: "
            + shown
            + ", "
            + checkpoint.chains().size()
            + (checkpoint.chains().size() == 1 ? " chain" : " chains")
            + ", signed by "
            + checkpoint.signer().fingerprint().toHex()
            + ": "
            + switch (result.signature()) {
              case VALID -> "signature valid";
              case BAD_SIGNATURE -> "BAD SIGNATURE (the checkpoint was altered or forged)";
              case UNTRUSTED_SIGNER -> "UNTRUSTED SIGNER (not among the --trust keys)";
            });
    for (Checkpoint.ChainResult chain : result.failures()) {
      out.println("Checkpoint: " + chain.describe());
    }
    if (result.ok()) {
      out.println("Checkpoint: every chain extends it.");
    }
  }

  private static String checkpointFailure(Checkpoint.Result result) {
    if (result.signature() != Checkpoint.SignatureStatus.VALID) {
      return "checkpoint "
          + (result.signature() == Checkpoint.SignatureStatus.BAD_SIGNATURE
              ? "signature does not verify"
              : "signed by an untrusted key");
    }
    List<Checkpoint.ChainResult> failures = result.failures();
    return failures.size()
        + " of "
        + result.chains().size()
        + (result.chains().size() == 1 ? " chain" : " chains")
        + " do not extend the checkpoint; first: "
        + failures.get(0).describe();
  }

  private static Verdict verify(
      Store store,
      Store.Chain chain,
      VerifyOptions options,
      java.util.function.LongConsumer progress) {
    try {
      Optional<Head> head =
          WriterLog.verify(store.db(), chain.stream(), chain.writer(), options, progress);
      return new Verdict(chain, head.orElse(null), null, "");
    } catch (ChainBrokenException e) {
      return new Verdict(chain, null, e, "");
    } catch (InvalidInputException e) {
      // A name another program stored that this library cannot address (empty, unpaired surrogate).
      return new Verdict(chain, null, null, "cannot be verified: " + e.getMessage());
    }
  }

  private static String status(Verdict verdict) {
    if (verdict.intact()) {
      return "intact";
    }
    if (verdict.broken() != null) {
      return "BROKEN at seq " + verdict.broken().seq() + ": " + verdict.broken().detail();
    }
    return "ERROR: " + verdict.error();
  }

  private static String describe(Verdict verdict) {
    ChainBrokenException broken = verdict.broken();
    if (broken != null) {
      return verdict.chain().name()
          + " at seq "
          + broken.seq()
          + " ("
          + broken.reason()
          + "): "
          + broken.detail();
    }
    return verdict.chain().name() + " " + verdict.error();
  }

  private static void printText(
      PrintWriter out, Store store, Storage storage, List<Verdict> verdicts) {
    out.println("Store: " + store.describe());
    Table table = new Table("STREAM", "WRITER", "ENTRIES>", "HEAD SEQ>", "HEAD HASH", "STATUS");
    long entries = 0;
    for (Verdict v : verdicts) {
      table.add(
          v.chain().stream(),
          v.chain().writer(),
          v.entries(),
          v.headSeq(),
          Payloads.shortHex(v.headHash()),
          status(v));
      entries += v.entries();
    }
    if (!table.isEmpty()) {
      out.println();
      table.print(out);
    }
    long broken = verdicts.stream().filter(v -> !v.intact()).count();
    out.println();
    out.printf(
        Locale.ROOT,
        "%d %s, %d %s: %d intact, %d broken.%n",
        verdicts.size(),
        verdicts.size() == 1 ? "chain" : "chains",
        entries,
        entries == 1 ? "entry" : "entries",
        verdicts.size() - broken,
        broken);
    out.println("Storage: " + storage.message());
    for (Verdict v : verdicts) {
      if (!v.intact()) {
        out.println("Broken: " + describe(v));
      }
    }
  }

  private static void printJson(
      PrintWriter out,
      Store store,
      Storage storage,
      List<Verdict> verdicts,
      Checkpoint.@Nullable Result checkpoint) {
    Json json = new Json(out).beginObject().field("store", store.describe());
    printStorageJson(json, storage);
    json.name("chains").beginArray();
    long entries = 0;
    for (Verdict v : verdicts) {
      json.beginObject()
          .field("stream", v.chain().stream())
          .field("writer", v.chain().writer())
          .field("entries", v.entries())
          .field("head_seq", v.headSeq())
          .field("head_hash", Payloads.hex(v.headHash()))
          .field("status", v.intact() ? "intact" : "broken");
      ChainBrokenException broken = v.broken();
      if (broken != null) {
        json.field("broken_seq", broken.seq())
            .field("reason", broken.reason().name())
            .field("detail", broken.detail());
      } else if (!v.intact()) {
        json.name("broken_seq").value((String) null).field("reason", "ERROR");
        json.field("detail", v.error());
      }
      json.endObject();
      entries += v.entries();
    }
    json.endArray();
    long broken = verdicts.stream().filter(v -> !v.intact()).count();
    json.name("summary")
        .beginObject()
        .field("chains", verdicts.size())
        .field("entries", entries)
        .field("intact", verdicts.size() - broken)
        .field("broken", broken)
        .endObject();
    if (checkpoint != null) {
      json.name("checkpoint")
          .beginObject()
          .field("signature", checkpoint.signature().name())
          .field("ok", checkpoint.ok());
      json.name("chains").beginArray();
      for (Checkpoint.ChainResult chain : checkpoint.chains()) {
        json.beginObject()
            .field("stream", chain.stream())
            .field("writer", chain.writer())
            .field("checkpoint_seq", chain.checkpointSeq())
            .field("head_seq", chain.headSeq())
            .field("status", chain.status().name())
            .endObject();
      }
      json.endArray().endObject();
    }
    json.endObject();
  }
}
