package dev.agentstore.cli;

import dev.agentstore.Checkpoint;
import dev.agentstore.CheckpointRegressionException;
import dev.agentstore.InvalidInputException;
import dev.agentstore.WriterKey;
import dev.agentstore.nats.NatsCheckpoints;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Signs the heads of a store's chains into a checkpoint file. */
@Command(
    name = "checkpoint",
    header = "Signs the heads of the chains into a checkpoint: a file, NATS, a witness database.",
    mixinStandardHelpOptions = true,
    description = {
      "Writes to --out a checkpoint: the head seq and content hash of every chain (or those"
          + " selected), signed with --key. Keep it where the store's owner cannot rewrite it;"
          + " 'verify STORE --against FILE --trust KEY.pub' then reports a chain whose tail was"
          + " cut, that was rewritten or that is gone. The format is in the README (Tamper"
          + " evidence). The heads are recorded as stored: verify the store first.",
      "Instead of a file, or as well, --publish puts it on a NATS JetStream stream that keeps"
          + " its history, and --witness into a witness table of another PostgreSQL database;"
          + " both refuse a checkpoint that goes backwards from the last one of the same signer"
          + " (exit 1, naming the chain).",
    },
    footer = {
      "",
      "Examples:",
      "  agent-store checkpoint agents.db --key witness.key --out /backup/cp.json",
      "  agent-store checkpoint agents.db --key witness.key --out cp.json --stream conv:demo",
      "  agent-store checkpoint agents.db --key witness.key --publish nats://127.0.0.1:4222",
      "  agent-store checkpoint agents.db --key witness.key --witness"
          + " 'postgresql://witness-host/witness?user=w'"
    })
final class CheckpointCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin StoreArgs storeArgs;

  @Option(names = "--key", required = true, paramLabel = "FILE", description = "The private key.")
  Path key;

  @Option(names = "--out", paramLabel = "FILE", description = "Write the checkpoint to FILE.")
  @Nullable Path outFile;

  @Option(
      names = "--publish",
      paramLabel = "URL",
      description =
          "Publish the checkpoint on NATS (nats://host:port), on the JetStream stream "
              + NatsCheckpoints.DEFAULT_STREAM
              + " (created when missing), subject "
              + NatsCheckpoints.DEFAULT_PREFIX
              + ".<name>. Repeatable.")
  List<String> publish = new ArrayList<>();

  @Option(
      names = "--witness",
      paramLabel = "URL",
      description =
          "Keep the checkpoint in the witness table of this PostgreSQL database"
              + " (postgresql://host/db?user=..., not the store's), which refuses a checkpoint"
              + " that goes backwards. Repeatable.")
  List<String> witness = new ArrayList<>();

  @Option(
      names = "--checkpoint-name",
      paramLabel = "NAME",
      description =
          "The name the checkpoints are kept under on NATS and in a witness (default: the"
              + " store's description, as 'info' shows it).")
  @Nullable String checkpointName;

  @Option(names = "--stream", paramLabel = "S", description = "Only this stream's chains.")
  @Nullable String stream;

  @Option(names = "--writer", paramLabel = "W", description = "Only this writer's chains.")
  @Nullable String writer;

  @Override
  public Integer call() {
    StoreRef ref = storeArgs.parse().store();
    if (outFile == null && publish.isEmpty() && witness.isEmpty()) {
      throw CliException.usage(
          "say where the checkpoint goes: --out FILE, --publish nats://..., --witness"
              + " postgresql://...");
    }
    for (String url : publish) {
      if (!CheckpointPlace.isNats(url)) {
        throw CliException.usage("--publish takes a nats:// URL, got " + url);
      }
    }
    for (String url : witness) {
      if (!CheckpointPlace.isPostgres(url)) {
        throw CliException.usage(
            "--witness takes a postgresql:// or jdbc:postgresql: URL, got a URL of another form");
      }
    }
    WriterKey signer = loadKey(key);
    Checkpoint.Selection selection =
        stream != null && writer != null
            ? Checkpoint.Selection.chain(stream, writer)
            : stream != null
                ? Checkpoint.Selection.stream(stream)
                : writer != null ? Checkpoint.Selection.writer(writer) : Checkpoint.Selection.all();
    PrintWriter out = spec.commandLine().getOut();
    try (Store store = ref.open(StoreRef.Access.READ)) {
      store.requireTables();
      Checkpoint checkpoint;
      try {
        checkpoint = Checkpoint.take(store.db(), signer, selection);
      } catch (InvalidInputException e) {
        throw CliException.usage(e.getMessage());
      }
      String taken =
          "checkpoint of "
              + checkpoint.chains().size()
              + (checkpoint.chains().size() == 1 ? " chain" : " chains")
              + " signed by "
              + signer.fingerprint().toHex();
      if (outFile != null) {
        checkpoint.write(outFile);
        out.println(taken + " written to " + outFile);
      }
      String name = checkpointName != null ? checkpointName : checkpoint.store();
      List<String> places = new ArrayList<>(publish);
      places.addAll(witness);
      for (String place : places) {
        try (CheckpointPlace kept = CheckpointPlace.open(place, name)) {
          kept.sink().publish(checkpoint);
          out.println(taken + " kept in " + kept.source().describe());
        } catch (CheckpointRegressionException e) {
          throw CliException.refused(e.getMessage());
        }
      }
    }
    return 0;
  }

  static WriterKey loadKey(Path file) {
    try {
      return WriterKey.load(file);
    } catch (InvalidInputException e) {
      throw CliException.usage(e.getMessage());
    }
  }
}
